"""Fixtures of the strategy tests: a tiny world and an embedder that knows the approaches."""

from __future__ import annotations

import pytest

from absmem.bench.strategy.world import StrategyWorld

from .fakes import INTENTS, StyleEmbedder, requests


@pytest.fixture
def style_embedder() -> StyleEmbedder:
    """A fresh :class:`StyleEmbedder`."""
    return StyleEmbedder()


@pytest.fixture
def world() -> StrategyWorld:
    """A seeded world of 8 requests over 4 intents in 2 domains, drifting at interaction 4."""
    return StrategyWorld.build(requests(8), INTENTS, seed=0, drift_at=0.5)
