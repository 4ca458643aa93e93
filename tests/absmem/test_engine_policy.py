"""The learned policy inside the memory: logging, online updates, persistence, erasure, sharing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from absmem import AbstractionMemory
from absmem.errors import InvalidArgumentError
from absmem.policy import LinearThompsonRanker, PolicyConfig, Posterior
from absmem.store import SQLiteStore

QUESTIONS = ["reset my password", "change my email", "cancel my order", "track my parcel"]


def _open(folder: Path, embedder: Any, **config: Any) -> AbstractionMemory:
    ranker = LinearThompsonRanker(PolicyConfig(**config))
    return AbstractionMemory.open(folder, embedder=embedder, ranker=ranker)


def _play(mem: AbstractionMemory, rounds: int, user: str = "u1", namespace: str | None = None
          ) -> list[str]:  # fmt: skip
    """Rounds of recall, remember (linked) and feedback on the recall; returns the recall ids."""
    ids = []
    for r in range(rounds):
        question = f"{QUESTIONS[r % len(QUESTIONS)]} {r}"
        recall = mem.recall(question, user_id=user, namespace=namespace)
        mem.remember(question, f"answer {r % 3}", recall_id=recall.id, user_id=user,
                     namespace=namespace)  # fmt: skip
        mem.feedback(recall.id, 1.0 if r % 3 == 0 else -1.0, namespace=namespace)
        ids.append(recall.id)
    return ids


def _posterior(folder: Path, namespace: str = "default") -> Posterior:
    store = SQLiteStore(folder / "absmem.db")
    try:
        blob = store.get_blob(namespace, "policy")
    finally:
        store.close()
    assert blob is not None
    return Posterior.from_bytes(blob[0], PolicyConfig(), blob[1])


def test_recall_logs_every_candidate_with_features_and_first_probabilities(
    tmp_path: Path, hash_embedder: Any
) -> None:
    with _open(tmp_path, hash_embedder) as mem:
        _play(mem, 6)
        recall = mem.recall("reset my password please", k=3)
        store = SQLiteStore(tmp_path / "absmem.db")
        log = store.get_policy_log("default", recall.id)
        store.close()
    assert log is not None
    assert {i.id for i in recall.items} <= set(log.candidates)
    assert log.features.shape[0] == len(log.candidates) == len(log.top)
    assert abs(float(log.top.sum()) - 1.0) < 1e-6
    assert all(0.0 < i.propensity <= 1.0 for i in recall.items)


def test_feedback_on_a_recall_updates_the_posterior_and_it_survives_reopen(
    tmp_path: Path, hash_embedder: Any
) -> None:
    with _open(tmp_path, hash_embedder, exploration=0.0) as mem:
        _play(mem, 12)
        before = mem.recall("cancel my order now", k=4)
    saved = _posterior(tmp_path)
    assert saved.updates == 11  # every rated recall that served something
    assert not np.allclose(saved.mean, Posterior(PolicyConfig()).mean)
    with _open(tmp_path, hash_embedder, exploration=0.0) as mem:
        after = mem.recall("cancel my order now", k=4)
    assert [i.id for i in after.items] == [i.id for i in before.items]
    assert [i.score for i in after.items] == pytest.approx([i.score for i in before.items])


def test_forgetting_a_user_refits_the_policy_without_their_feedback(
    tmp_path: Path, hash_embedder: Any
) -> None:
    with _open(tmp_path, hash_embedder) as mem:
        _play(mem, 10, user="stays")
        kept = _posterior(tmp_path).evidence
        _play(mem, 10, user="leaves")
        assert _posterior(tmp_path).evidence > kept
        mem.forget(user_id="leaves")
    refit = _posterior(tmp_path)
    assert refit.updates <= 10
    assert refit.evidence < kept * 1.5  # only the remaining user's recalls count


def test_consolidation_reports_the_policy_refit_and_why(tmp_path: Path, hash_embedder: Any) -> None:
    with _open(tmp_path, hash_embedder) as mem:
        _play(mem, 40)
        report = mem.consolidate()
    assert report.policy["rated_recalls"] == 40
    assert isinstance(report.policy["swapped"], bool)
    assert report.policy["reason"]
    if report.policy["evaluated"] >= 20:
        assert {"serving", "candidate"} <= set(report.policy)


def test_evaluate_policy_needs_rated_recalls(tmp_path: Path, hash_embedder: Any) -> None:
    with _open(tmp_path, hash_embedder) as mem:
        mem.remember("a question", "an answer")
        with pytest.raises(InvalidArgumentError, match="namespace"):
            mem.evaluate_policy()
        with pytest.raises(InvalidArgumentError, match="config"):
            mem.evaluate_policy("fast")  # type: ignore[arg-type]


def test_evaluate_policy_estimates_serving_and_candidate(
    tmp_path: Path, hash_embedder: Any
) -> None:
    with _open(tmp_path, hash_embedder) as mem:
        _play(mem, 30)
        found = mem.evaluate_policy(PolicyConfig(discount=1.0))
    for name in ("serving", "candidate"):
        dr = found[name].best()
        assert dr.low <= dr.value <= dr.high
        assert 0.0 <= found[name].logged.value <= 1.0


def test_a_shared_prior_carries_weights_to_a_new_namespace(
    tmp_path: Path, hash_embedder: Any
) -> None:
    with _open(tmp_path, hash_embedder, shared_prior=True) as mem:
        _play(mem, 30, namespace="first")
        mem.consolidate(namespace="first")
        learned = _posterior(tmp_path, "first").mean
        mem.recall("reset my password", namespace="second")
        mem.remember("reset my password", "answer", namespace="second")
        mem.recall("reset my password", namespace="second")
    store = SQLiteStore(tmp_path / "absmem.db")
    try:
        assert store.get_blob("second", "policy") is None  # no feedback there yet
    finally:
        store.close()
    with _open(tmp_path, hash_embedder, shared_prior=True) as mem:
        _play(mem, 2, namespace="second")
    assert np.allclose(_posterior(tmp_path, "second").prior_mean, learned)
    with _open(tmp_path, hash_embedder, shared_prior=False) as mem:
        _play(mem, 2, namespace="third")
    assert not np.allclose(_posterior(tmp_path, "third").prior_mean, learned)
