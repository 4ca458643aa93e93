"""The hand-set baseline policy: similarity blended with the Beta posterior of observed reward.

:class:`BetaBlendRanker` fixes the weights that :class:`~absmem.policy.LinearThompsonRanker`
learns; it is the prior mean of the learned policy and the baseline the benchmarks compare with.

Example:
    >>> from absmem.policy import BetaBlendRanker, Candidate
    >>> from absmem.types import Outcome
    >>> ranker = BetaBlendRanker()
    >>> good = Candidate(key="a", similarity=0.80, outcome=Outcome(alpha=5, beta=1))
    >>> bad = Candidate(key="b", similarity=0.82, outcome=Outcome(alpha=1, beta=5))
    >>> [(r.key, r.propensity) for r in ranker.rank([bad, good], k=2)]
    [('a', 1.0), ('b', 1.0)]
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..errors import InvalidArgumentError
from ..types import Outcome
from .base import Candidate, Ranked

__all__ = ["BetaBlendRanker"]


class BetaBlendRanker:
    """Score = cosine similarity + ``outcome_weight`` x (posterior mean reward - 0.5)
    + ``predicted_weight`` x (GNN-predicted success - 0.5) + ``lesson_bonus`` for a lesson.

    A lesson stands for many experiences, so at equal relevance it goes first;
    :class:`~absmem.policy.LinearThompsonRanker` learns these weights from feedback instead.

    The posterior pools what an experience's own response earned (``outcome``) and the credit it
    earned when served for other requests (``usage``). With ``temperature`` 0 the ranking is
    deterministic and each item's propensity is 1. With ``temperature`` > 0 the ranking is a
    Plackett-Luce draw (softmax of score / temperature, without replacement) and each item's
    propensity is the probability of drawing it at its rank given the items above it.

    Args:
        outcome_weight: how far outcome moves the score; 0 ranks by similarity alone.
        temperature: exploration; 0 turns it off.
        seed: seed of the ranker's own random generator.
    """

    name = "beta-blend"

    def __init__(
        self,
        outcome_weight: float = 0.5,
        temperature: float = 0.0,
        seed: int = 0,
        predicted_weight: float = 0.5,
        lesson_bonus: float = 0.1,
    ):
        for name, value in (("outcome_weight", outcome_weight),
                            ("predicted_weight", predicted_weight),
                            ("lesson_bonus", lesson_bonus)):  # fmt: skip
            if not math.isfinite(value) or value < 0:
                raise InvalidArgumentError(name, "a finite number >= 0", value)
        if not math.isfinite(temperature) or temperature < 0:
            raise InvalidArgumentError("temperature", "a finite number >= 0", temperature)
        self.outcome_weight = outcome_weight
        self.predicted_weight = predicted_weight
        self.lesson_bonus = lesson_bonus
        self.temperature = temperature
        self.seed = seed
        self.rng_ = np.random.default_rng(seed)

    def score(self, candidate: Candidate) -> float:
        """The blended score of one candidate."""
        mean = Outcome.pool([candidate.outcome, candidate.usage]).mean
        score = candidate.similarity + self.outcome_weight * (mean - 0.5)
        if candidate.predicted is not None:
            score += self.predicted_weight * (candidate.predicted - 0.5)
        return score + (self.lesson_bonus if candidate.kind == "lesson" else 0.0)

    def rank(self, candidates: Sequence[Candidate], k: int) -> list[Ranked]:
        """Return at most ``k`` candidates, best first, with propensities."""
        if k <= 0 or not candidates:
            return []
        scores = np.array([self.score(c) for c in candidates], dtype=np.float64)
        if self.temperature == 0.0:
            order = np.argsort(-scores, kind="stable")[:k]
            return [
                Ranked(candidates[i].key, float(scores[i]), rank, 1.0)
                for rank, i in enumerate(order)
            ]
        return self._sample(candidates, scores, k)

    def first_probabilities(self, candidates: Sequence[Candidate]) -> np.ndarray:
        """Each candidate's probability of being served first (one-hot at temperature 0)."""
        scores = np.array([self.score(c) for c in candidates], dtype=np.float64)
        out = np.zeros(len(candidates))
        if not len(candidates):
            return out
        if self.temperature == 0.0:
            out[int(np.argsort(-scores, kind="stable")[0])] = 1.0
            return out
        logits = scores / self.temperature
        probs = np.exp(logits - logits.max())
        return np.asarray(probs / probs.sum())

    def _sample(self, candidates: Sequence[Candidate], scores: np.ndarray, k: int) -> list[Ranked]:
        remaining = list(range(len(candidates)))
        served: list[Ranked] = []
        for rank in range(min(k, len(candidates))):
            logits = scores[remaining] / self.temperature
            probs = np.exp(logits - logits.max())
            probs /= probs.sum()
            pick = int(self.rng_.choice(len(remaining), p=probs))
            index = remaining.pop(pick)
            served.append(Ranked(candidates[index].key, float(scores[index]), rank,
                                 float(probs[pick])))  # fmt: skip
        return served

    def __repr__(self) -> str:
        return (
            f"BetaBlendRanker(outcome_weight={self.outcome_weight}, "
            f"temperature={self.temperature}, seed={self.seed}, "
            f"predicted_weight={self.predicted_weight}, lesson_bonus={self.lesson_bonus})"
        )
