"""``HashEmbedder``: deterministic vectors from a hash of the text, with no model.

It knows nothing of meaning: equal texts get equal vectors, different texts nearly orthogonal
ones. It serves where the model's cost is not what is measured or tested: load runs of the store
(``absmem bench load --embedder hash``), crash and concurrency tests, and quick experiments.

Example:
    >>> from absmem.embed import HashEmbedder
    >>> embedder = HashEmbedder(dim=16)
    >>> vectors = embedder.embed(["hello", "hello", "world"])
    >>> vectors.shape, bool((vectors[0] == vectors[1]).all())
    ((3, 16), True)
    >>> round(float(vectors[0] @ vectors[0]), 3)
    1.0
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from ..errors import InvalidArgumentError
from .base import Vectors, normalise

__all__ = ["HashEmbedder"]


class HashEmbedder:
    """Unit vectors drawn from a generator seeded by the SHA-256 of each text.

    Args:
        dim: vector dimension (at least 2).
    """

    def __init__(self, dim: int = 64) -> None:
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < 2:
            raise InvalidArgumentError("dim", "an int >= 2", dim)
        self.dim = dim
        self.name = f"hash-{dim}"

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit float32 row per text."""
        rows = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()[:8]
            rows[i] = np.random.default_rng(int.from_bytes(seed, "little")).standard_normal(
                self.dim
            )
        return normalise(rows)

    def __repr__(self) -> str:
        return f"HashEmbedder(dim={self.dim})"
