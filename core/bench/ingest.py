"""``absmem bench ingest``: remember and recall latency as the store grows.

For each store size (1k, 10k and 100k experiences by default) a fresh store is filled with
:meth:`AbstractionMemory.remember_many`, then single ``remember`` and ``recall`` calls are timed
with ``time.perf_counter`` around the public sync verbs, in two ways:

* **precomputed**: texts whose vectors were computed before the clock started, served by a
  :class:`~absmem.bench.vectors.PrecomputedEmbedder`: the cost of the memory itself.
* **real embedder**: texts the table has never seen, embedded by the real model inside the call:
  what an application waits for.

Both run on the same store (the precomputed embedder has the real model's name and dimension and
falls back to it), so the two columns differ only by the embedding. The report gives p50 and p99
per size and the ratio of the largest size to the smallest. Targets (from the issue): remember p50
at 100k within 1.3x of 1k; recall p50 at 100k, embedding excluded, under 5 ms on 2 CPU cores.

Contexts past the number of distinct CLINC150 utterances are jittered copies (see
:func:`absmem.bench.vectors.expand`): the result records how many.

Example:
    >>> from absmem.bench.ingest import IngestParams
    >>> IngestParams.quick().sizes
    (1000, 5000)
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from ..embed import Embedder, MiniLMEmbedder
from ..index import IndexParams
from ..memory import AbstractionMemory
from ..store import SQLiteStore
from .data import INDEXED_SPLITS, QUERY_SPLITS, load_clinc150
from .report import describe_run, latency_cell, machine, markdown_table, now, summarise
from .timing import in_thread, load_average, time_calls
from .vectors import PrecomputedEmbedder, VectorCache
from .workload import (
    FRESH_TEMPLATES,
    TEMPLATES,
    Corpus,
    IngestParams,
    build_corpus,
    fill_items,
    op_items,
)

__all__ = ["IngestParams", "ingest_markdown", "run_ingest"]

Progress = Callable[[str], None]


def run_ingest(
    data: str | Path | None = None,
    out: str | Path = "results",
    params: IngestParams | None = None,
    *,
    embedder: Embedder | None = None,
    command: str = "absmem bench ingest",
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run the ingest benchmark and return its result (the CLI writes it out).

    Args:
        data: folder holding ``clinc150/`` (see :func:`absmem.bench.data.resolve_data_dir`).
        out: results folder; embeddings are cached under ``<out>/cache/``.
        params: what to measure; the defaults are the full run.
        embedder: the real model; all-MiniLM-L6-v2 by default.
        command: the command line recorded with the result.
        progress: called with a line of progress, when given.
    """
    load_before = load_average()
    params = params or IngestParams()
    say = progress or (lambda line: None)
    clinc = load_clinc150(data)
    model = embedder or MiniLMEmbedder()
    cache = VectorCache(Path(out) / "cache", model, clinc.sha256)
    rng = np.random.default_rng(params.seed)
    n_queries = params.ops + params.warmup
    n_fresh = 2 * (params.real_ops + params.warmup)
    # The bench's own embedding runs on short-lived threads: see absmem.bench.timing.
    corpus = in_thread(build_corpus, clinc, cache, rng, max(params.sizes), n_queries, n_fresh, say)
    say(f"embedder {model.name}: timing single-text embedding")
    embed_alone = in_thread(
        time_calls, lambda text: model.embed([text]), corpus.fresh[: params.real_ops]
    )
    results = []
    for size in params.sizes:
        say(f"store of {size:,} experiences")
        # Each size draws from its own seeded stream, so a size's store does not depend on
        # which other sizes ran before it.
        stream = np.random.default_rng([params.seed, size])
        results.append(_one_size(size, corpus, model, params, stream, say))
    return {
        "benchmark": "ingest",
        "command": command,
        "date": now(),
        "machine": machine(),
        "load_average": {"start": load_before, "end": load_average()},
        "params": asdict(params),
        "data": {"path": str(clinc.path), "sha256": clinc.sha256},
        "workload": _workload(corpus, params),
        "embedder": {"name": model.name, "single_text": summarise(embed_alone)},
        "sizes": results,
        "ratios": _ratios(results),
    }


def _workload(corpus: Corpus, params: IngestParams) -> dict[str, Any]:
    return {
        "contexts": f"CLINC150 {'+'.join(INDEXED_SPLITS)} utterances, {len(corpus.pool):,} "
        "distinct in this run; stores larger than that hold jittered copies: the vector of a "
        f"real utterance plus Gaussian noise of length {params.jitter} (cosine to the original "
        f"about {1 / np.sqrt(1 + params.jitter**2):.2f}), renormalised, text suffixed "
        "'[variant N]'",
        "responses": f"{len(TEMPLATES)} response templates filled with the context's intent",
        "queries": f"CLINC150 {'+'.join(QUERY_SPLITS)} split (never stored)",
        "precomputed": "texts whose vectors were computed before timing (cached MiniLM vectors, "
        "or jittered copies)",
        "real_embedder": "texts never seen by the table: test-split utterances, and responses "
        f"from {len(FRESH_TEMPLATES)} templates kept for these calls; embedded inside the call",
        "users": params.users,
        "sessions": params.sessions,
    }


def _one_size(
    size: int,
    corpus: Corpus,
    model: Embedder,
    params: IngestParams,
    rng: np.random.Generator,
    say: Progress,
) -> dict[str, Any]:
    embedder = PrecomputedEmbedder(model)
    embedder.add(corpus.responses, corpus.response_vectors)
    embedder.add(corpus.queries, corpus.query_vectors)
    fill = fill_items(size, corpus, params, rng, embedder)
    ops = op_items(size, corpus, params, rng, embedder)
    with tempfile.TemporaryDirectory(prefix="absmem-bench-") as folder:
        mem = AbstractionMemory(
            SQLiteStore(Path(folder) / "absmem.db"), embedder, index_dir=Path(folder) / "index"
        )
        try:
            load = load_average()
            start = time.perf_counter()
            mem.remember_many(fill, chunk=params.chunk)
            filled = time.perf_counter() - start
            say(f"  filled in {filled:.1f} s ({size / filled:,.0f} experiences/s); timing")
            load = max(load or 0.0, load_average() or 0.0)
            timed = _measure(mem, ops, params, embedder)
            count = mem.count()
        finally:
            start = time.perf_counter()
            mem.close()
            closed = time.perf_counter() - start
        store_mb = sum(f.stat().st_size for f in Path(folder).rglob("*") if f.is_file()) / 2**20
    row = {
        "size": size,
        "distinct_contexts": min(size, len(corpus.pool)),
        "jittered_contexts": max(0, size - len(corpus.pool)),
        "index": "hnsw" if size > IndexParams().exact_threshold else "exact",
        "fill": {"seconds": round(filled, 2), "per_second": round(size / filled, 1)},
        "count_after": count,
        "close_seconds": round(closed, 2),
        "store_mb": round(store_mb, 1),
        "load_average": max(load, load_average() or 0.0),
        **timed,
    }
    say("  " + _row_line(row))
    return row


def _measure(
    mem: AbstractionMemory,
    ops: dict[str, list[dict[str, Any]]],
    params: IngestParams,
    embedder: PrecomputedEmbedder,
) -> dict[str, Any]:
    """Time the four kinds of call; the first ``warmup`` of each are run untimed."""
    w, k = params.warmup, params.k

    def remember(kw: dict[str, Any]) -> object:
        return mem.remember(
            kw["context"],
            kw["response"],
            user_id=kw["user_id"],
            session_id=kw["session_id"],
            metadata=kw["metadata"],
        )

    def recall(kw: dict[str, Any]) -> object:
        return mem.recall(kw["query"], k=k, user_id=kw["user_id"], session_id=kw["session_id"])

    before = embedder.misses
    time_calls(recall, ops["recall"][:w])
    recall_pre = time_calls(recall, ops["recall"][w:])
    time_calls(remember, ops["remember"][:w])
    remember_pre = time_calls(remember, ops["remember"][w:])
    misses_pre = embedder.misses - before
    before = embedder.hits
    time_calls(recall, ops["real_recall"][:w])
    recall_real = time_calls(recall, ops["real_recall"][w:])
    time_calls(remember, ops["real_remember"][:w])
    remember_real = time_calls(remember, ops["real_remember"][w:])
    return {
        "remember": {
            "precomputed": summarise(remember_pre),
            "real_embedder": summarise(remember_real),
        },
        "recall": {"precomputed": summarise(recall_pre), "real_embedder": summarise(recall_real)},
        "check": {
            "precomputed_texts_embedded_by_model": misses_pre,
            "real_texts_served_from_table": embedder.hits - before,
        },
    }


def _ratios(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Largest size over smallest, p50, for each verb and mode; and the issue's targets."""
    if len(results) < 2:
        return {}
    small = min(results, key=lambda r: r["size"])
    large = max(results, key=lambda r: r["size"])
    ratio = {
        f"{verb}_{mode}_p50": round(large[verb][mode]["p50_ms"] / small[verb][mode]["p50_ms"], 3)
        for verb in ("remember", "recall")
        for mode in ("precomputed", "real_embedder")
    }
    recall_ms = large["recall"]["precomputed"]["p50_ms"]
    return {
        "sizes": [small["size"], large["size"]],
        **ratio,
        "targets": {
            "defined_for": [1_000, 100_000],
            "remember_p50_ratio_max": 1.3,
            "remember_p50_ratio_met": ratio["remember_precomputed_p50"] <= 1.3,
            "recall_p50_precomputed_ms_max": 5.0,
            "recall_p50_precomputed_ms_met": recall_ms < 5.0,
        },
    }


def _row_line(row: dict[str, Any]) -> str:
    def pair(verb: str, mode: str) -> str:
        s = row[verb][mode]
        return f"{s['p50_ms']:.2f}/{s['p99_ms']:.2f}"

    return (
        f"remember p50/p99 ms {pair('remember', 'precomputed')} (MiniLM "
        f"{pair('remember', 'real_embedder')}); recall {pair('recall', 'precomputed')} "
        f"(MiniLM {pair('recall', 'real_embedder')})"
    )


def ingest_markdown(result: dict[str, Any]) -> str:
    """The docs section of an ingest result: run description, table, ratios and targets."""

    rows = [
        [
            f"{r['size']:,}",
            f"{r['jittered_contexts']:,}",
            r["index"],
            f"{r['fill']['per_second']:,.0f}",
            latency_cell(r, "remember", "precomputed"),
            latency_cell(r, "recall", "precomputed"),
            latency_cell(r, "remember", "real_embedder"),
            latency_cell(r, "recall", "real_embedder"),
        ]
        for r in result["sizes"]
    ]
    header = [
        "store size",
        "jittered copies",
        "index",
        "fill (experiences/s)",
        "remember p50 / p99 ms, precomputed",
        "recall p50 / p99 ms, precomputed",
        "remember p50 / p99 ms, MiniLM",
        "recall p50 / p99 ms, MiniLM",
    ]
    p = result["params"]
    lines = [
        describe_run(result),
        "",
        markdown_table(header, rows),
        "",
        f"Timed calls per size: {p['ops']} of each verb with precomputed vectors, "
        f"{p['real_ops']} with the real embedder ({result['embedder']['name']}); recall k="
        f"{p['k']}. The embedder alone takes "
        f"{result['embedder']['single_text']['p50_ms']:.2f} ms (p50) for one short text.",
    ]
    lines += _target_lines(result)
    return "\n".join(lines)


def _target_lines(result: dict[str, Any]) -> list[str]:
    ratios = result["ratios"]
    if not ratios:
        return []
    small, large = ratios["sizes"]
    t = ratios["targets"]
    recall_ms = max(result["sizes"], key=lambda r: r["size"])["recall"]["precomputed"]["p50_ms"]
    met = {True: "met", False: "**not met**"}
    lines = [
        "",
        f"- Ratio {large:,} / {small:,}, p50: remember {ratios['remember_precomputed_p50']:.2f}x "
        f"(MiniLM {ratios['remember_real_embedder_p50']:.2f}x), recall "
        f"{ratios['recall_precomputed_p50']:.2f}x "
        f"(MiniLM {ratios['recall_real_embedder_p50']:.2f}x).",
        f"- Target remember p50 at 100k within 1.3x of 1k: "
        f"{met[t['remember_p50_ratio_met']]} ({ratios['remember_precomputed_p50']:.2f}x).",
        f"- Target recall p50 at 100k, embedding excluded, under 5 ms: "
        f"{met[t['recall_p50_precomputed_ms_met']]} ({recall_ms:.2f} ms).",
    ]
    if [small, large] != t["defined_for"]:
        lines.append(
            f"- The targets are defined for 1k and 100k; this run compared {small:,} and {large:,}."
        )
    return lines
