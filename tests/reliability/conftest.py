"""Fixtures of the reliability tests: a cheap deterministic embedder, memories in ``tmp_path``
and the checks every scenario ends with (file integrity, the bytes left on disk)."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from absmem import AbstractionConfig, AbstractionMemory, ConsolidateConfig, GNNConfig
from absmem.embed import HashEmbedder, Vectors, normalise
from absmem.policy import LinearThompsonRanker, PolicyConfig

Open = Callable[..., AbstractionMemory]

CONSOLIDATION = ConsolidateConfig(
    gnn=GNNConfig(hidden=8, epochs=4, finetune_epochs=2),
    abstraction=AbstractionConfig(fine_size=10, min_quote_users=2),
    min_train=12,
)
"""A small, quick consolidation: the GNN trains from 12 rated experiences."""


def _seeded(word: str, dim: int) -> np.ndarray:
    digest = hashlib.sha256(word.encode("utf-8", "surrogatepass")).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little")).standard_normal(dim)


class TinyEmbedder(HashEmbedder):
    """A deterministic 8-dimensional embedder: each text's vector is seeded by its SHA-256.

    ``HashEmbedder`` encodes with ``surrogatepass`` so that it never fails on a string itself:
    whatever fails on a bad string is the library's own check (or the lack of one).
    """

    def __init__(self) -> None:
        super().__init__(dim=8)
        self.name = "reliability-tiny"


class TopicEmbedder:
    """Texts made of ``sit<k>`` / ``app<a>`` words embed near planted directions (so that
    consolidation finds situations and approaches); every other word adds seeded noise."""

    name = "reliability-topics"
    dim = 16

    def embed(self, texts: Sequence[str]) -> Vectors:
        base = np.random.default_rng(0).standard_normal((16, self.dim))
        rows = []
        for text in texts:
            v = np.zeros(self.dim)
            for word in text.split():
                if word[:3] in ("sit", "app") and word[3:].isdigit() and int(word[3:]) < 8:
                    v += base[int(word[3:]) + (8 if word[:3] == "app" else 0)]
                else:
                    v += 0.15 * _seeded(word, self.dim)
            rows.append(v)
        return normalise(np.array(rows, dtype=np.float32).reshape(len(texts), self.dim))


def teach(
    mem: AbstractionMemory, namespace: str, rounds: int, marker: str, users: Sequence[str],
    good: int = 1,
) -> list[str]:  # fmt: skip
    """``rounds`` rounds over situations 0-3, each answered with approach ``r % 3`` and rated
    +1 when it is ``(situation + good) % 3``, else -1; responses carry ``marker``. Returns the
    experience ids."""
    ids = []
    for r in range(rounds):
        for situation in range(4):
            approach = (r + situation) % 3
            exp = mem.remember(
                f"sit{situation} question {r}", f"app{approach} answer {marker} sit{situation}",
                user_id=users[r % len(users)], namespace=namespace,
            )  # fmt: skip
            reward = 1.0 if approach == (situation + good) % 3 else -1.0
            mem.feedback(exp, reward=reward, namespace=namespace)
            ids.append(exp)
    return ids


def greedy() -> LinearThompsonRanker:
    """The learned ranker without exploration: deterministic rankings."""
    return LinearThompsonRanker(PolicyConfig(exploration=0.0))


def integrity(folder: Path) -> str:
    """``PRAGMA integrity_check`` of the memory's SQLite file (``"ok"`` when sound)."""
    db = sqlite3.connect(folder / "absmem.db")
    try:
        return ",".join(str(row[0]) for row in db.execute("PRAGMA integrity_check"))
    finally:
        db.close()


def files_holding(folder: Path, needle: bytes) -> list[str]:
    """Every file under ``folder`` (the db, its -wal/-shm, the index folder) holding ``needle``."""
    return sorted(
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.is_file() and needle in path.read_bytes()
    )


@pytest.fixture
def tiny() -> TinyEmbedder:
    """The 8-dimensional hash embedder."""
    return TinyEmbedder()


@pytest.fixture
def open_tiny(tmp_path: Path) -> Iterator[Open]:
    """Open memories with :class:`TinyEmbedder` and a greedy ranker in ``tmp_path / name``
    (default ``"mem"``); all are closed at the end."""
    opened: list[AbstractionMemory] = []

    def factory(name: str = "mem", **options: object) -> AbstractionMemory:
        options.setdefault("embedder", TinyEmbedder())
        options.setdefault("ranker", greedy())
        mem = AbstractionMemory.open(tmp_path / name, **options)  # type: ignore[arg-type]
        opened.append(mem)
        return mem

    yield factory
    for mem in opened:
        mem.close()
