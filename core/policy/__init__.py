"""Recall policies: rank candidate memories and report the propensity of each served item.

- :class:`LinearThompsonRanker` (the default): a contextual bandit that learns from feedback
  which candidates lead to good outcomes (:mod:`~absmem.policy.linear`), over the features of
  :mod:`~absmem.policy.features`, with discounting and decaying exploration.
- :class:`BetaBlendRanker`: the hand-set baseline, and the learned policy's prior mean.
- :mod:`~absmem.policy.ope`: off-policy evaluation (IPS, SNIPS, doubly robust) from the recall
  log, used by ``absmem eval-policy`` and by consolidation's swap gate.

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
