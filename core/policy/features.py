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


def featurize(candidates: Sequence[Candidate]) -> np.ndarray:
    """One float64 row of :data:`FEATURES` per candidate (no Python loop past reading them).

    ``outcome`` pools the candidate's own outcome with its usage (as
    :meth:`~absmem.types.Outcome.pool`); ``outcome_x_evidence`` and ``usage`` shrink
    ``mean - 0.5`` by ``n / (n + 4)``.
    """
    x = np.zeros((len(candidates), len(FEATURES)))
    if not len(candidates):
        return x
    raw = np.array(
        [(c.outcome.alpha, c.outcome.beta, c.outcome.n, c.usage.alpha, c.usage.beta, c.usage.n,
          c.similarity, c.kind == "lesson", c.level > 0, c.age,
          math.nan if c.predicted is None else c.predicted) for c in candidates],
        dtype=np.float64,
    )  # fmt: skip
    alpha = 1.0 + np.maximum(raw[:, 0] + raw[:, 3] - 2.0, 0.0)
    beta = 1.0 + np.maximum(raw[:, 1] + raw[:, 4] - 2.0, 0.0)
    n = raw[:, 2] + raw[:, 5]
    mean = alpha / (alpha + beta) - 0.5
    usage = raw[:, 3] / (raw[:, 3] + raw[:, 4]) - 0.5
    predicted = raw[:, 10]
    known = ~np.isnan(predicted)
    x[:, 0] = 1.0
    x[:, 1] = raw[:, 6]
    x[:, 2] = raw[:, 7]
    x[:, 3] = raw[:, 8]
    x[:, 4] = mean
    x[:, 5] = mean * n / (n + 4.0)
    x[:, 6] = np.minimum(np.log1p(n) / math.log(100.0), 1.5)
    x[:, 7] = usage * raw[:, 5] / (raw[:, 5] + 4.0)
    x[:, 8] = np.where(known, predicted - 0.5, 0.0)
    x[:, 9] = known
    x[:, 10] = np.exp(-np.maximum(raw[:, 9], 0.0) / _MONTH)
    return x
