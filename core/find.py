"""Relational queries over the experience graph: which responses led to which outcomes.

Recall answers "what is similar to this situation?". :meth:`absmem.AbstractionMemory.find`
answers questions about how experiences relate, such as "show me experiences where UI decisions
led to user frustration". A query has two ends and filters:

- the **cause**: text that an experience's context or response should match (the better of the
  two cosine similarities counts);
- the **effect**: text that the user turn the experience ``led_to`` should match (the user's
  reply its response provoked, the turn that followed in its session within the reply window),
  and/or an **outcome** on the experience's feedback: ``"good"`` (mean reward above 0),
  ``"bad"`` (below 0) or a range ``(low, high)`` of its mean reward in [-1, 1] (the weighted
  mean of the rewards it received, session outcomes at their weight);
- **filters** on the experience: a time range, a session, a user, an abstraction it belongs to.

The answer is a ranked list of :class:`Chain` (experience, the turn it led to, its outcome, the
lesson it belongs to). A chain's ``score`` is the mean of how well each end given matches: the
cause similarity, the effect similarity, and for an outcome the strength ``|mean reward|``. A
text end matches when its similarity is at least ``min_similarity``. Candidates come from the
same embeddings and FAISS index as recall (the cause's and the effect's nearest contexts), an
exact pass over the stored response vectors (the cause may name what the agent did), the typed
``led_to`` edges both ways, and a session's own turns; no LLM is called.

Example:
    >>> import tempfile
    >>> from absmem import AbstractionMemory
    >>> with tempfile.TemporaryDirectory() as d, AbstractionMemory.open(d) as mem:
    ...     first = mem.remember("can you make the menu bigger",
    ...                          "I moved the menu to a new sidebar layout", session_id="s1")
    ...     _ = mem.remember("this is confusing, I cannot find anything", "Sorry!",
    ...                      session_id="s1")
    ...     _ = mem.feedback(first, -1.0)
    ...     chains = mem.find(cause="new sidebar layout", effect="confusing, cannot find",
    ...                       outcome="bad")
    >>> [(c.experience.id == first, c.led_to.context[:16], c.reward) for c in chains]
    [(True, 'this is confusin', -1.0)]
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .types import Experience

__all__ = ["Chain", "FindQuery"]

OutcomeFilter = Literal["good", "bad"] | tuple[float, float]
"""``"good"`` (mean reward > 0), ``"bad"`` (< 0) or a ``(low, high)`` range in [-1, 1]."""


class FindQuery(BaseModel):
    """A relational query over the experience graph (see :mod:`absmem.find`).

    At least one of ``cause``, ``effect`` and ``outcome`` is needed. Times are Unix seconds or
    timezone-aware datetimes.

    Example:
        >>> q = FindQuery(cause="changed the layout", outcome="bad", k=5)
        >>> q.outcome_range
        (-1.0, -1e-09)
        >>> FindQuery(outcome=(-1, -0.5)).outcome_range
        (-1.0, -0.5)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    cause: str | None = Field(
        default=None, description="Text the experience's context or response should match."
    )
    effect: str | None = Field(
        default=None,
        description="Text the user turn the experience led to (the reply it provoked) "
        "should match.",
    )
    outcome: OutcomeFilter | None = Field(
        default=None,
        description='The experience\'s feedback: "good" (mean reward > 0), "bad" (< 0) or a '
        "[low, high] range of its mean reward in [-1, 1].",
    )
    k: int = Field(default=10, ge=1, le=1000, description="Most chains returned.")
    since: float | None = Field(default=None, description="Experiences stored at or after.")
    until: float | None = Field(default=None, description="Experiences stored before.")
    session_id: str | None = Field(default=None, description="Only this session's turns.")
    user_id: str | None = Field(default=None, description="Only this user's interactions.")
    abstraction_id: str | None = Field(
        default=None, description="Only members of this abstraction (or of one refining it)."
    )
    min_similarity: float = Field(
        default=0.3, ge=-1.0, le=1.0, description="Least cosine similarity a text end needs."
    )

    @field_validator("cause", "effect")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("expected a non-empty text or None")
        return value

    @field_validator("since", "until", mode="before")
    @classmethod
    def _time(cls, value: object) -> object:
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                raise ValueError("expected a timezone-aware datetime or Unix seconds")
            return value.timestamp()
        if isinstance(value, bool):
            raise ValueError("expected Unix seconds or a datetime")
        return value

    @field_validator("since", "until", "min_similarity")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError("expected a finite number")
        return value

    @field_validator("outcome")
    @classmethod
    def _range(cls, value: OutcomeFilter | None) -> OutcomeFilter | None:
        if isinstance(value, tuple):
            low, high = value
            if not (-1.0 <= low <= high <= 1.0):
                raise ValueError("expected a range (low, high) with -1 <= low <= high <= 1")
        return value

    @model_validator(mode="after")
    def _an_end(self) -> FindQuery:
        if self.cause is None and self.effect is None and self.outcome is None:
            raise ValueError("expected at least one of cause, effect or outcome")
        if self.since is not None and self.until is not None and self.since > self.until:
            raise ValueError("expected since <= until")
        return self

    @property
    def outcome_range(self) -> tuple[float, float] | None:
        """The outcome filter as a closed range of mean rewards (``None``: no filter)."""
        if self.outcome is None:
            return None
        if self.outcome == "good":
            return (1e-9, 1.0)
        if self.outcome == "bad":
            return (-1.0, -1e-9)
        low, high = self.outcome
        return (float(low), float(high))


class Chain(BaseModel):
    """One answer of :meth:`~absmem.AbstractionMemory.find`: an experience, the user turn it
    led to, its outcome and the lesson it belongs to, with how well it matched.

    Example:
        >>> from absmem import Experience
        >>> e = Experience(id="e1", namespace="ns", context="c", response="r", created_at=0)
        >>> Chain(experience=e, score=0.8).reward is None
        True
    """

    model_config = ConfigDict(frozen=True)

    experience: Experience = Field(description="The experience (situation and response).")
    led_to: Experience | None = Field(
        default=None, description="The user turn its response provoked (its led_to edge)."
    )
    reward: float | None = Field(
        default=None,
        description="Weighted mean of the rewards on its outcome in [-1, 1] (its own feedback "
        "and session outcomes at their weight); None when unrated.",
    )
    lesson_id: str | None = Field(default=None, description="The abstraction it belongs to.")
    lesson: str | None = Field(default=None, description="That abstraction's lesson.")
    score: float = Field(description="Mean match of the ends asked (higher is better).")
    cause_similarity: float | None = Field(
        default=None, description="Best cosine similarity of the cause to context or response."
    )
    effect_similarity: float | None = Field(
        default=None, description="Cosine similarity of the effect to the led_to turn."
    )
