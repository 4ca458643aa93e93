"""The async core: ordering under concurrency, in-memory indexes, injected parts."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from absmem import AbstractionMemory, SQLiteStore


def test_concurrent_async_remembers_are_all_stored_and_chained(
    tmp_path: Path, hash_embedder: Any
) -> None:
    async def scenario() -> tuple[list[str], AbstractionMemory]:
        mem = AbstractionMemory(SQLiteStore(tmp_path / "a.db"), hash_embedder)
        ids = await asyncio.gather(
            *(mem.aremember(f"request {i}", f"response {i}", session_id="s") for i in range(20))
        )
        return list(ids), mem

    ids, mem = asyncio.run(scenario())
    assert mem.count() == 20
    store = mem._engine.store
    successors = {i: [e.dst for e in store.edges("default", i) if e.type == "next"] for i in ids}
    # The session forms one chain: every experience but the last has exactly one successor.
    assert sorted(len(s) for s in successors.values()) == [0] + [1] * 19
    mem.close()


def test_sync_verbs_from_many_threads(tmp_path: Path, hash_embedder: Any) -> None:
    mem = AbstractionMemory(SQLiteStore(tmp_path / "t.db"), hash_embedder)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(10):
                exp = mem.remember(f"thread {n} request {i}", "ok", user_id=f"u{n}")
                mem.feedback(exp, reward=1.0)
                mem.recall(f"thread {n} request {i}", k=2)
        except BaseException as err:  # collected and asserted below
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert mem.count() == 40
    mem.close()


def test_without_an_index_folder_the_index_is_rebuilt_at_open(
    tmp_path: Path, hash_embedder: Any
) -> None:
    mem = AbstractionMemory(SQLiteStore(tmp_path / "m.db"), hash_embedder, index_dir=None)
    exp = mem.remember("alpha", "one")
    mem.close()
    mem = AbstractionMemory(SQLiteStore(tmp_path / "m.db"), hash_embedder, index_dir=None)
    assert mem.recall("alpha", k=1).items[0].id == exp
    assert not list(tmp_path.glob("*.faiss"))
    mem.close()


def test_flush_writes_the_index_without_closing(tmp_path: Path, hash_embedder: Any) -> None:
    mem = AbstractionMemory(SQLiteStore(tmp_path / "f.db"), hash_embedder, index_dir=tmp_path)
    mem.remember("alpha", "one")
    mem.flush()
    assert list(tmp_path.glob("*.faiss"))
    assert not mem.closed
    mem.close()
    assert mem.closed


def test_two_processes_on_one_folder_stay_in_step(tmp_path: Path, hash_embedder: Any) -> None:
    # Two engines over one file behave like two processes: each sees the other's writes.
    first = AbstractionMemory.open(tmp_path / "shared", embedder=hash_embedder)
    second = AbstractionMemory.open(tmp_path / "shared", embedder=hash_embedder)
    assert second.recall("warm up", k=1).items == []  # second caches its (empty) index now
    exp = first.remember("written by the first", "ok", user_id="u1")
    assert [i.id for i in second.recall("written by the first", k=1).items] == [exp]
    mine = second.remember("written by the second", "ok")
    first.forget(user_id="u1")
    assert [i.id for i in second.recall("written by the first", k=5).items] == [mine]
    first.close()
    second.close()
    reopened = AbstractionMemory.open(tmp_path / "shared", embedder=hash_embedder)
    assert [i.id for i in reopened.recall("written by the second", k=5).items] == [mine]
    reopened.close()
