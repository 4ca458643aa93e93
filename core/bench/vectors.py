"""Embedding vectors for the benchmarks: an on-disk cache, a precomputed embedder, jittered copies.

* :class:`VectorCache` keeps the vectors of texts it has embedded in one ``.npz`` file per
  (data file, model); a rerun embeds only texts it has not seen.
* :class:`PrecomputedEmbedder` answers from a table of known vectors and hands unknown texts to
  the real model, so one store serves both "precomputed" and "real embedder" measurements.
* :func:`expand` grows a set of real vectors to any size with jittered copies, for stores larger
  than the data set (each copy is a real vector plus small seeded Gaussian noise, renormalised).

Example:
    >>> import numpy as np
    >>> from absmem.bench.vectors import PrecomputedEmbedder
    >>> class Ones:
    ...     name, dim = "ones", 2
    ...     def embed(self, texts):
    ...         return np.ones((len(texts), 2), dtype=np.float32) / np.sqrt(2)
    >>> embedder = PrecomputedEmbedder(Ones())
    >>> embedder.add(["known"], np.array([[1.0, 0.0]], dtype=np.float32))
    >>> embedder.embed(["known", "fresh"]).astype(float).round(3).tolist()
    [[1.0, 0.0], [0.707, 0.707]]
    >>> embedder.hits, embedder.misses
    (1, 1)
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..embed import Embedder, Vectors, normalise
from ..errors import InvalidArgumentError

__all__ = ["PrecomputedEmbedder", "VectorCache", "expand", "jittered", "variant_text"]

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]


class PrecomputedEmbedder:
    """An embedder that serves known texts from a table and falls back to a real model.

    It takes the ``name`` and ``dim`` of ``fallback``, so a store built with it accepts the real
    model too, and a store's single experience can be remembered either way. Timing a verb on a
    known text measures the memory without the model; on an unknown text, with it.

    Args:
        fallback: the real model, called (once per ``embed``) for texts not in the table.

    Attributes:
        hits: texts served from the table so far.
        misses: texts handed to ``fallback`` so far.
    """

    def __init__(self, fallback: Embedder) -> None:
        self.fallback = fallback
        self.name = fallback.name
        self.dim = fallback.dim
        self._table: dict[str, Vectors] = {}
        self.hits = 0
        self.misses = 0

    def add(self, texts: Sequence[str], vectors: Vectors) -> None:
        """Make ``texts`` known, with their rows of ``vectors`` (unit length, ``dim`` wide)."""
        if vectors.shape != (len(texts), self.dim):
            raise InvalidArgumentError(
                "vectors", f"shape ({len(texts)}, {self.dim})", f"shape {vectors.shape}"
            )
        matrix = normalise(vectors)
        for i, text in enumerate(texts):
            self._table[text] = matrix[i]

    def __contains__(self, text: object) -> bool:
        return text in self._table

    def __len__(self) -> int:
        return len(self._table)

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Known texts from the table, the others from ``fallback`` in one batch."""
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        unknown = [i for i, text in enumerate(texts) if text not in self._table]
        for i, text in enumerate(texts):
            row = self._table.get(text)
            if row is not None:
                out[i] = row
        if unknown:
            out[unknown] = self.fallback.embed([texts[i] for i in unknown])
        self.misses += len(unknown)
        self.hits += len(texts) - len(unknown)
        return out

    def __repr__(self) -> str:
        return f"PrecomputedEmbedder({self.fallback!r}, known={len(self)})"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


class VectorCache:
    """Vectors of texts, embedded once and kept in ``<folder>/<prefix>-<source>-<model>.npz``.

    The file name carries the first 16 hex digits of ``source_digest`` (the sha256 of the data
    file) and the model's name, so a changed data file or another model never reads stale
    vectors. Texts not yet in the file are embedded in batches and the file is rewritten
    atomically.

    Args:
        folder: cache folder (created on first write).
        embedder: the model; only its texts' vectors are ever stored under its name.
        source_digest: hex digest of the data the texts come from.
        batch: texts per ``embed`` call when filling the cache.
        prefix: the data set's name, first in the file name.

    Example:
        >>> import tempfile, numpy as np
        >>> from absmem.bench.vectors import VectorCache
        >>> class Ones:
        ...     name, dim = "ones", 2
        ...     def embed(self, texts):
        ...         return np.ones((len(texts), 2), dtype=np.float32)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     cache = VectorCache(folder, Ones(), "ab12")
        ...     cache.vectors(["a", "b"]).shape, cache.path.name
        ((2, 2), 'clinc150-ab12-ones.npz')
    """

    def __init__(
        self,
        folder: str | Path,
        embedder: Embedder,
        source_digest: str,
        batch: int = 512,
        prefix: str = "clinc150",
    ) -> None:
        self.folder = Path(folder)
        self.embedder = embedder
        self.batch = batch
        self.path = self.folder / f"{prefix}-{source_digest[:16]}-{_slug(embedder.name)}.npz"
        self._rows: dict[str, int] = {}
        self._matrix = np.zeros((0, embedder.dim), dtype=np.float32)
        self._load()

    def _load(self) -> None:
        if not self.path.is_file():
            return
        try:
            with np.load(self.path, allow_pickle=False) as stored:
                texts = [str(t) for t in stored["texts"]]
                matrix = np.ascontiguousarray(stored["vectors"], dtype=np.float32)
        except (OSError, ValueError, KeyError) as err:
            logger.warning("ignoring unreadable embedding cache %s: %s", self.path, err)
            return
        if matrix.shape != (len(texts), self.embedder.dim):
            logger.warning("ignoring embedding cache %s: shape %s", self.path, matrix.shape)
            return
        self._rows = {text: i for i, text in enumerate(texts)}
        self._matrix = matrix

    def __len__(self) -> int:
        return len(self._rows)

    def vectors(self, texts: Sequence[str], progress: Progress | None = None) -> Vectors:
        """The vectors of ``texts`` (in order), embedding and caching the ones not yet cached."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._rows))
        if missing:
            self._fill(missing, progress)
        rows = np.fromiter((self._rows[t] for t in texts), dtype=np.int64, count=len(texts))
        return np.ascontiguousarray(self._matrix[rows])

    def _fill(self, missing: list[str], progress: Progress | None) -> None:
        if progress is not None:
            progress(f"embedding {len(missing)} texts with {self.embedder.name} -> {self.path}")
        parts = []
        for start in range(0, len(missing), self.batch):
            parts.append(self.embedder.embed(missing[start : start + self.batch]))
            if progress is not None and start and start % (self.batch * 10) == 0:
                progress(f"  {start}/{len(missing)} embedded")
        start = len(self._rows)
        self._matrix = np.concatenate([self._matrix, *parts]).astype(np.float32)
        self._rows.update({text: start + i for i, text in enumerate(missing)})
        self._save()

    def _save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        texts = np.array(sorted(self._rows, key=self._rows.__getitem__), dtype=np.str_)
        partial = self.path.with_name(self.path.name + ".tmp")
        with partial.open("wb") as handle:
            np.savez(handle, texts=texts, vectors=self._matrix)
        os.replace(partial, self.path)


def variant_text(text: str, variant: int) -> str:
    """The text of jittered copy ``variant`` of ``text`` (variant 0 is the text itself).

    Example:
        >>> from absmem.bench.vectors import variant_text
        >>> variant_text("reset my pin", 0), variant_text("reset my pin", 3)
        ('reset my pin', 'reset my pin [variant 3]')
    """
    return text if variant == 0 else f"{text} [variant {variant}]"


def expand(
    vectors: Vectors, size: int, rng: np.random.Generator, jitter: float, first_variant: int = 1
) -> tuple[np.ndarray, np.ndarray, Vectors]:
    """Draw ``size`` rows from ``vectors``: the originals first, then jittered copies.

    Originals are taken in a random order; past ``len(vectors)`` rows, copy ``j`` of original
    ``i`` is ``normalise(vectors[i] + noise)`` with ``noise ~ N(0, jitter**2 / dim)`` per
    coordinate (a noise vector of length about ``jitter``: cosine to the original about
    ``1 / sqrt(1 + jitter**2)``, 0.97 at ``jitter=0.25``).

    Args:
        vectors: the real vectors, unit length.
        size: rows wanted.
        rng: the seeded generator (same seed, same rows).
        jitter: noise length relative to the unit vectors.
        first_variant: variant number given to the first copy (``0`` would mark originals).

    Returns:
        ``(source, variant, rows)``: for each row the index of its original in ``vectors``, its
        variant number (0 for an original) and the vector.

    Example:
        >>> import numpy as np
        >>> from absmem.bench.vectors import expand
        >>> base = np.eye(3, dtype=np.float32)
        >>> source, variant, rows = expand(base, 5, np.random.default_rng(0), jitter=0.1)
        >>> variant.tolist(), bool(np.allclose(np.linalg.norm(rows, axis=1), 1.0))
        ([0, 0, 0, 1, 1], True)
    """
    n = len(vectors)
    if n == 0 or size < 0:
        raise InvalidArgumentError("vectors/size", "at least one vector and size >= 0", (n, size))
    order = rng.permutation(n)
    source = np.concatenate([order, np.resize(order, max(size - n, 0))])[:size]
    variant = np.zeros(size, dtype=np.int64)
    if size > n:
        variant[n:] = first_variant + np.arange(size - n) // n
    rows = vectors[source].astype(np.float32, copy=True)
    copies = variant > 0
    rows[copies] = jittered(rows[copies], rng, jitter)
    return source, variant, normalise(rows)


def jittered(vectors: Vectors, rng: np.random.Generator, jitter: float) -> Vectors:
    """``vectors`` plus Gaussian noise of length about ``jitter``, renormalised (as :func:`expand`).

    Example:
        >>> import numpy as np
        >>> from absmem.bench.vectors import jittered
        >>> rows = jittered(np.eye(2, dtype=np.float32), np.random.default_rng(0), 0.25)
        >>> bool((rows.diagonal() > 0.8).all())
        True
    """
    dim = vectors.shape[1]
    noise = rng.standard_normal(vectors.shape).astype(np.float32)
    return normalise(vectors + noise * np.float32(jitter / np.sqrt(dim)))
