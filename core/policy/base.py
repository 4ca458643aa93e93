"""What every recall policy shares: candidates, served items, the protocol and position credit.

Example:
    >>> from absmem.policy.base import Candidate, position_weight
    >>> Candidate(key="a", similarity=0.8).kind, round(position_weight(1), 3)
    ('experience', 0.631)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from ..errors import InvalidArgumentError
from ..types import Outcome

__all__ = ["Candidate", "Ranked", "Ranker", "position_weight"]


@dataclass(frozen=True)
class Candidate:
    """A memory that candidate lookup found for a query."""

    key: str
    similarity: float
    outcome: Outcome = field(default_factory=Outcome)
    usage: Outcome = field(default_factory=Outcome)
    kind: str = "experience"
    predicted: float | None = None
    """The GNN's predicted chance that following this memory succeeds for the query."""
    level: int = 0
    """A lesson's level (0 specific, 1 broad); 0 for an experience."""
    age: float = 0.0
    """Seconds since the experience was stored (0 for a lesson)."""
    advice: int = -1
    """The approach a lesson advises (-1: none, or an experience)."""


@dataclass(frozen=True)
class Ranked:
    """A served item: its key, score, 0-based rank and the probability it was put there."""

    key: str
    score: float
    rank: int
    propensity: float


@runtime_checkable
class Ranker(Protocol):
    """Ranks candidates; every served item carries the probability of being served there."""

    name: str

    def rank(self, candidates: Sequence[Candidate], k: int) -> list[Ranked]:
        """Return at most ``k`` candidates, best first."""
        ...


def position_weight(rank: int) -> float:
    """Share of a recall's reward credited to the item served at 0-based ``rank`` (DCG discount).

    Example:
        >>> [round(position_weight(r), 3) for r in range(3)]
        [1.0, 0.631, 0.5]
    """
    if rank < 0:
        raise InvalidArgumentError("rank", "a non-negative integer", rank)
    return 1.0 / math.log2(rank + 2)
