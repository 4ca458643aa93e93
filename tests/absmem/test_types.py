"""Pydantic models of the contract."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from absmem.types import MemoryItem, Outcome, Recall


def test_outcome_posterior() -> None:
    prior = Outcome()
    assert prior.mean == 0.5
    up = prior.updated(1.0)
    assert (up.alpha, up.beta, up.n) == (2.0, 1.0, 1.0)
    half = prior.updated(-1.0, weight=0.5)
    assert (half.alpha, half.beta, half.n) == (1.0, 1.5, 0.5)
    assert prior.updated(0.0).mean == 0.5


def test_memory_item_bounds() -> None:
    with pytest.raises(ValidationError):
        MemoryItem(id="x", kind="experience", text="t", score=0.1, propensity=1.5, rank=0)
    with pytest.raises(ValidationError):
        MemoryItem(id="x", kind="fact", text="t", score=0.1, propensity=1.0, rank=0)  # type: ignore[arg-type]


def test_as_prompt() -> None:
    empty = Recall(id="r", query="q", namespace="n")
    assert empty.as_prompt() == ""
    item = MemoryItem(id="x", kind="experience", text="did A", score=1.0, propensity=1.0, rank=0)
    recall = Recall(id="r", query="q", namespace="n", items=[item, item])
    assert recall.as_prompt(header="Memory:") == "Memory:\n1. did A\n2. did A"
