"""Embedder protocol helpers."""

from __future__ import annotations

import numpy as np
import pytest

from absmem.embed import EMBEDDERS, check_text, check_vectors, normalise
from absmem.errors import InvalidArgumentError


def test_normalise_handles_zero_rows() -> None:
    out = normalise([[3.0, 4.0], [0.0, 0.0]])
    assert np.allclose(out, [[0.6, 0.8], [0.0, 0.0]])
    assert out.dtype == np.float32
    with pytest.raises(InvalidArgumentError, match="^vectors"):
        normalise([1.0, 2.0])


def test_check_vectors_refuses_nan(hash_embedder: object) -> None:
    with pytest.raises(InvalidArgumentError, match="^embedder: expected finite vectors"):
        check_vectors(hash_embedder, np.full((1, 16), np.nan), 1)  # type: ignore[arg-type]


def test_check_text() -> None:
    assert check_text("query", "ok") == "ok"
    with pytest.raises(InvalidArgumentError, match="^query: expected a non-empty string, got 3"):
        check_text("query", 3)


def test_registry_builds_the_default() -> None:
    assert EMBEDDERS.names() == ["minilm"]
    assert EMBEDDERS.get("minilm")().dim == 384
    with pytest.raises(InvalidArgumentError, match=r"^embedder: expected one of \['minilm'\]"):
        EMBEDDERS.get("word2vec")
