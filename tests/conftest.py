"""Shared fixtures: the real bundled embedder (loaded once) and memories in ``tmp_path``."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from absmem import AbstractionMemory, ConsolidateConfig, GNNConfig, MiniLMEmbedder
from absmem.abstraction import AbstractionConfig
from absmem.embed import Embedder, Vectors, normalise
from absmem.lessons import LessonWriter

SHARED_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


class HashEmbedder:
    """A tiny deterministic embedder for unit tests that need no language model."""

    def __init__(self, dim: int = 16, name: str = "test-hash") -> None:
        self.dim = dim
        self.name = name

    def embed(self, texts: Sequence[str]) -> Vectors:
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            rows.append(np.random.default_rng(seed).standard_normal(self.dim))
        return normalise(np.array(rows, dtype=np.float32).reshape(len(texts), self.dim))


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    """A 16-dimensional deterministic embedder with no language model."""
    return HashEmbedder()


@pytest.fixture(scope="session")
def minilm() -> MiniLMEmbedder:
    """The real all-MiniLM-L6-v2 embedder (loaded once per test session)."""
    return MiniLMEmbedder()


@pytest.fixture
def open_memory(
    tmp_path: Path, minilm: MiniLMEmbedder
) -> Iterator[Callable[..., AbstractionMemory]]:
    """Open memories in ``tmp_path / "mem"`` with the real embedder; all are closed at the end."""
    opened: list[AbstractionMemory] = []

    def factory(**options: object) -> AbstractionMemory:
        options.setdefault("embedder", minilm)
        mem = AbstractionMemory.open(tmp_path / "mem", **options)  # type: ignore[arg-type]
        opened.append(mem)
        return mem

    yield factory
    for mem in opened:
        mem.close()


@pytest.fixture
def taught_memory(
    open_memory: Callable[..., AbstractionMemory],
) -> Callable[[Embedder, LessonWriter], AbstractionMemory]:
    """A memory taught 12 rated PIN-reset turns (the in-app reset works, a branch visit does
    not) and consolidated with a small GNN, its lessons written by the given writer."""

    def teach(embedder: Embedder, writer: LessonWriter) -> AbstractionMemory:
        consolidation = ConsolidateConfig(gnn=GNNConfig(hidden=8, epochs=3, finetune_epochs=1),
                                          abstraction=AbstractionConfig(fine_size=10))  # fmt: skip
        mem = open_memory(embedder=embedder, writer=writer, consolidation=consolidation)
        for i in range(12):
            good = i % 2 == 0
            exp = mem.remember(f"reset my card pin please {i}",
                               "Use the app: Cards > Reset PIN." if good else "Visit a branch.",
                               user_id=f"u{i % 3}")  # fmt: skip
            mem.feedback(exp, reward=1.0 if good else -1.0)
        mem.consolidate()
        return mem

    return teach
