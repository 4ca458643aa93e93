"""The :class:`Embedder` protocol and helpers shared by every embedder.

An embedder turns texts into L2-normalised float32 vectors, one row per text, and names itself so
that a store can refuse vectors from a different model.

Example:
    >>> import numpy as np
    >>> from absmem.embed import Embedder, normalise
    >>> class Ones:
    ...     name, dim = "ones", 3
    ...     def embed(self, texts):
    ...         return normalise(np.ones((len(texts), 3), dtype=np.float32))
    >>> isinstance(Ones(), Embedder)
    True
    >>> print(Ones().embed(["a"]).round(3))
    [[0.577 0.577 0.577]]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from ..errors import InvalidArgumentError

__all__ = ["Embedder", "Vectors", "check_text", "check_vectors", "normalise"]

Vectors = npt.NDArray[np.float32]
"""A 2-D float32 array, one L2-normalised row per text."""


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    name: str
    """Stable name of the model, stored with every store built with it."""
    dim: int
    """Vector dimension."""

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed a batch of texts into an array of shape ``(len(texts), dim)``."""
        ...


def normalise(vectors: npt.ArrayLike) -> Vectors:
    """Return ``vectors`` as a C-contiguous float32 array with unit-length rows."""
    array = np.ascontiguousarray(vectors, dtype=np.float32)
    if array.ndim != 2:
        raise InvalidArgumentError("vectors", "a 2-D array (n, dim)", f"shape {array.shape}")
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    norms[norms == 0.0] = 1.0
    out: Vectors = np.ascontiguousarray(array / norms, dtype=np.float32)
    return out


def check_text(argument: str, value: object) -> str:
    """Return ``value`` if it is a non-empty string, else raise naming ``argument``."""
    if not isinstance(value, str):
        raise InvalidArgumentError(argument, "a non-empty string", value)
    if not value.strip():
        raise InvalidArgumentError(argument, "a non-empty string (not only whitespace)", value)
    return value


def check_vectors(embedder: Embedder, vectors: object, n: int) -> Vectors:
    """Validate an embedder's output: shape ``(n, dim)``, finite; return it normalised."""
    array = np.asarray(vectors, dtype=np.float32)
    if array.shape != (n, embedder.dim):
        raise InvalidArgumentError(
            "embedder", f"vectors of shape ({n}, {embedder.dim})", f"shape {array.shape}"
        )
    if not np.isfinite(array).all():
        raise InvalidArgumentError("embedder", "finite vectors", "NaN or infinite values")
    return normalise(array)
