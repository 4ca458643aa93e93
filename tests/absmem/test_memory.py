"""End-to-end behaviour of AbstractionMemory with the real SQLite file, FAISS and MiniLM."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from absmem import AbstractionMemory, Interaction

Open = Callable[..., AbstractionMemory]

PIN = ("how do I reset my card pin?", "Open the app, go to Cards, then choose Reset PIN.")
BALANCE = ("what's my checking balance", "Your checking balance is shown on the home screen.")
WEATHER = ("will it rain tomorrow in Paris", "Light rain is expected tomorrow afternoon.")


def test_remember_close_reopen_recall_finds_it(open_memory: Open) -> None:
    mem = open_memory()
    exp_id = mem.remember(*PIN, user_id="u1", session_id="s1")
    mem.remember(*WEATHER, user_id="u1", session_id="s1")
    mem.close()

    mem = open_memory()
    recall = mem.recall("I forgot the PIN of my card", k=1)
    assert [item.id for item in recall.items] == [exp_id]
    assert recall.items[0].response == PIN[1]
    assert recall.items[0].propensity == 1.0
    assert mem.count() == 2


def test_feedback_changes_the_ranking(open_memory: Open) -> None:
    mem = open_memory()
    good = mem.remember("my card pin is blocked", "Unblock it in the app under Cards > PIN.")
    bad = mem.remember("my card pin is locked", "Please visit a branch with your passport.")
    query = "my card PIN got blocked, what now?"
    before = [item.id for item in mem.recall(query, k=2).items]
    top, runner_up = before
    # Punish whichever came first and reward the other, by experience id.
    mem.feedback(top, reward=-1.0)
    mem.feedback(runner_up, reward=1.0)
    after = [item.id for item in mem.recall(query, k=2).items]
    assert after == [runner_up, top]
    assert {good, bad} == set(after)


def test_recall_feedback_credits_served_items_by_rank(open_memory: Open) -> None:
    mem = open_memory()
    first = mem.remember(*PIN)
    second = mem.remember("how to change my card pin", "Use the app: Cards > Change PIN.")
    recall = mem.recall("reset card pin", k=2)
    mem.feedback(recall.id, reward=1.0)
    usage = {item.id: mem.get(item.id).usage.n for item in recall.items}  # type: ignore[union-attr]
    assert usage[recall.items[0].id] == pytest.approx(1.0)
    assert usage[recall.items[1].id] == pytest.approx(0.6309, abs=1e-3)
    assert {first, second} == set(usage)


def test_feedback_on_a_recall_credits_the_response_it_informed(open_memory: Open) -> None:
    mem = open_memory()
    mem.remember(*PIN)
    recall = mem.recall("reset my pin", k=1, user_id="u2")
    answer = mem.remember("reset my pin", "Cards > Reset PIN in the app.", recall_id=recall.id)
    late = mem.feedback(recall.id, reward=0.5)  # late: after the response was stored
    assert late.target_kind == "recall"
    assert late.user_id == "u2"
    informed = mem.get(answer)
    assert informed is not None
    assert informed.outcome.n == pytest.approx(1.0)
    # reward 0.5 is a success fraction of 0.75: Beta(1, 1) -> Beta(1.75, 1.25)
    assert (informed.outcome.alpha, informed.outcome.beta) == pytest.approx((1.75, 1.25))


def test_repeated_feedback_accumulates(open_memory: Open) -> None:
    mem = open_memory()
    exp_id = mem.remember(*PIN)
    for _ in range(3):
        mem.feedback(exp_id, reward=1.0)
    stored = mem.get(exp_id)
    assert stored is not None
    assert stored.outcome.n == 3.0
    assert stored.outcome.alpha == 4.0


def test_forget_removes_text_from_recall_and_from_the_file(
    open_memory: Open, tmp_path: Path
) -> None:
    secret = "my cat Zanzibar-Quintessa has a fever"
    mem = open_memory()
    kept = mem.remember(*BALANCE, user_id="u2")
    gone = mem.remember(secret, "Call your vet tonight.", user_id="u1", session_id="s9")
    recall = mem.recall("Zanzibar-Quintessa fever", k=3, user_id="u1")
    mem.feedback(recall.id, reward=1.0)
    mem.feedback(gone, reward=1.0)

    report = mem.forget(user_id="u1")
    assert (report.experiences, report.recalls, report.feedback) == (1, 1, 2)
    assert mem.get(gone) is None
    # (the query avoids the secret word: the recall log keeps every query it is given)
    assert [item.id for item in mem.recall("my cat has a fever", k=5).items] == [kept]
    # The balance experience was served in the erased user's recall: its credit is gone too.
    stored = mem.get(kept)
    assert stored is not None
    assert stored.usage.n == 0.0
    mem.close()

    needle = b"Zanzibar-Quintessa"
    for path in (tmp_path / "mem").rglob("*"):
        if path.is_file():
            assert needle not in path.read_bytes(), path


def test_forget_a_session_keeps_the_users_other_sessions(open_memory: Open) -> None:
    mem = open_memory()
    mem.remember(*PIN, user_id="u1", session_id="a")
    kept = mem.remember(*WEATHER, user_id="u1", session_id="b")
    report = mem.forget(session_id="a")
    assert report.experiences == 1
    assert [i.id for i in mem.recall(PIN[0], k=5).items] == [kept]


def test_nothing_crosses_namespaces(open_memory: Open) -> None:
    mem = open_memory()
    mine = mem.remember(*PIN, namespace="tenant-a")
    recall_b = mem.recall(PIN[0], k=5, namespace="tenant-b")
    assert recall_b.items == []
    assert mem.count(namespace="tenant-b") == 0
    from absmem import UnknownTargetError

    with pytest.raises(UnknownTargetError):
        mem.feedback(mine, reward=1.0, namespace="tenant-b")
    recall_a = mem.recall(PIN[0], k=5, namespace="tenant-a")
    with pytest.raises(UnknownTargetError):
        mem.feedback(recall_a.id, reward=1.0, namespace="tenant-b")
    mem.forget(user_id="anyone", namespace="tenant-b")
    assert [i.id for i in mem.recall(PIN[0], k=5, namespace="tenant-a").items] == [mine]
    assert mem.get(mine, namespace="tenant-b") is None


def test_deleting_the_index_costs_only_a_rebuild(open_memory: Open, tmp_path: Path) -> None:
    mem = open_memory()
    ids = mem.remember_many([{"context": c, "response": r} for c, r in (PIN, BALANCE, WEATHER)])
    mem.close()
    index_files = list((tmp_path / "mem" / "index").glob("*"))
    assert index_files
    for path in index_files:
        path.unlink()
    mem = open_memory()
    assert mem.recall(WEATHER[0], k=1).items[0].id == ids[2]


def test_a_corrupt_or_stale_index_is_rebuilt(open_memory: Open, tmp_path: Path) -> None:
    mem = open_memory()
    first = mem.remember(*PIN)
    mem.close()
    for path in (tmp_path / "mem" / "index").glob("*.faiss"):
        path.write_bytes(b"not a faiss index")
    mem = open_memory()
    assert mem.recall(PIN[0], k=1).items[0].id == first
    # Stale: a write the index file never saw (process killed before close).
    second = mem.remember(*WEATHER)
    mem._engine._dirty.clear()  # simulate the missing flush of a killed process
    mem.close()
    mem = open_memory()
    assert mem.recall(WEATHER[0], k=1).items[0].id == second


def test_next_similar_and_informed_by_edges(open_memory: Open) -> None:
    mem = open_memory()
    a = mem.remember(*PIN, session_id="s")
    recall = mem.recall(PIN[0], k=1)
    b = mem.remember("reset pin please", "Cards > Reset PIN.", session_id="s", recall_id=recall.id)
    edges = {(e.type, e.dst) for e in mem._engine.store.edges("default", b)}
    assert ("similar", a) in edges
    assert ("informed_by", a) in edges
    assert ("next", b) in {(e.type, e.dst) for e in mem._engine.store.edges("default", a)}


def test_remember_many_matches_remember(open_memory: Open) -> None:
    mem = open_memory()
    items = [Interaction(context=f"question {i} about card pins", response=f"answer {i}",
                         session_id="s") for i in range(5)]  # fmt: skip
    ids = mem.remember_many(items, chunk=2)
    assert len(set(ids)) == 5
    assert mem.count() == 5
    # next edges chain the session across chunks
    for earlier, later in itertools.pairwise(ids):
        assert ("next", later) in {
            (e.type, e.dst) for e in mem._engine.store.edges("default", earlier)
        }


def test_similar_edges_within_a_batch_match_one_by_one(tmp_path: Path, minilm: object) -> None:
    texts = [
        "reset my card pin",
        "change the pin of my card",
        "what is the weather today",
        "will it rain tomorrow",
        "my card pin is blocked",
        "forecast for the weekend",
    ]

    def similar(chunk: int, folder: str) -> set[tuple[str, str, float]]:
        with AbstractionMemory.open(tmp_path / folder, embedder=minilm, k_similar=2) as mem:  # type: ignore[arg-type]
            ids = mem.remember_many([{"context": t, "response": "ok"} for t in texts], chunk=chunk)
            text_of = dict(zip(ids, texts, strict=True))
            return {(text_of[i], text_of[e.dst], round(e.weight, 4)) for i in ids
                    for e in mem._engine.store.edges("default", i)
                    if e.type == "similar" and e.dst in text_of and e.src == i}  # fmt: skip

    batched, single = similar(len(texts), "batch"), similar(1, "single")
    assert batched == single
    assert ("change the pin of my card", "reset my card pin") in {(a, b) for a, b, _ in batched}


def test_async_twins_share_the_core(tmp_path: Path, minilm: object) -> None:
    async def scenario() -> list[str]:
        async with AbstractionMemory.open(tmp_path / "m", embedder=minilm) as mem:  # type: ignore[arg-type]
            exp_id = await mem.aremember(*PIN, user_id="u1")
            recall = await mem.arecall("pin reset", k=1)
            await mem.afeedback(recall.id, reward=1.0)
            assert await mem.acount() == 1
            report = await mem.aforget(user_id="u1")
            assert report.experiences == 1
            return [exp_id, *[i.id for i in recall.items]]

    exp_id, served = asyncio.run(scenario())
    assert exp_id == served


def test_exploration_logs_propensities(open_memory: Open) -> None:
    from absmem import BetaBlendRanker

    mem = open_memory(ranker=BetaBlendRanker(temperature=0.05, seed=3))
    mem.remember_many([{"context": f"card pin question {i}", "response": f"answer {i}"}
                       for i in range(6)])  # fmt: skip
    recall = mem.recall("card pin", k=3)
    assert len(recall.items) == 3
    assert all(0.0 < item.propensity <= 1.0 for item in recall.items)
    assert any(item.propensity < 1.0 for item in recall.items)
    _, logged = mem._engine.store.get_recall("default", recall.id)
    assert [(r.item_id, r.propensity) for r in logged] == [
        (i.id, i.propensity) for i in recall.items
    ]


def test_as_prompt_renders_advice_and_avoid(open_memory: Open) -> None:
    mem = open_memory()
    good = mem.remember(*PIN)
    bad = mem.remember("reset my card pin", "I cannot help with that.")
    mem.feedback(good, reward=1.0)
    mem.feedback(bad, reward=-1.0)
    recall = mem.recall("card pin reset", k=2)
    by_id = {item.id: item for item in recall.items}
    assert by_id[good].advice == PIN[1]
    assert by_id[bad].avoid == "I cannot help with that."
    prompt = recall.as_prompt()
    assert "(worked" in prompt
    assert "(failed" in prompt


def test_a_clean_reopen_loads_the_saved_index(
    open_memory: Open, caplog: pytest.LogCaptureFixture
) -> None:
    mem = open_memory()
    mem.remember(*PIN)
    mem.close()
    caplog.set_level("INFO", logger="absmem.engine")
    mem = open_memory()
    assert mem.recall(PIN[0], k=1).items
    assert not [r for r in caplog.records if "rebuilding the index" in r.getMessage()]
