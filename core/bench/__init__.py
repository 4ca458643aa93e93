"""Benchmarks of absmem on real data, run by ``absmem bench ...``.

* :func:`run_ingest` (``absmem bench ingest``): remember and recall latency at 1k, 10k and 100k
  experiences, with precomputed vectors and with the real embedder.
* :func:`run_index` (``absmem bench index``): HNSW recall@10 against exact search on
  all-MiniLM-L6-v2 embeddings of CLINC150, and query latency.

The data (CLINC150) is read at run time from ``../shared/data`` (or ``--data``/``$ABSMEM_DATA``);
nothing of it ships with the package.

Example:
    >>> from absmem.bench import IngestParams, IndexBenchParams
    >>> IngestParams().sizes, IndexBenchParams().k
    ((1000, 10000, 100000), 10)
"""

from __future__ import annotations

from .data import BenchDataError, Clinc150, load_clinc150, resolve_data_dir
from .index import IndexBenchParams, index_markdown, recall_at, run_index
from .ingest import IngestParams, ingest_markdown, run_ingest
from .vectors import PrecomputedEmbedder, VectorCache, expand, jittered

__all__ = [
    "BenchDataError",
    "Clinc150",
    "IndexBenchParams",
    "IngestParams",
    "PrecomputedEmbedder",
    "VectorCache",
    "expand",
    "index_markdown",
    "ingest_markdown",
    "jittered",
    "load_clinc150",
    "recall_at",
    "resolve_data_dir",
    "run_index",
    "run_ingest",
]
