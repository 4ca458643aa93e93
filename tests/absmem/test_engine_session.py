"""Outcomes per session: spread over the turns (discounted back along ``next``), kept apart in
``long_term``, weighted into the outcome, credited to the recalls, learned by the policy and the
lessons, erased with the session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from absmem import AbstractionMemory
from absmem.errors import InvalidArgumentError, UnknownTargetError
from absmem.policy import PolicyConfig, Posterior
from absmem.store import SQLiteStore

SITUATIONS = ("how do I reset my card pin", "my parcel has not arrived", "cancel my subscription",
              "update my billing address")  # fmt: skip
GOOD = "Here are the exact steps, one by one, with links."
BAD = "Please contact us again later."


def _play_sessions(mem: AbstractionMemory, sessions: int, rate: bool = True) -> None:
    """Sessions of three turns on one situation, all answered ``GOOD`` or all ``BAD``; only
    the session's outcome is given (+1 after good answers, -1 after bad ones)."""
    for s in range(sessions):
        situation, good = SITUATIONS[s % len(SITUATIONS)], (s // len(SITUATIONS)) % 2 == 0
        for turn in range(3):
            question = f"{situation} (turn {turn})"
            recall = mem.recall(question, session_id=f"s{s}", user_id=f"u{s % 3}")
            mem.remember(question, GOOD if good else BAD, recall_id=recall.id,
                         session_id=f"s{s}", user_id=f"u{s % 3}")  # fmt: skip
        if rate:
            mem.feedback(session_id=f"s{s}", reward=1.0 if good else -1.0)


def _posterior(folder: Path) -> Posterior | None:
    store = SQLiteStore(folder / "absmem.db")
    try:
        blob = store.get_blob("default", "policy")
    finally:
        store.close()
    return None if blob is None else Posterior.from_bytes(blob[0], PolicyConfig(), blob[1])


def test_a_session_outcome_is_discounted_back_from_the_last_turn(
    tmp_path: Path, hash_embedder: Any
) -> None:
    with AbstractionMemory.open(tmp_path, embedder=hash_embedder) as mem:
        turns = [mem.remember(f"question {i}", f"answer {i}", session_id="s1") for i in range(3)]
        other = mem.remember("question 9", "answer 9", session_id="s2")
        given = mem.feedback(session_id="s1", reward=1.0)
        mem.feedback(turns[2], -1.0)  # immediate feedback on the last turn
        got = [mem.get(t) for t in turns]
        untouched = mem.get(other)
    assert (given.target_kind, given.target_id, given.session_id) == ("session", "s1", "s1")
    assert all(g is not None for g in got)
    long_term = [g.long_term for g in got if g is not None]
    outcome = [g.outcome for g in got if g is not None]
    assert [x.n for x in long_term] == pytest.approx([0.64, 0.8, 1.0])
    assert [x.alpha for x in long_term] == pytest.approx([1.64, 1.8, 2.0])
    # the outcome: session shares at weight 0.5, plus the last turn's own thumbs down
    assert [x.n for x in outcome] == pytest.approx([0.32, 0.4, 1.5])
    assert [x.alpha for x in outcome] == pytest.approx([1.32, 1.4, 1.5])
    assert outcome[2].beta == pytest.approx(2.0)
    assert untouched is not None
    assert (untouched.outcome.n, untouched.long_term.n) == (0.0, 0.0)


def test_weight_and_discount_are_options(tmp_path: Path, hash_embedder: Any) -> None:
    options = {"session_weight": 2.0, "session_discount": 0.5}
    with AbstractionMemory.open(tmp_path, embedder=hash_embedder, **options) as mem:
        turns = [mem.remember(f"q {i}", f"a {i}", session_id="s") for i in range(2)]
        mem.feedback(session_id="s", reward=-1.0)
        first = mem.get(turns[0])
    assert first is not None
    assert (first.long_term.n, first.long_term.beta) == pytest.approx((0.5, 1.5))
    assert (first.outcome.n, first.outcome.beta) == pytest.approx((1.0, 2.0))


@pytest.mark.parametrize(
    ("option", "value"),
    [("session_weight", -0.1), ("session_weight", float("nan")), ("session_discount", 0.0),
     ("session_discount", 1.5), ("session_weight", True)],
)  # fmt: skip
def test_bad_options_are_refused_by_name(
    tmp_path: Path, hash_embedder: Any, option: str, value: object
) -> None:
    with pytest.raises(InvalidArgumentError, match=option):
        AbstractionMemory.open(tmp_path, embedder=hash_embedder, **{option: value})


def test_unknown_or_ambiguous_sessions_are_refused(tmp_path: Path, hash_embedder: Any) -> None:
    with AbstractionMemory.open(tmp_path, embedder=hash_embedder) as mem:
        exp = mem.remember("q", "a", session_id="s1")
        with pytest.raises(UnknownTargetError, match="session_id"):
            mem.feedback(session_id="nope", reward=1.0)
        with pytest.raises(UnknownTargetError, match="session_id"):
            mem.feedback(session_id="s1", reward=1.0, namespace="elsewhere")
        with pytest.raises(InvalidArgumentError, match="target/run_id/session_id"):
            mem.feedback(exp, 1.0, session_id="s1")
        with pytest.raises(InvalidArgumentError, match="session_id"):
            mem.feedback(session_id=" padded ", reward=1.0)
        with pytest.raises(InvalidArgumentError, match="reward"):
            mem.feedback(session_id="s1", reward=3.0)
        stored = mem.get(exp)
    assert stored is not None
    assert stored.long_term.n == 0.0  # nothing refused was recorded


def test_recalls_behind_the_turns_are_credited_and_erased_with_the_session(
    tmp_path: Path, hash_embedder: Any
) -> None:
    with AbstractionMemory.open(tmp_path, embedder=hash_embedder) as mem:
        helper = mem.remember("how do I reset my pin", "Cards > Reset.", session_id="old")
        recall = mem.recall("how do I reset my pin please", k=1, session_id="s1")
        assert [i.id for i in recall.items] == [helper]
        mem.remember("how do I reset my pin please", "Cards > Reset.", recall_id=recall.id,
                     session_id="s1")  # fmt: skip
        mem.feedback(session_id="s1", reward=1.0)
        credited = mem.get(helper)
        assert credited is not None
        assert credited.usage.n == pytest.approx(0.5)  # rank 0, weight 0.5, the last turn
        assert credited.long_term.n == 0.0  # it was not a turn of the session
        mem.forget(session_id="s1")
        erased = mem.get(helper)
    assert erased is not None
    assert erased.usage.n == 0.0


def test_the_policy_history_holds_every_recall_behind_a_rated_session(
    tmp_path: Path, hash_embedder: Any
) -> None:
    with AbstractionMemory.open(tmp_path, embedder=hash_embedder) as mem:
        _play_sessions(mem, 4, rate=False)  # 12 turns, each informed by a recall
        mem.feedback(session_id="s1", reward=-1.0)
    store = SQLiteStore(tmp_path / "absmem.db")
    try:
        history = store.policy_history("default", limit=100)
        turns = store.get_experiences("default", store.session_keys("default", "s1"))
    finally:
        store.close()
    assert [h.log.recall_id for h in history] == sorted(str(t.recall_id) for t in turns)
    assert all(h.rewards == [-1.0] for h in history)  # once per recall
    for h in history:  # each recall carries the credits of the items it served
        assert h.credits
        assert {item for item, _, _ in h.credits} <= set(h.served)


def test_each_recall_keeps_its_own_share_in_the_policy_history(
    tmp_path: Path, hash_embedder: Any
) -> None:
    with AbstractionMemory.open(tmp_path, embedder=hash_embedder) as mem:
        helper = mem.remember("how do I reset my pin", "Cards > Reset.")
        for turn in range(3):  # every recall of the session serves the same experience
            recall = mem.recall("how do I reset my pin", k=1, session_id="s")
            assert [i.id for i in recall.items] == [helper]
            mem.remember(f"turn {turn}", "ok", recall_id=recall.id, session_id="s")
        mem.feedback(session_id="s", reward=1.0)
        later = mem.recall("how do I reset my pin", k=1, session_id="s")
        mem.remember("turn 3", "ok", recall_id=later.id, session_id="s")  # after the outcome
        credited = mem.get(helper)
    store = SQLiteStore(tmp_path / "absmem.db")
    try:
        history = store.policy_history("default", limit=100)
    finally:
        store.close()
    # shares 0.64, 0.8, 1 of weight 0.5, at rank 0 (weight 1): each recall its own
    assert [[w for _, _, w in h.credits] for h in history] == [
        pytest.approx([0.32]), pytest.approx([0.4]), pytest.approx([0.5])]  # fmt: skip
    assert later.id not in {h.log.recall_id for h in history}
    assert credited is not None
    assert credited.usage.n == pytest.approx(0.32 + 0.4 + 0.5)


def test_turns_far_back_get_nothing_rather_than_a_rounded_share(
    tmp_path: Path, hash_embedder: Any
) -> None:
    with AbstractionMemory.open(tmp_path, embedder=hash_embedder) as mem:
        turns = mem.remember_many(
            [{"context": f"q {i}", "response": f"a {i}", "session_id": "long"} for i in range(200)]
        )
        mem.feedback(session_id="long", reward=1.0)
        assert mem.find(outcome="bad", k=1000) == []
        first, recent = mem.get(turns[0]), mem.get(turns[-60])
    assert first is not None
    assert recent is not None
    assert (first.long_term.n, first.outcome.n) == (0.0, 0.0)  # 0.8 ** 199: below MIN_SHARE
    assert recent.long_term.n == pytest.approx(0.8**59)
    assert recent.outcome.alpha > recent.outcome.beta


def test_only_session_outcomes_teach_the_policy_and_the_lessons(
    tmp_path: Path, hash_embedder: Any
) -> None:
    rated, unrated = tmp_path / "rated", tmp_path / "unrated"
    for folder, rate in ((rated, True), (unrated, False)):
        with AbstractionMemory.open(folder, embedder=hash_embedder) as mem:
            _play_sessions(mem, 24, rate=rate)
            mem.consolidate()
    assert _posterior(unrated) is None
    learned = _posterior(rated)
    assert learned is not None
    assert learned.updates > 0
    assert not np.allclose(learned.mean, Posterior(PolicyConfig()).mean)
    with AbstractionMemory.open(rated, embedder=hash_embedder) as mem:
        good = mem.assess(SITUATIONS[0], GOOD)
        bad = mem.assess(SITUATIONS[0], BAD)
        lessons = [i for i in mem.recall(SITUATIONS[0], k=10).items if i.kind == "lesson"]
    assert good.expected_reward > 0.1 > -0.1 > bad.expected_reward
    assert lessons, "consolidate() learned no lesson from session outcomes"
    assert any(i.advice == GOOD for i in lessons)
    assert all(i.advice != BAD for i in lessons)
    assert any(i.avoid == BAD for i in lessons)
