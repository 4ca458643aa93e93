"""Recall policies: rank candidate memories and report the propensity of each served item.

- :class:`LinearThompsonRanker` (the default): a contextual bandit that learns from feedback
  which candidates lead to good outcomes (:mod:`~absmem.policy.linear`), over the features of
  :mod:`~absmem.policy.features`, with discounting and decaying exploration.
- :class:`BetaBlendRanker`: the hand-set baseline, and the learned policy's prior mean.
- :mod:`~absmem.policy.ope`: off-policy evaluation (IPS, SNIPS, doubly robust) from the recall
  log, used by ``absmem eval-policy`` and by consolidation's swap gate.

Example:
    >>> from absmem.policy import Candidate, LinearThompsonRanker, PolicyConfig
    >>> ranker = LinearThompsonRanker(PolicyConfig(exploration=0.0))
    >>> near, far = Candidate(key="near", similarity=0.9), Candidate(key="far", similarity=0.4)
    >>> [r.key for r in ranker.rank([far, near], k=2)]
    ['near', 'far']
"""

from __future__ import annotations

from .base import Candidate, Ranked, Ranker, position_weight
from .blend import BetaBlendRanker
from .features import FEATURES, featurize
from .linear import LinearThompsonRanker, PolicyConfig, Posterior

__all__ = [
    "FEATURES",
    "BetaBlendRanker",
    "Candidate",
    "LinearThompsonRanker",
    "PolicyConfig",
    "Posterior",
    "Ranked",
    "Ranker",
    "featurize",
    "position_weight",
]
