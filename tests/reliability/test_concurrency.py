"""Concurrency: threads and processes on one store at once; no lost writes, no duplicate ids,
no "database is locked" surfacing, a bounded wait that ends in a clear error."""

from __future__ import annotations

import io
import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from absmem.bench.load import LoadParams, check_consistency, run_load
from absmem.bench.load_worker import WorkerConfig, WorkerLoop, open_target
from absmem.embed import HashEmbedder
from absmem.errors import StoreBusyError
from absmem.store import SQLiteStore


def test_threads_sharing_one_memory_lose_nothing(tmp_path: Path) -> None:
    with open_target(str(tmp_path / "store"), HashEmbedder(dim=64)) as mem:
        sinks = [io.StringIO() for _ in range(4)]
        loops = [
            WorkerLoop(WorkerConfig(index=i, target="", seconds=0.0, acks="", summary="", seed=7),
                       mem, sink)
            for i, sink in enumerate(sinks)
        ]  # fmt: skip

        def work(loop: WorkerLoop) -> None:
            for _ in range(60):
                loop.step()

        threads = [threading.Thread(target=work, args=(loop,)) for loop in loops]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [e for loop in loops for e in loop.errors] == []
        acks = [json.loads(line) for sink in sinks for line in sink.getvalue().splitlines()]
        assert len(acks) == 4 * 60
        assert {a["verb"] for a in acks} == {"remember", "recall", "feedback", "consolidate"}
        verdict = check_consistency(mem, acks)
        assert verdict["ok"], verdict["problems"]


def test_processes_remember_recall_rate_and_consolidate_at_once(tmp_path: Path) -> None:
    result = run_load(LoadParams(processes=3, seconds=4.0), target=str(tmp_path / "store"))
    assert result["errors"] == []
    assert result["crashes"] == []
    assert result["consistency"]["ok"], result["consistency"]["problems"]
    assert set(result["verbs"]) == {"remember", "recall", "feedback", "consolidate"}
    assert all(v["count"] > 0 for v in result["verbs"].values())
    assert result["consistency"]["checked"]["remember"] == result["verbs"]["remember"]["count"]


def _hold_write_lock(path: Path, seconds: float, held: threading.Event) -> None:
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    held.set()
    time.sleep(seconds)
    other.execute("COMMIT")
    other.close()


def test_a_writer_waits_out_another_process_lock(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "absmem.db")
    store.check_embedder("toy", 4)
    held = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(store.path, 2.5, held))
    holder.start()
    held.wait()
    store.put_blob("ns", "weights", b"abc", {})  # longer than one busy timeout: retried
    holder.join()
    assert store.get_blob("ns", "weights") == (b"abc", {})
    store.close()


def test_a_lock_held_past_the_budget_is_a_clear_error_and_changes_nothing(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "absmem.db", busy_budget_s=0.5)
    store.check_embedder("toy", 4)
    held = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(store.path, 4.0, held))
    holder.start()
    held.wait()
    with pytest.raises(StoreBusyError, match="still locked by another connection"):
        store.put_blob("ns", "weights", b"abc", {})
    holder.join()
    assert store.get_blob("ns", "weights") is None
    store.put_blob("ns", "weights", b"abc", {})  # free again: the call can simply be repeated
    assert store.get_blob("ns", "weights") == (b"abc", {})
    store.close()


def test_the_busy_budget_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="busy_budget_s"):
        SQLiteStore(tmp_path / "absmem.db", busy_budget_s=0)
