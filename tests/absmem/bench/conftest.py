"""Fixtures of the benchmark tests: a tiny hand-built CLINC150 folder and a hash embedder."""

from __future__ import annotations

import pytest

from .helpers import TinyEmbedder


@pytest.fixture
def tiny_embedder() -> TinyEmbedder:
    """A fresh :class:`TinyEmbedder`."""
    return TinyEmbedder()
