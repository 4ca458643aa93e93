"""The FAISS candidate index: exact below a size threshold, HNSW above it.

One :class:`CandidateIndex` serves one namespace. Keys are the store's integer experience keys.
Exact search (``IndexFlatIP``) is used up to ``exact_threshold`` vectors; past it the index is
rebuilt once as HNSW (``IndexHNSWFlat``, inner product on unit vectors = cosine). HNSW cannot
delete, so removed keys become tombstones filtered from results, and the graph is rebuilt from
the live vectors once tombstones pass ``max_dead_fraction``.

Example:
    >>> import numpy as np
    >>> from absmem.index import CandidateIndex
    >>> index = CandidateIndex(dim=2)
    >>> index.add(np.array([7, 9]), np.array([[1, 0], [0, 1]], dtype=np.float32))
    >>> scores, keys = index.search(np.array([[0.9, 0.1]], dtype=np.float32), k=1)
    >>> keys.tolist()
    [[7]]
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np
import numpy.typing as npt

from .errors import InvalidArgumentError

__all__ = ["CandidateIndex", "IndexFileError", "IndexParams"]

logger = logging.getLogger(__name__)

Keys = npt.NDArray[np.int64]
Matrix = npt.NDArray[np.float32]


class IndexFileError(Exception):
    """An index file is missing, stale or unreadable; the caller rebuilds from the store."""


@dataclass(frozen=True)
class IndexParams:
    """Tuning of a :class:`CandidateIndex`.

    Attributes:
        exact_threshold: number of vectors up to which search is exact.
        hnsw_m: HNSW graph degree.
        ef_construction: HNSW build-time beam width.
        ef_search: HNSW query-time beam width (recall against exact search rises with it).
        ef_insert: HNSW beam width of the search that links a new experience to its similar
            neighbours (edges tolerate an approximate neighbour; recall uses ``ef_search``).
        max_dead_fraction: share of tombstones at which the HNSW graph is rebuilt.
        buffer_size: in HNSW mode, new vectors wait in an exact buffer and are inserted into
            the graph in batches of this size (an insertion costs about a millisecond per
            vector at 100k, so single adds stay cheap; a batch runs on all cores).
    """

    exact_threshold: int = 5_000
    hnsw_m: int = 32
    ef_construction: int = 80
    ef_search: int = 96
    ef_insert: int = 32
    max_dead_fraction: float = 0.1
    buffer_size: int = 512


SMALL_BATCH = 8
"""Searches of at most this many queries run on one OpenMP thread.

A team of FAISS OpenMP threads keeps spinning for a while after a parallel search, and on a
small machine it competes with the embedding model that runs next on the same thread; one query
gains nothing from the team. Measured on 2 cores at 20k experiences (four series of 30 recalls
of never-seen queries, embedding included): p50 12.2 ms on one thread, 14.1 ms with the team,
for an embedding alone of about 7 ms.
"""


@contextlib.contextmanager
def _threads(count: int | None) -> Iterator[None]:
    """Run FAISS on ``count`` OpenMP threads inside the block (``None``: leave it as it is)."""
    if count is None:
        yield
        return
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(count)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


class CandidateIndex:
    """Cosine nearest-neighbour search over unit vectors keyed by int64.

    Args:
        dim: vector dimension.
        params: exact/HNSW switch point and HNSW tuning.
    """

    def __init__(self, dim: int, params: IndexParams | None = None) -> None:
        if dim <= 0:
            raise InvalidArgumentError("dim", "a positive integer", dim)
        self.dim = dim
        self.params = params or IndexParams()
        self._index: faiss.IndexIDMap2 = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self._fresh: faiss.IndexIDMap2 = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self._dead: set[int] = set()

    @property
    def kind(self) -> str:
        """``"exact"`` or ``"hnsw"``."""
        return "hnsw" if isinstance(self._inner(), faiss.IndexHNSW) else "exact"

    def _inner(self) -> faiss.Index:
        return faiss.downcast_index(self._index.index)

    def __len__(self) -> int:
        return int(self._index.ntotal) - len(self._dead) + int(self._fresh.ntotal)

    def keys(self) -> Keys:
        """The live keys, ascending."""
        keys = faiss.vector_to_array(self._index.id_map).astype(np.int64)
        if self._dead:
            keys = keys[~np.isin(keys, np.fromiter(self._dead, dtype=np.int64))]
        fresh = faiss.vector_to_array(self._fresh.id_map).astype(np.int64)
        return np.sort(np.concatenate([keys, fresh]))

    def add(self, keys: npt.ArrayLike, vectors: npt.ArrayLike) -> None:
        """Add vectors under ``keys`` (keys must be new)."""
        key_array = np.ascontiguousarray(keys, dtype=np.int64)
        matrix = self._check(vectors)
        if len(key_array) != len(matrix):
            raise InvalidArgumentError(
                "keys", f"{len(matrix)} keys, one per vector", len(key_array)
            )
        if len(key_array) == 0:
            return
        if self.kind == "exact":
            self._index.add_with_ids(matrix, key_array)
            if len(self) > self.params.exact_threshold:
                self._rebuild(hnsw=True)
            return
        self._fresh.add_with_ids(matrix, key_array)
        if self._fresh.ntotal >= self.params.buffer_size:
            self._merge()

    def _merge(self) -> None:
        """Insert the buffered vectors into the HNSW graph in one batch."""
        if self._fresh.ntotal == 0:
            return
        keys = faiss.vector_to_array(self._fresh.id_map).astype(np.int64)
        vectors = faiss.downcast_index(self._fresh.index).reconstruct_n(0, self._fresh.ntotal)
        self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), keys)
        self._fresh = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))

    def remove(self, keys: npt.ArrayLike) -> None:
        """Remove ``keys`` (unknown keys are ignored)."""
        key_array = np.ascontiguousarray(keys, dtype=np.int64)
        if len(key_array) == 0:
            return
        if self.kind == "exact":
            self._index.remove_ids(faiss.IDSelectorBatch(key_array))
            return
        self._fresh.remove_ids(faiss.IDSelectorBatch(key_array))
        live = set(faiss.vector_to_array(self._index.id_map).tolist())
        self._dead.update(int(k) for k in key_array if int(k) in live)
        if len(self._dead) > self.params.max_dead_fraction * self._index.ntotal:
            self._rebuild(hnsw=len(self) > self.params.exact_threshold)

    def search(
        self, queries: npt.ArrayLike, k: int, *, ef: int | None = None
    ) -> tuple[Matrix, Keys]:
        """The ``k`` nearest ``(scores, keys)`` per query; slots with no vector hold key -1.

        ``ef`` overrides ``params.ef_search`` for this call (HNSW only).
        """
        matrix = self._check(queries)
        n = len(matrix)
        if k <= 0 or len(self) == 0:
            return np.zeros((n, 0), np.float32), np.zeros((n, 0), np.int64)
        inner = self._inner()
        if isinstance(inner, faiss.IndexHNSW):
            beam = self.params.ef_search if ef is None else ef
            inner.hnsw.efSearch = max(beam, k + len(self._dead))
        fetch = min(k + len(self._dead), int(self._index.ntotal))
        with _threads(1 if n <= SMALL_BATCH else None):
            scores, keys = self._index.search(matrix, fetch) if fetch else _empty(n)
            if self._fresh.ntotal:
                fresh = self._fresh.search(matrix, min(k, self._fresh.ntotal))
        if self._dead:
            scores, keys = _drop_dead(scores, keys, self._dead, k)
        if self._fresh.ntotal:
            scores, keys = _merge_topk(scores, keys, fresh[0], fresh[1], k)
        width = min(k, len(self))
        return scores[:, :width], keys[:, :width]

    def _check(self, vectors: npt.ArrayLike) -> Matrix:
        matrix = np.ascontiguousarray(vectors, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[1] != self.dim:
            raise InvalidArgumentError(
                "vectors", f"a 2-D array (n, {self.dim})", f"shape {matrix.shape}"
            )
        return matrix

    def _live(self) -> tuple[Keys, Matrix]:
        self._merge()
        keys = faiss.vector_to_array(self._index.id_map).astype(np.int64)
        total = int(self._index.ntotal)
        vectors = (
            self._inner().reconstruct_n(0, total) if total else np.zeros((0, self.dim), np.float32)
        )
        if self._dead:
            live = ~np.isin(keys, np.fromiter(self._dead, dtype=np.int64))
            keys, vectors = keys[live], vectors[live]
        return keys, np.ascontiguousarray(vectors, dtype=np.float32)

    def _rebuild(self, hnsw: bool) -> None:
        keys, vectors = self._live()
        logger.info("rebuilding %s index over %d vectors", "hnsw" if hnsw else "exact", len(keys))
        inner: faiss.Index
        if hnsw:
            graph = faiss.IndexHNSWFlat(self.dim, self.params.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            graph.hnsw.efConstruction = self.params.ef_construction
            inner = graph
        else:
            inner = faiss.IndexFlatIP(self.dim)
        self._index = faiss.IndexIDMap2(inner)
        self._dead = set()
        if len(keys):
            self._index.add_with_ids(vectors, keys)

    @classmethod
    def build(
        cls, dim: int, batches: Iterable[tuple[Keys, Matrix]], params: IndexParams | None = None
    ) -> CandidateIndex:
        """Build an index from an iterable of ``(keys, vectors)`` batches (from the store)."""
        index = cls(dim, params)
        all_keys: list[Keys] = []
        all_vectors: list[Matrix] = []
        for keys, vectors in batches:
            all_keys.append(keys)
            all_vectors.append(vectors)
        if all_keys:
            keys = np.concatenate(all_keys)
            vectors = np.concatenate(all_vectors)
            if len(keys) > index.params.exact_threshold:
                index._index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
                index._index.add_with_ids(vectors, keys)
                index._rebuild(hnsw=True)
            else:
                index.add(keys, vectors)
        return index

    # -- persistence --------------------------------------------------------------------------

    def save(self, path: Path, version: int) -> None:
        """Write the index and a sidecar (store version, size, tombstones) atomically."""
        self._merge()
        path.parent.mkdir(parents=True, exist_ok=True)
        sidecar = path.with_suffix(".json")
        faiss.write_index(self._index, str(path) + ".tmp")
        meta = {"version": version, "dim": self.dim, "ntotal": int(self._index.ntotal),
                "dead": sorted(self._dead)}  # fmt: skip
        Path(str(sidecar) + ".tmp").write_text(json.dumps(meta))
        os.replace(str(path) + ".tmp", path)
        os.replace(str(sidecar) + ".tmp", sidecar)

    @classmethod
    def load(
        cls, path: Path, version: int, dim: int, params: IndexParams | None = None
    ) -> CandidateIndex:
        """Read an index saved at store ``version``; raise :class:`IndexFileError` otherwise."""
        sidecar = path.with_suffix(".json")
        if not path.exists() or not sidecar.exists():
            raise IndexFileError(f"{path} is missing")
        try:
            meta = json.loads(sidecar.read_text())
            if meta["version"] != version or meta["dim"] != dim:
                raise IndexFileError(f"{path} is stale (version {meta['version']} != {version})")
            raw = faiss.read_index(str(path))  # already the concrete class; a downcast of the
            # temporary would leave a wrapper over freed memory
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as err:
            raise IndexFileError(f"{path} is unreadable: {err}") from err
        if not isinstance(raw, faiss.IndexIDMap2):
            raise IndexFileError(f"{path} is not an id-mapped index")
        if raw.ntotal != meta["ntotal"] or raw.d != dim:
            raise IndexFileError(f"{path} does not match its sidecar")
        index = cls(dim, params)
        index._index = raw
        index._dead = {int(k) for k in meta["dead"]}
        return index

    def __repr__(self) -> str:
        return f"CandidateIndex(dim={self.dim}, kind={self.kind}, size={len(self)})"


def _empty(n: int) -> tuple[Matrix, Keys]:
    return np.zeros((n, 0), np.float32), np.zeros((n, 0), np.int64)


def _merge_topk(
    scores: Matrix, keys: Keys, more_scores: Matrix, more_keys: Keys, k: int
) -> tuple[Matrix, Keys]:
    """Merge two per-row result lists into the ``k`` best by score (missing slots: -1)."""
    all_scores = np.concatenate([scores, more_scores], axis=1)
    all_keys = np.concatenate([keys, more_keys], axis=1)
    all_scores = np.where(all_keys < 0, -np.inf, all_scores).astype(np.float32)
    order = np.argsort(-all_scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(all_scores, order, 1), np.take_along_axis(all_keys, order, 1)


def _drop_dead(scores: Matrix, keys: Keys, dead: set[int], k: int) -> tuple[Matrix, Keys]:
    out_scores = np.full((len(keys), k), -np.inf, dtype=np.float32)
    out_keys = np.full((len(keys), k), -1, dtype=np.int64)
    for row in range(len(keys)):
        kept = [j for j, key in enumerate(keys[row]) if key >= 0 and int(key) not in dead][:k]
        out_scores[row, : len(kept)] = scores[row, kept]
        out_keys[row, : len(kept)] = keys[row, kept]
    return out_scores, out_keys
