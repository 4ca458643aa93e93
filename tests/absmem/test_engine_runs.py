"""Run links: feedback that names a framework run id reaches what that run produced."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from absmem import AbstractionMemory, InvalidArgumentError, UnknownTargetError
from absmem.embed import Embedder


@pytest.fixture
def mem(tmp_path: Path, hash_embedder: Embedder) -> Iterator[AbstractionMemory]:
    with AbstractionMemory.open(tmp_path / "mem", embedder=hash_embedder) as memory:
        memory.remember("reset my pin", "Cards > Reset PIN.", user_id="u0")
        yield memory


def test_feedback_by_run_goes_to_the_runs_experience_and_its_recall(mem: AbstractionMemory) -> None:
    run = uuid.uuid4()
    recall = mem.recall("I forgot my pin", k=1, user_id="u1", run_id=run)
    exp = mem.remember("I forgot my pin", "Reset it in the app.", recall_id=recall.id,
                       user_id="u1", run_id=run)  # fmt: skip
    given = mem.feedback(run_id=run, reward=1.0)
    assert (given.target_id, given.target_kind, given.run_id) == (exp, "experience", str(run))
    stored = mem.get(exp)
    assert stored is not None
    assert stored.outcome.n == 1.0
    served = mem.get(recall.items[0].id)  # the recalled experience was credited for its use
    assert served is not None
    assert served.usage.n > 0.0


def test_a_run_with_only_a_recall_rates_the_recall(mem: AbstractionMemory) -> None:
    recall = mem.recall("pin", k=1, run_id="run-a")
    given = mem.feedback(run_id="run-a", reward=-1.0)
    assert (given.target_kind, given.target_id) == ("recall", recall.id)


def test_linking_an_experience_later_links_its_recall_too(mem: AbstractionMemory) -> None:
    recall = mem.recall("pin", k=1)
    exp = mem.remember("pin", "Cards > Reset PIN.", recall_id=recall.id)
    mem.link_run("parent-run", experience_id=exp)
    link = mem._engine.store.get_run_link("default", "parent-run")
    assert link is not None
    assert (link.recall_id, link.experience_id) == (recall.id, exp)


def test_a_new_recall_on_the_same_run_starts_the_link_anew(mem: AbstractionMemory) -> None:
    first = mem.recall("pin", k=1, run_id="r")
    mem.remember("pin", "answer one", recall_id=first.id, run_id="r")
    second = mem.recall("pin again", k=1, run_id="r")
    given = mem.feedback(run_id="r", reward=1.0)
    assert (given.target_kind, given.target_id) == ("recall", second.id)


def test_exactly_one_of_target_and_run_id(mem: AbstractionMemory) -> None:
    recall = mem.recall("pin", k=1, run_id="r")
    with pytest.raises(InvalidArgumentError, match="target/run_id"):
        mem.feedback(recall.id, 1.0, run_id="r")
    with pytest.raises(InvalidArgumentError, match="target/run_id"):
        mem.feedback(reward=1.0)
    with pytest.raises(InvalidArgumentError, match="reward"):
        mem.feedback(run_id="r")
    with pytest.raises(InvalidArgumentError, match="run_id"):
        mem.feedback(run_id=42, reward=1.0)
    assert mem.feedback(recall.id, 1.0).target_kind == "recall"  # the positional form still works


def test_an_unknown_run_is_a_clear_error(mem: AbstractionMemory) -> None:
    with pytest.raises(UnknownTargetError, match="run_id: expected the id of a linked run"):
        mem.feedback(run_id="never-seen", reward=1.0)
    with pytest.raises(UnknownTargetError, match="recall_id"):
        mem.link_run("r", recall_id="rec_missing")
    with pytest.raises(UnknownTargetError, match="experience_id"):
        mem.link_run("r", experience_id="exp_missing")
    with pytest.raises(InvalidArgumentError, match="recall_id/experience_id"):
        mem.link_run("r")


def test_namespaces_isolate_run_links(mem: AbstractionMemory) -> None:
    mem.recall("pin", k=1, run_id="shared-id", namespace="tenant-a")
    with pytest.raises(UnknownTargetError, match="tenant-b"):
        mem.feedback(run_id="shared-id", reward=1.0, namespace="tenant-b")
    recall_b = mem.recall("pin", k=1, run_id="shared-id", namespace="tenant-b")
    assert mem.feedback(run_id="shared-id", reward=1.0, namespace="tenant-b").target_id == (
        recall_b.id
    )


def test_forget_erases_the_links_of_erased_recalls_and_experiences(
    mem: AbstractionMemory,
) -> None:
    recall = mem.recall("pin", k=1, user_id="u1", run_id="gone")
    mem.remember("pin", "answer", recall_id=recall.id, user_id="u1", run_id="gone")
    kept = mem.recall("pin", k=1, user_id="u2", run_id="kept")
    mem.forget(user_id="u1")
    assert mem._engine.store.get_run_link("default", "gone") is None
    with pytest.raises(UnknownTargetError):
        mem.feedback(run_id="gone", reward=1.0)
    assert mem.feedback(run_id="kept", reward=1.0).target_id == kept.id


def test_async_twins_link_and_rate(tmp_path: Path, hash_embedder: Embedder) -> None:
    async def scenario() -> tuple[str, str]:
        async with AbstractionMemory.open(tmp_path / "m", embedder=hash_embedder) as memory:
            recall = await memory.arecall("pin", k=1, run_id="r1")
            await memory.alink_run("parent", recall_id=recall.id)
            given = await memory.afeedback(run_id="parent", reward=0.5)
            return given.target_id, recall.id

    target, recall_id = asyncio.run(scenario())
    assert target == recall_id
