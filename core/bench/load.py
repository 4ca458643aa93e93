"""``absmem bench load``: sustained mixed load from several processes on one store.

Several worker processes (:mod:`absmem.bench.load_worker`) share one store (a SQLite folder, or a
PostgreSQL database) and call ``remember``, ``recall``, ``feedback`` and ``consolidate`` in a
seeded random mix for a bounded time. The run reports operations per second, p50/p99 latency per
verb, every error (the target is zero), and a consistency check at the end
(:func:`check_consistency`): every acknowledged write is in the store, no id was handed out
twice, the store holds exactly what was acknowledged, every namespace's index agrees with its
store, and (SQLite) ``PRAGMA integrity_check`` passes.

The crash tests (``tests/reliability``) run the same workers and kill them; the same check then
allows one write per killed worker that was stored but not yet acknowledged.

Example:
    >>> from absmem.bench.load import LoadParams
    >>> LoadParams.quick().processes, LoadParams.quick().seconds
    (2, 5.0)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..errors import UnknownTargetError
from ..memory import AbstractionMemory
from ..store import SQLiteStore
from .load_worker import WorkerConfig, make_embedder, open_target
from .report import describe_run, machine, markdown_table, now, summarise
from .timing import load_average

__all__ = ["LoadParams", "check_consistency", "load_markdown", "read_acks", "run_load", "start"]

Progress = Callable[[str], None]


@dataclass(frozen=True)
class LoadParams:
    """What ``absmem bench load`` runs.

    Attributes:
        processes: worker processes.
        seconds: how long each worker runs.
        embedder: ``"hash"`` (the store and the memory under load, not the model) or ``"minilm"``.
        namespaces: tenants the verbs spread over.
        seed: the workers' seed.
    """

    processes: int = 4
    seconds: float = 60.0
    embedder: str = "hash"
    namespaces: int = 2
    seed: int = 0

    @classmethod
    def quick(cls) -> LoadParams:
        """A smoke run: 2 processes for 5 seconds."""
        return cls(processes=2, seconds=5.0)


def start(config: WorkerConfig) -> subprocess.Popen[bytes]:
    """Start one worker process (``python -m absmem.bench.load_worker``)."""
    return subprocess.Popen(
        [sys.executable, "-m", "absmem.bench.load_worker", json.dumps(asdict(config))],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def read_acks(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Every acknowledgement in ``paths``; a last line cut short by a kill is left out."""
    records = []
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # the process died while writing it: not acknowledged
    return records


def check_consistency(
    mem: AbstractionMemory, acks: Sequence[dict[str, Any]], *, in_flight: int = 0
) -> dict[str, Any]:
    """Check the store against what the workers acknowledged.

    Args:
        mem: the memory opened on the store after the workers stopped.
        acks: their acknowledgements (:func:`read_acks`).
        in_flight: writes that may be stored without an acknowledgement (one per killed worker).

    Returns:
        ``{"ok": bool, "problems": [...], "checked": {...}}``.
    """
    store = mem._engine.store
    problems: list[str] = []
    ids = [a["id"] for a in acks if "id" in a]
    if len(ids) != len(set(ids)):
        problems.append(f"{len(ids) - len(set(ids))} ids acknowledged twice")
    namespaces = sorted({a["namespace"] for a in acks} | set(store.namespaces()))
    checked = {"remember": 0, "recall": 0, "feedback": 0, "namespaces": len(namespaces)}
    for namespace in namespaces:
        mine = [a for a in acks if a["namespace"] == namespace]
        remembered = [a["id"] for a in mine if a["verb"] == "remember"]
        missing = [i for i in remembered if store.get_experience(namespace, i) is None]
        if missing:
            problems.append(f"{namespace}: {len(missing)} acknowledged experiences missing")
        count = store.count(namespace)
        if not len(remembered) <= count <= len(remembered) + in_flight:
            problems.append(
                f"{namespace}: {count} experiences stored, {len(remembered)} acknowledged "
                f"(+{in_flight} in flight allowed)"
            )
        for a in mine:
            if a["verb"] == "recall":
                try:
                    store.get_recall(namespace, a["id"])
                except UnknownTargetError:
                    problems.append(f"{namespace}: acknowledged recall {a['id']} missing")
        given = [a["id"] for a in mine if a["verb"] == "feedback"]
        lost = set(given) - store.feedback_ids(namespace, given)
        if lost:
            problems.append(f"{namespace}: {len(lost)} acknowledged feedbacks missing")
        held = len(mem._engine._executor.submit(mem._engine._index, namespace).result())
        if held != count:
            problems.append(f"{namespace}: index holds {held} vectors, the store {count}")
        checked["remember"] += len(remembered)
        checked["recall"] += sum(a["verb"] == "recall" for a in mine)
        checked["feedback"] += len(given)
    if isinstance(store, SQLiteStore):
        verdict = store.integrity_check()
        if verdict != "ok":
            problems.append(f"integrity_check: {verdict}")
    return {"ok": not problems, "problems": problems, "checked": checked}


def run_load(
    params: LoadParams,
    *,
    target: str | None = None,
    progress: Progress | None = None,
    command: str = "",
) -> dict[str, Any]:
    """Run the workers on ``target`` (a fresh temporary SQLite folder when ``None``).

    Args:
        params: what to run.
        target: a SQLite folder or a ``postgresql://`` DSN (of an empty database).
        progress: called with a line of progress, when given.
        command: the command line recorded with the result.
    """
    say = progress or (lambda line: None)
    with tempfile.TemporaryDirectory(prefix="absmem-load-") as scratch:
        where = target or str(Path(scratch) / "store")
        result = _run(params, where, Path(scratch), say)
    kind = "PostgreSQL" if where.startswith(("postgresql://", "postgres://")) else "SQLite"
    return {"benchmark": "load", "command": command, "date": now(), "machine": machine(),
            "params": asdict(params), "store": kind, **result}  # fmt: skip


def _run(params: LoadParams, target: str, scratch: Path, say: Progress) -> dict[str, Any]:
    open_target(target, make_embedder(params.embedder)).close()  # schema made before the race
    load_before = load_average()
    configs = [
        WorkerConfig(index=i, target=target, seconds=params.seconds, seed=params.seed,
                     acks=str(scratch / f"acks-{i}.jsonl"),
                     summary=str(scratch / f"summary-{i}.json"),
                     namespaces=params.namespaces, embedder=params.embedder)
        for i in range(params.processes)
    ]  # fmt: skip
    say(f"load: {params.processes} processes for {params.seconds:g} s on {target}")
    started = time.perf_counter()
    workers = [start(config) for config in configs]
    crashes = []
    for config, worker in zip(configs, workers, strict=True):
        _, err = worker.communicate(timeout=params.seconds + 600)
        if worker.returncode != 0:
            crashes.append(f"worker {config.index} exited {worker.returncode}: "
                           + err.decode(errors="replace")[-2000:])  # fmt: skip
    wall = time.perf_counter() - started
    summaries = [
        json.loads(Path(c.summary).read_text()) for c in configs if Path(c.summary).exists()
    ]
    latencies: dict[str, list[float]] = {}
    for summary in summaries:
        for verb, seconds in summary["latencies"].items():
            latencies.setdefault(verb, []).extend(seconds)
    errors = [e for summary in summaries for e in summary["errors"]]
    acks = read_acks(Path(c.acks) for c in configs)
    with open_target(target, make_embedder(params.embedder)) as mem:
        consistency = check_consistency(mem, acks)
    ops = sum(len(v) for v in latencies.values())
    verdict = "ok" if consistency["ok"] else "FAILED: " + "; ".join(consistency["problems"])
    say(f"  {ops:,} operations in {wall:.1f} s; {len(errors)} errors; consistency {verdict}")
    return {
        "load_average": {"start": load_before, "end": load_average()},
        "mix": configs[0].mix,
        "wall_seconds": round(wall, 2),
        "operations": ops,
        "ops_per_second": round(ops / params.seconds, 1),
        "verbs": {
            verb: {"count": len(s), "per_second": round(len(s) / params.seconds, 1), **summarise(s)}
            for verb, s in latencies.items()
        },
        "errors": errors,
        "crashes": crashes,
        "consistency": consistency,
    }


def load_markdown(result: dict[str, Any]) -> str:
    """The docs section of a load run: the run, the table per verb, errors and consistency."""
    params = result["params"]
    rows = [[verb, f"{v['count']:,}", f"{v['per_second']:,.1f}", f"{v['p50_ms']:.2f}",
             f"{v['p99_ms']:.2f}", f"{v['max_ms']:.1f}"]
            for verb, v in result["verbs"].items()]  # fmt: skip
    rows.append(
        ["all", f"{result['operations']:,}", f"{result['ops_per_second']:,.1f}", "", "", ""]
    )
    consistency = result["consistency"]
    checked = consistency["checked"]
    verdict = (
        "every acknowledged write present"
        if consistency["ok"]
        else "FAILED: " + "; ".join(consistency["problems"])
    )
    errors = result["errors"] + [{"type": "crash", "message": c} for c in result["crashes"]]
    listed = "; ".join(f"{e['type']}: {e['message']}" for e in errors[:5])
    return "\n".join(
        [
            describe_run(result),
            "",
            f"{result['store']} store; {params['processes']} processes for "
            f"{params['seconds']:g} s, "
            f"{params['namespaces']} namespaces, embedder `{params['embedder']}`; verbs drawn "
            + ", ".join(f"{verb} {share:.1%}" for verb, share in result["mix"].items())
            + ".",
            "",
            markdown_table(["verb", "calls", "per second", "p50 ms", "p99 ms", "max ms"], rows),
            "",
            f"Errors: {len(errors)}" + (f" ({listed})" if errors else "") + ".",
            f"Consistency: {verdict} ({checked['remember']:,} experiences, {checked['recall']:,} "
            f"recalls, {checked['feedback']:,} feedbacks acknowledged, in {checked['namespaces']} "
            "namespaces; indexes agree with the store"
            + ("; integrity_check ok" if result["store"] == "SQLite" and consistency["ok"] else "")
            + ").",
        ]
    )
