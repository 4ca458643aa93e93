"""``assess``: expected reward of a candidate response, read-only, with validated arguments."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from absmem import AbstractionMemory, Assessment, InvalidArgumentError, MemoryClosedError
from absmem.assess import Assessor
from absmem.types import Outcome

Open = Callable[..., AbstractionMemory]

CONTEXT = "my card was stolen"
GOOD = "I blocked the card and a new one is on its way."
BAD = "Please read the frequently asked questions."


def _rated(mem: AbstractionMemory) -> dict[str, str]:
    """Three good and three bad answers to the same request, rated by experience id."""
    ids = {}
    for n in range(3):
        ids[f"good{n}"] = mem.remember(CONTEXT, GOOD, session_id=f"s{n}")
        ids[f"bad{n}"] = mem.remember(CONTEXT, BAD, session_id=f"t{n}")
        mem.feedback(ids[f"good{n}"], reward=1.0)
        mem.feedback(ids[f"bad{n}"], reward=-1.0)
    return ids


@pytest.fixture
def mem(tmp_path: Path, hash_embedder: Any) -> Any:
    memory = AbstractionMemory.open(tmp_path / "mem", embedder=hash_embedder)
    yield memory
    memory.close()


def test_a_response_like_the_good_ones_scores_higher(mem: AbstractionMemory) -> None:
    ids = _rated(mem)
    good, bad = mem.assess(CONTEXT, GOOD, k=6), mem.assess(CONTEXT, BAD, k=6)
    assert isinstance(good, Assessment)
    assert good.expected_reward > 0.3 > -0.3 > bad.expected_reward
    assert good.prior == pytest.approx(0.0)
    assert 0.5 < good.confidence <= 1.0
    assert {b.id for b in good.basis} == set(ids.values())
    assert good.basis[0].weight == pytest.approx(1.0, abs=1e-4)
    assert good.basis[0].outcome.n == 1.0
    weights = [b.weight for b in good.basis]
    assert weights == sorted(weights, reverse=True)


def test_paraphrases_with_the_real_embedder(open_memory: Open) -> None:
    mem = open_memory()
    for n, (response, reward) in enumerate(
        [
            ("I have blocked your card and ordered a replacement.", 1.0),
            ("Your card is now frozen; a new card will arrive in 3 days.", 1.0),
            ("I cannot help with that, please call the bank.", -1.0),
            ("Sorry, I don't know. Try the website.", -1.0),
        ]
    ):
        exp = mem.remember(f"my card was stolen {n}", response)
        mem.feedback(exp, reward=reward)
    context = "someone stole my credit card"
    good = mem.assess(context, "I blocked the card and a replacement is on the way.")
    bad = mem.assess(context, "I can't help you with this, call the bank.")
    assert good.expected_reward > bad.expected_reward


def _table_counts(db: Path) -> dict[str, Any]:
    with sqlite3.connect(db) as con:
        counts: dict[str, Any] = {
            table: con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("experiences", "recalls", "recall_items", "feedback", "credits", "edges")
        }
        counts["stats"] = con.execute(
            "SELECT id, out_alpha, out_beta, out_n, use_alpha, use_beta, use_n FROM experiences "
            "ORDER BY id"
        ).fetchall()
    return counts


def test_assess_is_read_only(tmp_path: Path, hash_embedder: Any) -> None:
    with AbstractionMemory.open(tmp_path / "mem", embedder=hash_embedder) as mem:
        _rated(mem)
        mem.recall(CONTEXT, k=2)
        before, count = _table_counts(tmp_path / "mem" / "absmem.db"), mem.count()
        for response in (GOOD, BAD, "something never seen"):
            mem.assess(CONTEXT, response)
        assert mem.count() == count
        assert _table_counts(tmp_path / "mem" / "absmem.db") == before
        assert before["recalls"] == 1


def test_unseen_namespace_returns_the_prior_with_no_confidence(mem: AbstractionMemory) -> None:
    _rated(mem)
    empty = mem.assess(CONTEXT, GOOD, namespace="elsewhere")
    assert (empty.expected_reward, empty.confidence, empty.evidence) == (0.0, 0.0, 0.0)
    assert empty.basis == []
    assert empty.namespace == "elsewhere"


def test_prior_follows_feedback_and_matches_a_fresh_open(
    tmp_path: Path, hash_embedder: Any
) -> None:
    folder = tmp_path / "mem"
    with AbstractionMemory.open(folder, embedder=hash_embedder) as mem:
        first = mem.remember("a", "b")
        mem.assess("a", "b")  # caches the prior
        mem.feedback(first, reward=1.0)
        mem.remember("c", "d")  # unrated: the prior stays
        mem.feedback(mem.remember("e", "f"), reward=0.5)
        cached = mem.assess("x", "y").prior
    with AbstractionMemory.open(folder, embedder=hash_embedder) as mem:
        fresh = mem.assess("x", "y").prior
    assert cached == pytest.approx(fresh)
    assert fresh == pytest.approx(2 * Outcome.pool([Outcome().updated(1.0).updated(0.5)]).mean - 1)


def test_async_twin_and_determinism(mem: AbstractionMemory) -> None:
    _rated(mem)

    async def twice() -> list[Assessment]:
        return [await mem.aassess(CONTEXT, GOOD, k=4) for _ in range(2)]

    first, second = asyncio.run(twice())
    assert first == second == mem.assess(CONTEXT, GOOD, k=4)
    assert len(first.basis) == 4


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"context": ""}, "context"),
        ({"context": None}, "context"),
        ({"response": "   "}, "response"),
        ({"response": 3}, "response"),
        ({"k": 0}, "k"),
        ({"k": True}, "k"),
        ({"k": 1001}, "k"),
        ({"namespace": ""}, "namespace"),
    ],
)
def test_bad_arguments_name_themselves(
    mem: AbstractionMemory, kwargs: dict[str, Any], argument: str
) -> None:
    call = {"context": CONTEXT, "response": GOOD, **kwargs}
    with pytest.raises(InvalidArgumentError) as info:
        mem.assess(call.pop("context"), call.pop("response"), **call)
    assert info.value.argument == argument


def test_closed_memory_refuses(tmp_path: Path, hash_embedder: Any) -> None:
    mem = AbstractionMemory.open(tmp_path / "mem", embedder=hash_embedder)
    mem.close()
    with pytest.raises(MemoryClosedError):
        mem.assess(CONTEXT, GOOD)


def test_assessor_shrinks_weak_evidence_toward_the_prior() -> None:
    scorer = Assessor(temperature=0.1, prior_strength=2.0)
    prior = Outcome(alpha=3.0, beta=1.0, n=2.0)  # mean 0.75: reward 0.5
    nothing = scorer.score(np.zeros(0), np.zeros(0), [], prior)
    assert nothing.expected_reward == pytest.approx(0.5)
    assert nothing.confidence == 0.0
    bad = Outcome().updated(-1.0).updated(-1.0)
    near = scorer.score(np.array([1.0]), np.array([1.0]), [bad], prior)
    far = scorer.score(np.array([0.5]), np.array([0.5]), [bad], prior)
    assert near.expected_reward < far.expected_reward < 0.5
    assert near.confidence > far.confidence > 0.0
    assert near.weights.tolist() == [1.0]


@pytest.mark.parametrize("value", [0, -1.0, float("nan"), float("inf"), True, "0.1"])
def test_assessor_refuses_bad_settings(value: Any) -> None:
    with pytest.raises(InvalidArgumentError, match="temperature"):
        Assessor(temperature=value)
    with pytest.raises(InvalidArgumentError, match="prior_strength"):
        Assessor(prior_strength=value)
