"""``HashEmbedder``: deterministic unit vectors, no model, a clear error for a bad dimension."""

from __future__ import annotations

import numpy as np
import pytest

from absmem.embed import Embedder, HashEmbedder
from absmem.errors import InvalidArgumentError


def test_equal_texts_equal_vectors_across_instances() -> None:
    a, b = HashEmbedder(dim=32), HashEmbedder(dim=32)
    texts = ["one", "two", "one", "", "\ud800 lone surrogate", "日本語"]
    vectors = a.embed(texts)
    assert isinstance(a, Embedder)
    assert vectors.shape == (6, 32)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(vectors, b.embed(texts))
    np.testing.assert_array_equal(vectors[0], vectors[2])
    assert abs(float(vectors[0] @ vectors[1])) < 0.9
    assert a.name == "hash-32"


@pytest.mark.parametrize("dim", [1, 0, -4, 2.5, True, "64"])
def test_a_bad_dimension_is_named(dim: object) -> None:
    with pytest.raises(InvalidArgumentError, match="dim: expected an int >= 2"):
        HashEmbedder(dim=dim)  # type: ignore[arg-type]
