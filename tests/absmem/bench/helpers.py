"""Helpers shared by the benchmark and CLI tests: a hash embedder and a tiny CLINC150 folder."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from absmem.embed import HashEmbedder, Vectors

SHARED_DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
"""The real data folder, ``../shared/data`` from the project root."""


class TinyEmbedder(HashEmbedder):
    """A deterministic 8-dimensional embedder with no model; counts the texts it embeds."""

    def __init__(self) -> None:
        super().__init__(dim=8)
        self.name = "test-tiny"
        self.calls: list[int] = []

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.calls.append(len(texts))
        return super().embed(texts)


def write_tiny_data(root: Path) -> Path:
    """Write a hand-built ``clinc150/`` under ``root`` (3 intents, 61 stored, 30 test texts)."""
    intents = ["pin_change", "balance", "weather"]
    splits: dict[str, list[list[str]]] = {"train": [], "val": [], "test": [], "oos_train": []}
    for n in range(20):
        for intent in intents:
            splits["train" if n < 16 else "val"].append([f"{intent} question {n}", intent])
    for n in range(10):
        for intent in intents:
            splits["test"].append([f"{intent} query {n}", intent])
    splits["oos_train"].append(["tell me a joke", "oos"])
    folder = root / "clinc150"
    folder.mkdir(parents=True)
    (folder / "data_full.json").write_text(json.dumps(splits))
    (folder / "domains.json").write_text(json.dumps({"banking": intents[:2], "misc": intents[2:]}))
    return root


def real_data_or_skip() -> Path:
    """The real data folder; skips the calling test when CLINC150 is not there."""
    import pytest

    path = SHARED_DATA / "clinc150" / "data_full.json"
    if not path.is_file():
        pytest.skip(f"real CLINC150 data absent: {path}")
    return SHARED_DATA.resolve()
