"""The features of a (query, candidate) pair that the learned recall policy scores.

Each candidate of a recall becomes one row: its similarity to the query, its kind and level,
its outcome statistics (own outcome, and usage: what serving it earned), the GNN's predicted
success of following it in the query's situation, and its age. ``PRIOR_MEAN`` holds the weights
of the hand-set :class:`~absmem.policy.BetaBlendRanker`, so an untrained policy ranks as it does.

Example:
    >>> from absmem.policy.base import Candidate
    >>> from absmem.policy.features import FEATURES, featurize
    >>> from absmem.types import Outcome
    >>> x = featurize([Candidate("a", 0.8, Outcome(alpha=5, beta=1, n=4))])
    >>> x.shape == (1, len(FEATURES)), float(x[0, FEATURES.index("similarity")])
    (True, 0.8)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..types import Outcome
from .base import Candidate

__all__ = ["FEATURES", "PRIOR_MEAN", "featurize"]

FEATURES: tuple[str, ...] = (
    "bias",
    "similarity",
    "lesson",
    "broad",
    "outcome",
    "outcome_x_evidence",
    "evidence",
    "usage",
    "predicted",
    "has_predicted",
    "recency",
)
"""Column names of :func:`featurize`'s rows (persisted with the policy state and checked)."""

_MONTH = 30 * 86400.0

PRIOR_MEAN = np.zeros(len(FEATURES))
"""The baseline blend as weights: similarity 1, pooled outcome 0.5, GNN-predicted success 0.5,
a lesson 0.1 (:class:`~absmem.policy.BetaBlendRanker`'s defaults); the rest start at 0."""
for _name, _weight in (("similarity", 1.0), ("outcome", 0.5), ("predicted", 0.5),
                       ("lesson", 0.1)):  # fmt: skip
    PRIOR_MEAN[FEATURES.index(_name)] = _weight


def _confident(outcome: Outcome) -> float:
    """``mean - 0.5``, shrunk by how much evidence there is (n / (n + 4))."""
    return (outcome.mean - 0.5) * outcome.n / (outcome.n + 4.0)


def featurize(candidates: Sequence[Candidate]) -> np.ndarray:
    """One float64 row of :data:`FEATURES` per candidate."""
    x = np.zeros((len(candidates), len(FEATURES)))
    for i, c in enumerate(candidates):
        outcome = Outcome.pool([c.outcome, c.usage])
        x[i] = (
            1.0,
            c.similarity,
            float(c.kind == "lesson"),
            float(c.level > 0),
            outcome.mean - 0.5,
            _confident(outcome),
            min(math.log1p(outcome.n) / math.log(100.0), 1.5),
            _confident(c.usage),
            (c.predicted - 0.5) if c.predicted is not None else 0.0,
            float(c.predicted is not None),
            math.exp(-max(c.age, 0.0) / _MONTH),
        )
    return x
