"""BetaBlendRanker and position credit."""

from __future__ import annotations

import pytest

from absmem.errors import InvalidArgumentError
from absmem.policy import BetaBlendRanker, Candidate, position_weight
from absmem.types import Outcome


def _candidates() -> list[Candidate]:
    return [
        Candidate("close-but-failed", 0.90, Outcome(alpha=1, beta=6, n=5)),
        Candidate("worked", 0.85, Outcome(alpha=6, beta=1, n=5)),
        Candidate("unrated", 0.80),
        Candidate("far", 0.30),
    ]


def test_outcome_reorders_similarity() -> None:
    ranked = BetaBlendRanker().rank(_candidates(), k=3)
    assert [r.key for r in ranked] == ["worked", "unrated", "close-but-failed"]
    assert [r.rank for r in ranked] == [0, 1, 2]
    assert all(r.propensity == 1.0 for r in ranked)


def test_zero_weight_ranks_by_similarity() -> None:
    ranked = BetaBlendRanker(outcome_weight=0.0).rank(_candidates(), k=4)
    assert [r.key for r in ranked] == ["close-but-failed", "worked", "unrated", "far"]


def test_usage_credit_counts_too() -> None:
    useful = Candidate("useful", 0.5, usage=Outcome(alpha=9, beta=1, n=8))
    plain = Candidate("plain", 0.6)
    assert [r.key for r in BetaBlendRanker().rank([plain, useful], k=2)] == ["useful", "plain"]


def test_exploration_is_seeded_and_propensities_are_exact() -> None:
    first = BetaBlendRanker(temperature=0.1, seed=7).rank(_candidates(), k=4)
    second = BetaBlendRanker(temperature=0.1, seed=7).rank(_candidates(), k=4)
    assert first == second
    assert first[-1].propensity == pytest.approx(1.0)  # last one left is certain
    assert all(0 < r.propensity <= 1 for r in first)


def test_exploration_frequencies_match_propensities() -> None:
    ranker = BetaBlendRanker(temperature=0.05, seed=0)
    candidates = [Candidate("a", 0.80), Candidate("b", 0.78)]
    draws = [ranker.rank(candidates, k=1)[0] for _ in range(4000)]
    share_a = sum(d.key == "a" for d in draws) / len(draws)
    logged_a = next(d.propensity for d in draws if d.key == "a")
    assert share_a == pytest.approx(logged_a, abs=0.03)


def test_edge_cases_and_bad_parameters() -> None:
    assert BetaBlendRanker().rank([], k=3) == []
    assert BetaBlendRanker().rank(_candidates(), k=0) == []
    with pytest.raises(InvalidArgumentError, match="^temperature"):
        BetaBlendRanker(temperature=-1.0)
    with pytest.raises(InvalidArgumentError, match="^outcome_weight"):
        BetaBlendRanker(outcome_weight=float("nan"))


def test_position_weight() -> None:
    assert position_weight(0) == 1.0
    assert position_weight(1) > position_weight(2) > position_weight(10) > 0
    with pytest.raises(InvalidArgumentError):
        position_weight(-1)
