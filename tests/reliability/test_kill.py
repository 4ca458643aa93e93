"""Crash safety: worker processes SIGKILLed at random points, then the store is reopened.

Each round starts a real worker process (:mod:`absmem.bench.load_worker`) on one store folder
that all rounds share, waits until it has acknowledged its first call, lets it run a seeded
random while longer and kills it with SIGKILL. The test process then reopens the memory and
demands that every call the worker acknowledged (a call that *returned*) is stored, that the
store holds at most one unacknowledged write per kill, that each namespace's index agrees with
the store (rebuilt or caught up by itself), that SQLite's integrity check passes, and that the
memory keeps working (recall, remember, consolidate).

Rounds cycle through four mixes, so kills land in the middle of remember, feedback,
consolidation (GNN training and the lesson rewrite) and index rebuilds (the index folder is
deleted before those rounds, so the worker rebuilds it from the store). ``ABSMEM_KILL_ROUNDS``
sets the number of rounds (default 8, what CI runs).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import time
from pathlib import Path

import pytest

from absmem.bench.load import check_consistency, read_acks, start
from absmem.bench.load_worker import WorkerConfig, open_target
from absmem.embed import HashEmbedder

ROUNDS = int(os.environ.get("ABSMEM_KILL_ROUNDS", "8"))

MIXES = {
    "remember": {"remember": 0.8, "recall": 0.2},
    "feedback": {"remember": 0.3, "recall": 0.3, "feedback": 0.4},
    "consolidate": {"remember": 0.6, "recall": 0.1, "consolidate": 0.3},
    "rebuild": {"remember": 0.5, "recall": 0.5},
}


def _wait_for_first_ack(path: Path, worker: object, limit: float = 120.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size > 0:
            return
        if worker.poll() is not None:  # type: ignore[attr-defined]
            raise AssertionError(f"the worker exited early: {worker.stderr.read().decode()}")  # type: ignore[attr-defined]
        time.sleep(0.02)
    raise AssertionError("the worker acknowledged nothing in time")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_killed_workers_lose_nothing_they_acknowledged(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    rng = random.Random(20261124)
    ack_files: list[Path] = []
    kills = 0
    for round_ in range(ROUNDS):
        mode = list(MIXES)[round_ % len(MIXES)]
        if mode == "rebuild":
            shutil.rmtree(folder / "index", ignore_errors=True)
        acks = tmp_path / f"acks-{round_}.jsonl"
        ack_files.append(acks)
        config = WorkerConfig(
            index=round_, target=str(folder), seconds=60.0, acks=str(acks),
            summary=str(tmp_path / f"summary-{round_}.json"), seed=round_, mix=MIXES[mode],
        )  # fmt: skip
        worker = start(config)
        try:
            _wait_for_first_ack(acks, worker)
            time.sleep(rng.uniform(0.0, 1.5))
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=60)
            worker.stderr.close()  # type: ignore[union-attr]
        assert worker.returncode == -signal.SIGKILL, f"round {round_}: the worker was not killed"
        kills += 1
        acknowledged = read_acks(ack_files)
        with open_target(str(folder), HashEmbedder(dim=64)) as mem:
            verdict = check_consistency(mem, acknowledged, in_flight=kills)
            assert verdict["ok"], f"round {round_} ({mode}): {verdict['problems']}"
            # the memory works after the crash: a recall, a remember, a consolidation
            namespace = acknowledged[0]["namespace"]
            mem.recall("how do I track a parcel", k=3, namespace=namespace)
            new = mem.remember("after the crash", "still here", namespace=namespace)
            assert mem.get(new, namespace=namespace) is not None
            if mode == "consolidate":
                mem.consolidate(namespace=namespace)
        # what the test process itself stored counts as acknowledged in later rounds
        with open(acks, "a", encoding="utf-8") as extra:
            extra.write(f'{{"verb": "remember", "namespace": "{namespace}", "id": "{new}"}}\n')
    assert kills == ROUNDS
    assert sum(a["verb"] == "remember" for a in read_acks(ack_files)) > ROUNDS
