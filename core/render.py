"""Render stored experiences as memory items for a prompt.

An experience whose response earned clear positive feedback carries it as ``advice``; one that
earned clear negative feedback carries it as ``avoid``; without enough evidence it is shown as
unrated or mixed, never as advice.

Example:
    >>> from absmem.render import verdict
    >>> from absmem.types import Outcome
    >>> verdict(Outcome(alpha=4.0, beta=1.0, n=3.0))
    'worked'
    >>> verdict(Outcome())
    'unrated'
"""

from __future__ import annotations

from .store.base import StoredExperience
from .types import MemoryItem, Outcome

__all__ = ["render_item", "verdict"]

MAX_CHARS = 300
"""Longest context or response shown in an item's text (the full text stays in the fields)."""


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 3] + "..."


def verdict(outcome: Outcome, margin: float = 0.1) -> str:
    """``"worked"``, ``"failed"``, ``"mixed"`` or ``"unrated"`` from a posterior."""
    if outcome.n == 0:
        return "unrated"
    if outcome.mean >= 0.5 + margin:
        return "worked"
    if outcome.mean <= 0.5 - margin:
        return "failed"
    return "mixed"


def render_item(
    experience: StoredExperience, score: float, propensity: float, rank: int, similarity: float
) -> MemoryItem:
    """One served experience as a :class:`MemoryItem`."""
    outcome = Outcome.pool([experience.outcome, experience.usage])
    label = verdict(outcome)
    text = (
        f'When asked "{_clip(experience.context)}", the response was '
        f'"{_clip(experience.response)}" ({label}'
        + (f", feedback weight {outcome.n:.1f})" if outcome.n else ")")
    )
    return MemoryItem(
        id=experience.id, kind="experience", text=text, score=score, propensity=propensity,
        rank=rank, similarity=similarity,
        advice=experience.response if label == "worked" else None,
        avoid=experience.response if label == "failed" else None,
        support=outcome.n, utility=outcome.mean,
        context=experience.context, response=experience.response,
    )  # fmt: skip
