"""Fixtures of the reliability tests: a cheap deterministic embedder, memories in ``tmp_path``
and the checks every scenario ends with (file integrity, the bytes left on disk)."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from absmem import AbstractionMemory
from absmem.embed import Vectors, normalise
from absmem.policy import LinearThompsonRanker, PolicyConfig

Open = Callable[..., AbstractionMemory]


class TinyEmbedder:
    """A deterministic 8-dimensional embedder: each text's vector is seeded by its SHA-256.

    It encodes with ``surrogatepass`` so that it never fails on a string itself: whatever fails
    on a bad string is the library's own check (or the lack of one).
    """

    name = "reliability-tiny"
    dim = 8

    def embed(self, texts: Sequence[str]) -> Vectors:
        rows = [
            np.random.default_rng(
                int.from_bytes(
                    hashlib.sha256(t.encode("utf-8", "surrogatepass")).digest()[:8], "little"
                )
            ).standard_normal(self.dim)
            for t in texts
        ]
        return normalise(np.array(rows, dtype=np.float32).reshape(len(texts), self.dim))


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
