"""``absmem bench perf``: absmem and the memories users would pick instead, in one run.

For each store size (10k, 100k and 1M experiences by default) and each system (absmem, then the
peers of :mod:`absmem.bench.perf_peers` up to ``peer_max_size``), a fresh process fills a fresh
store from the ingest workload (:mod:`absmem.bench.workload`: CLINC150 contexts with their real
MiniLM vectors, jittered copies past the distinct utterances) and measures:

* bulk ingest throughput with precomputed vectors (``remember_many``, a peer's bulk add);
* single ``remember`` / ``recall`` latency, p50 and p99, with the query embedding excluded
  (texts whose vectors were computed before the clock started) and included (texts the model
  has never seen, embedded inside the call); the embedder alone is timed on the same machine;
* absmem only: bulk ingest with the real embedder against the embedder's own throughput on the
  same texts, ``consolidate`` time (up to ``consolidate_max_size``), disk per experience, and the
  cold open (open the store folder in the same process and serve one recall);
* resident memory of the process after the fill, and its growth over the workload alone.

Every system sees the same texts, vectors and embedder. A peer stores the context text with its
vector (what a retriever memory keeps); absmem stores the exchange with both vectors, its graph
edges and its lessons. A peer that cannot run is reported with the reason.

Example:
    >>> from absmem.bench.perf import PerfParams
    >>> PerfParams.quick().sizes
    (1000, 3000)
"""

from __future__ import annotations

import concurrent.futures as cf
import cProfile
import gc
import multiprocessing
import pstats
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..embed import Embedder, MiniLMEmbedder
from ..errors import InvalidArgumentError
from ..memory import AbstractionMemory
from .consolidate import _memory_mb
from .data import load_clinc150
from .ingest import _measure
from .perf_peers import PEERS, PeerUnavailable, open_peer
from .report import machine, now, summarise
from .timing import in_thread, load_average, time_calls
from .vectors import PrecomputedEmbedder, VectorCache
from .workload import FRESH_TEMPLATES, Corpus, IngestParams, build_corpus, fill_items, op_items

__all__ = ["PerfParams", "profile_calls", "run_perf"]

Progress = Callable[[str], None]
EmbedderFactory = Callable[[], Embedder]


@dataclass(frozen=True)
class PerfParams:
    """What ``absmem bench perf`` measures.

    Attributes:
        sizes: store sizes.
        systems: ``"absmem"`` and peer keys of :data:`~absmem.bench.perf_peers.PEERS`.
        peer_max_size: largest size a peer is filled to (a bigger one is reported as skipped).
        ops: timed calls per verb with precomputed vectors.
        real_ops: timed calls per verb with the real embedder.
        warmup: untimed calls before each series.
        k: items per recall / search.
        bulk_real: interactions ingested in bulk with the real embedder (absmem).
        consolidate_max_size: largest size whose ``consolidate`` is timed.
        fill_budget_s: a fill still running after this many seconds stops; the size is skipped.
        chunk: batch of ``remember_many`` and of a peer's bulk add.
        isolate: run each (system, size) in a fresh process (clean resident memory figures).
        profile: profile absmem's ``recall`` and ``remember`` (precomputed vectors) at each size
            and report where the time goes (:func:`profile_calls`).
    """

    sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000)
    systems: tuple[str, ...] = ("absmem", *PEERS)
    peer_max_size: int = 100_000
    ops: int = 200
    real_ops: int = 30
    warmup: int = 5
    k: int = 10
    bulk_real: int = 500
    consolidate_max_size: int = 10_000
    fill_budget_s: float = 1800.0
    chunk: int = 1024
    isolate: bool = True
    profile: bool = True
    seed: int = 0
    workload: IngestParams = field(default_factory=IngestParams)

    @classmethod
    def quick(cls) -> PerfParams:
        """A smoke run: sizes 1k and 3k, few calls, every system, in-process."""
        return cls(sizes=(1_000, 3_000), peer_max_size=3_000, ops=30, real_ops=3, warmup=2,
                   bulk_real=10, consolidate_max_size=3_000, fill_budget_s=300.0,
                   isolate=False)  # fmt: skip

    def ingest_params(self) -> IngestParams:
        """The workload's parameters with this run's sizes, call counts and seed."""
        return IngestParams(
            sizes=self.sizes, ops=self.ops, real_ops=self.real_ops, warmup=self.warmup, k=self.k,
            users=self.workload.users, sessions=self.workload.sessions, chunk=self.chunk,
            jitter=self.workload.jitter, seed=self.seed,
        )  # fmt: skip


@dataclass(frozen=True)
class _Task:
    system: str
    size: int
    data: str | None
    out: str
    params: PerfParams
    factory: EmbedderFactory | None
    embedder: Embedder | None = None


def run_perf(
    data: str | Path | None = None,
    out: str | Path = "results",
    params: PerfParams | None = None,
    *,
    embedder: EmbedderFactory | Embedder | None = None,
    command: str = "absmem bench perf",
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run the benchmark and return its result (the CLI writes it out).

    Args:
        data: folder holding ``clinc150/`` (see :func:`absmem.bench.data.resolve_data_dir`).
        out: results folder; embeddings are cached under ``<out>/cache/``.
        params: what to measure; the defaults are the full run.
        embedder: the real model, or a no-argument factory of it (needed with
            ``params.isolate``, since each process builds its own); MiniLM by default.
        command: the command line recorded with the result.
        progress: called with a line of progress, when given.
    """
    params = params or PerfParams()
    say = progress or (lambda line: None)
    factory: EmbedderFactory | None = MiniLMEmbedder if embedder is None else None
    instance: Embedder | None = None
    if isinstance(embedder, Embedder) and not isinstance(embedder, type):
        instance = embedder
    elif embedder is not None:
        factory = embedder
    if params.isolate and factory is None:
        raise InvalidArgumentError(
            "embedder", "a no-argument factory of the embedder when params.isolate is on", embedder
        )
    load_before = load_average()
    rows = []
    for size in params.sizes:
        for system in params.systems:
            if system != "absmem" and size > params.peer_max_size:
                rows.append(_skipped(system, size, f"above peer_max_size {params.peer_max_size:,}"))
                continue
            say(f"{system} at {size:,} experiences")
            task = _Task(system, size, None if data is None else str(data), str(out), params,
                         factory, instance)  # fmt: skip
            row = _in_process(task) if not params.isolate else _in_child(task)
            say("  " + _line(row))
            rows.append(row)
    return {
        "benchmark": "perf",
        "command": command,
        "date": now(),
        "machine": machine(),
        "load_average": {"start": load_before, "end": load_average()},
        "params": asdict(params) | {"systems": list(params.systems)},
        "embedder": next((r["embedder"] for r in rows if "embedder" in r), None),
        "rows": rows,
        "targets": _targets(rows),
    }


def _skipped(system: str, size: int, reason: str) -> dict[str, Any]:
    return {"system": system, "size": size, "status": "skipped", "reason": reason}


def _in_child(task: _Task) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        try:
            return pool.submit(_in_process, task).result()
        except cf.process.BrokenProcessPool as err:
            return _skipped(task.system, task.size, f"the process died: {err}")


def _in_process(task: _Task) -> dict[str, Any]:
    """Measure one system at one size in this process."""
    params = task.params
    model = task.embedder or (task.factory() if task.factory is not None else MiniLMEmbedder())
    clinc = load_clinc150(task.data)
    cache = VectorCache(Path(task.out) / "cache", model, clinc.sha256)
    work = params.ingest_params()
    rng = np.random.default_rng(params.seed)
    n_queries = params.ops + params.warmup
    n_fresh = 2 * (params.real_ops + params.warmup) + params.bulk_real
    corpus = in_thread(build_corpus, clinc, cache, rng, task.size, n_queries, n_fresh)
    alone = in_thread(time_calls, lambda text: model.embed([text]), corpus.fresh[: params.real_ops])
    gc.collect()
    rss_base = _rss_mb()  # the interpreter, the libraries and the model, warm
    embedder = PrecomputedEmbedder(model)
    embedder.add(corpus.responses, corpus.response_vectors)
    embedder.add(corpus.queries, corpus.query_vectors)
    stream = np.random.default_rng([params.seed, task.size])
    fill = fill_items(task.size, corpus, work, stream, embedder)
    ops = op_items(task.size, corpus, work, stream, embedder)
    gc.collect()
    rss_workload = _rss_mb()
    with tempfile.TemporaryDirectory(prefix="absmem-perf-") as folder:
        if task.system == "absmem":
            row = _absmem(Path(folder), fill, ops, corpus, embedder, model, work, params)
        else:
            row = _peer(task.system, Path(folder), fill, ops, embedder, params)
    row.update(
        system=task.system, size=task.size, embedder=model.name, embed_alone=summarise(alone)
    )
    if "rss_mb" in row:
        # what a process holding the model and this memory, without the benchmark's own table
        # of precomputed vectors and its interactions, would hold
        row["rss_growth_mb"] = round(row["rss_mb"] - rss_workload, 1)
        row["rss_base_mb"] = rss_base
        row["rss_memory_mb"] = round(rss_base + row["rss_growth_mb"], 1)
    row["jittered_contexts"] = max(0, task.size - len(corpus.pool))
    return row


def _rss_mb() -> float:
    return _memory_mb()["rss"]


def _folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def _absmem(
    folder: Path, fill: list[dict[str, Any]], ops: dict[str, list[dict[str, Any]]],
    corpus: Corpus, embedder: PrecomputedEmbedder, model: Embedder, work: IngestParams,
    params: PerfParams,
) -> dict[str, Any]:  # fmt: skip
    row: dict[str, Any] = {"status": "ok"}
    mem = AbstractionMemory.open(folder, embedder=embedder)
    try:
        start = time.perf_counter()
        mem.remember_many(fill, chunk=params.chunk)
        seconds = time.perf_counter() - start
        row["fill"] = {"seconds": round(seconds, 2), "per_second": round(len(fill) / seconds, 1)}
        row["rss_mb"] = _rss_mb()
        row.update(_measure(mem, ops, work, embedder))
        if params.profile:
            row["profile"] = {
                "recall": profile_calls(mem, lambda kw: mem.recall(kw["query"], k=params.k),
                                        ops["recall"]),
                "remember": profile_calls(mem, lambda kw: mem.remember(kw["context"],
                                          kw["response"], session_id=kw["session_id"]),
                                          ops["remember"]),
            }  # fmt: skip
        row["bulk_real_embedder"] = _bulk_real(mem, corpus, model, params)
        if len(fill) <= params.consolidate_max_size:
            start = time.perf_counter()
            mem.consolidate()
            row["consolidate_seconds"] = round(time.perf_counter() - start, 2)
        count = mem.count()
    finally:
        mem.close()
    row["disk_bytes_per_experience"] = round(_folder_bytes(folder) / max(count, 1), 1)
    query = ops["recall"][0]["query"]
    start = time.perf_counter()
    with AbstractionMemory.open(folder, embedder=embedder) as again:
        again.recall(query, k=params.k)
        row["cold_open_seconds"] = round(time.perf_counter() - start, 3)
    return row


_GROUPS = (
    ("SQLite", ("sqlite3",)),
    ("FAISS", ("faiss",)),
    ("model", ("torch", "sentence_transformers", "transformers")),
    ("NumPy", ("numpy",)),
    ("absmem (Python)", ("absmem",)),
)


def profile_calls(
    mem: AbstractionMemory, call: Callable[[dict[str, Any]], object],
    arguments: Sequence[dict[str, Any]],
) -> dict[str, Any]:  # fmt: skip
    """Profile ``call`` over ``arguments`` on the memory's worker thread (where its work runs).

    Returns the share of own time per group (SQLite, FAISS, model, NumPy, absmem's Python code,
    other) and the ten functions with the most own time.
    """
    profiler = cProfile.Profile()
    worker = mem._engine._executor
    worker.submit(profiler.enable).result()
    try:
        for kw in arguments:
            call(kw)
    finally:
        worker.submit(profiler.disable).result()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(e[2] for key, e in stats.items() if "SimpleQueue" not in key[2]) or 1.0
    groups: dict[str, float] = {}
    rows = []
    for (path, line, name), (_, calls, own, _cum, _) in stats.items():
        where = f"{path}:{name}"
        if "SimpleQueue" in name:  # the worker waiting for its next task: idle, not work
            continue
        group = next((g for g, keys in _GROUPS if any(k in where for k in keys)), "other")
        groups[group] = groups.get(group, 0.0) + own
        rows.append((own, f"{Path(path).name}:{line}({name})" if line else name, calls))
    rows.sort(reverse=True)
    return {
        "calls": len(arguments),
        "ms_per_call": round(total / max(len(arguments), 1) * 1000, 3),
        "groups": {g: round(t / total, 3) for g, t in sorted(groups.items(), key=lambda i: -i[1])},
        "top": [{"function": f, "calls": c, "share": round(t / total, 3)} for t, f, c in rows[:10]],
    }


def _bulk_real(
    mem: AbstractionMemory, corpus: Corpus, model: Embedder, params: PerfParams
) -> dict[str, Any]:
    """Ingest ``bulk_real`` never-seen interactions through the real model; and the model alone
    on the same texts (contexts and responses, in the same batches)."""
    contexts = list(corpus.fresh[-params.bulk_real :])
    responses = [FRESH_TEMPLATES[i % len(FRESH_TEMPLATES)].format(intent=text)
                 for i, text in enumerate(contexts)]  # fmt: skip
    texts = contexts + responses
    start = time.perf_counter()
    for i in range(0, len(contexts), params.chunk):
        in_thread(model.embed, contexts[i : i + params.chunk] + responses[i : i + params.chunk])
    alone = time.perf_counter() - start
    # Unique suffixes keep the memory's table from knowing these texts.
    items = [{"context": c + " (bulk)", "response": r + " (bulk)"}
             for c, r in zip(contexts, responses, strict=True)]  # fmt: skip
    start = time.perf_counter()
    mem.remember_many(items, chunk=params.chunk)
    through = time.perf_counter() - start
    n = len(contexts)
    return {
        "interactions": n,
        "texts": len(texts),
        "memory_per_second": round(n / through, 1),
        "embedder_alone_per_second": round(n / alone, 1),
        "ratio": round(alone / through, 3),
    }


def _peer(
    key: str, folder: Path, fill: list[dict[str, Any]], ops: dict[str, list[dict[str, Any]]],
    embedder: PrecomputedEmbedder, params: PerfParams,
) -> dict[str, Any]:  # fmt: skip
    try:
        peer = open_peer(key, embedder, folder)
    except PeerUnavailable as err:
        return {"status": "unavailable", "reason": str(err)}
    row: dict[str, Any] = {"status": "ok", "name": peer.name}
    try:
        start = time.perf_counter()
        for i in range(0, len(fill), params.chunk):
            part = fill[i : i + params.chunk]
            texts = [item["context"] for item in part]
            peer.add_many(texts, embedder.embed(texts), [item["metadata"] for item in part])
            if time.perf_counter() - start > params.fill_budget_s:
                done = i + len(part)
                rate = done / (time.perf_counter() - start)
                return {"status": "skipped", "name": peer.name,
                        "reason": f"fill stopped after {params.fill_budget_s:.0f} s at {done:,} "
                                  f"items ({rate:,.0f}/s)"}  # fmt: skip
        seconds = time.perf_counter() - start
        row["fill"] = {"seconds": round(seconds, 2), "per_second": round(len(fill) / seconds, 1)}
        row["rss_mb"] = _rss_mb()
        w = params.warmup

        def add(kw: dict[str, Any]) -> object:
            peer.add_one(kw["context"], kw["metadata"])
            return None

        def search(kw: dict[str, Any]) -> object:
            return peer.search(kw["query"], params.k)

        timed = {}
        for verb, call, pre, real in (("remember", add, "remember", "real_remember"),
                                      ("recall", search, "recall", "real_recall")):  # fmt: skip
            time_calls(call, ops[pre][:w])
            precomputed = summarise(time_calls(call, ops[pre][w:]))
            time_calls(call, ops[real][:w])
            timed[verb] = {"precomputed": precomputed,
                           "real_embedder": summarise(time_calls(call, ops[real][w:]))}  # fmt: skip
        row.update(timed)
    finally:
        peer.close()
    row["disk_bytes_per_experience"] = round(_folder_bytes(folder) / max(len(fill), 1), 1)
    return row


def _line(row: dict[str, Any]) -> str:
    if row.get("status") != "ok":
        return f"{row.get('status')}: {row.get('reason')}"
    rec, rem = row["recall"]["precomputed"], row["remember"]["precomputed"]
    return (f"fill {row['fill']['per_second']:,.0f}/s; remember p50 {rem['p50_ms']:.2f} ms; "
            f"recall p50 {rec['p50_ms']:.2f} ms; rss {row['rss_mb']:,.0f} MB")  # fmt: skip


def _targets(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The issue's targets, checked on absmem's rows (and the peers' recall at equal size)."""
    ours = {r["size"]: r for r in rows if r["system"] == "absmem" and r.get("status") == "ok"}
    if not ours:
        return {}
    big, small = ours[max(ours)], ours[min(ours)]
    recall_ms = big["recall"]["precomputed"]["p50_ms"]
    embed_ms = big["embed_alone"]["p50_ms"]
    out: dict[str, Any] = {
        "largest_size": max(ours),
        "recall_p50_ms_embedding_excluded": recall_ms,
        "recall_p50_under_5ms": recall_ms < 5.0,
        # a ratio needs two sizes measured in the same run
        "remember_p50_ratio_largest_to_smallest": None if len(ours) < 2 else round(
            big["remember"]["precomputed"]["p50_ms"] / small["remember"]["precomputed"]["p50_ms"],
            3,
        ),
        "bulk_precomputed_per_second": big["fill"]["per_second"],
        "bulk_precomputed_at_least_5000": big["fill"]["per_second"] >= 5000,
        "bulk_real_ratio": big["bulk_real_embedder"]["ratio"],
        "bulk_real_within_10_percent": big["bulk_real_embedder"]["ratio"] >= 0.9,
        "rss_mb_largest": big["rss_memory_mb"],
        "rss_under_3_gb": big["rss_memory_mb"] < 3 * 1024,
        "recall_real_over_embedding_alone": round(
            big["recall"]["real_embedder"]["p50_ms"] / embed_ms, 3),
    }  # fmt: skip
    faster: dict[str, bool] = {}
    for row in rows:
        if row["system"] != "absmem" and row.get("status") == "ok" and row["size"] in ours:
            theirs = row["recall"]["precomputed"]["p50_ms"]
            ours_ms = ours[row["size"]]["recall"]["precomputed"]["p50_ms"]
            faster[f"{row['system']}@{row['size']}"] = ours_ms < theirs
    out["recall_faster_than_peer"] = faster
    return out
