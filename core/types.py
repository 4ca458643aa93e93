"""The pydantic models of absmem's public contract.

Example:
    >>> from absmem.types import MemoryItem, Recall
    >>> item = MemoryItem(id="e1", kind="experience", text="reset pin -> open the app",
    ...                   score=0.8, propensity=1.0, rank=0)
    >>> print(Recall(id="r1", query="pin?", namespace="default", items=[item]).as_prompt())
    Relevant past interactions (from memory, most useful first):
    1. reset pin -> open the app
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Assessment",
    "AssessmentBasis",
    "ConsolidationReport",
    "EdgeType",
    "Experience",
    "Feedback",
    "ForgetReport",
    "Interaction",
    "MemoryItem",
    "Outcome",
    "Recall",
]


class EdgeType(str, Enum):
    """The typed edges of the experience graph (see ``docs/architecture.md``)."""

    SIMILAR = "similar"
    """New experience -> its nearest stored contexts, weighted by cosine similarity."""
    NEXT = "next"
    """Previous experience of a session -> the next one."""
    INFORMED_BY = "informed_by"
    """Experience -> a memory item (experience or lesson) that was recalled for it."""
    LED_TO = "led_to"
    """Experience -> the next turn of its session, when that turn followed within the window:
    the user's reply that the response provoked (follow-up, complaint, thanks)."""
    SAME_APPROACH = "same_approach"
    """Experience -> the experiences with the nearest responses (derived from the stored
    response vectors when the graph is extracted)."""
    MEMBER_OF = "member_of"
    """Experience -> the abstraction it belongs to (stored with the approach it used)."""
    REFINES = "refines"
    """Abstraction -> the broader abstraction it is a case of."""


class Outcome(BaseModel):
    """A Beta posterior over the chance that something leads to a good outcome.

    Rewards in [-1, 1] are read as a success fraction ``(r + 1) / 2``: a reward adds that
    fraction, times the credit weight, to ``alpha`` and the rest to ``beta``. The prior is
    Beta(1, 1), so an unrated item has mean 0.5.

    Example:
        >>> Outcome().updated(1.0).mean
        0.6666666666666666
    """

    model_config = ConfigDict(frozen=True)

    alpha: float = Field(default=1.0, gt=0, description="Beta posterior alpha (successes + 1).")
    beta: float = Field(default=1.0, gt=0, description="Beta posterior beta (failures + 1).")
    n: float = Field(default=0.0, ge=0, description="Total credit weight of feedback received.")

    @property
    def mean(self) -> float:
        """Posterior mean chance of a good outcome, in (0, 1)."""
        return self.alpha / (self.alpha + self.beta)

    @classmethod
    def pool(cls, outcomes: Iterable[Outcome]) -> Outcome:
        """One posterior holding every feedback of ``outcomes`` (their shared prior counted once).

        Example:
            >>> pooled = Outcome.pool([Outcome().updated(1.0), Outcome().updated(0.0)])
            >>> (pooled.alpha, pooled.beta, pooled.n)
            (2.5, 1.5, 2.0)
        """
        alpha = beta = n = 0.0
        for outcome in outcomes:
            alpha += outcome.alpha - 1.0
            beta += outcome.beta - 1.0
            n += outcome.n
        return cls(alpha=1.0 + max(alpha, 0.0), beta=1.0 + max(beta, 0.0), n=n)

    def updated(self, reward: float, weight: float = 1.0) -> Outcome:
        """Return the posterior after one reward in [-1, 1] with the given credit weight."""
        success = (reward + 1.0) / 2.0
        return Outcome(
            alpha=self.alpha + weight * success,
            beta=self.beta + weight * (1.0 - success),
            n=self.n + weight,
        )


class Experience(BaseModel):
    """One stored interaction: the situation, the response taken, and its outcome so far."""

    id: str = Field(description="Stable id, returned by ``remember``.")
    namespace: str = Field(description="Tenant the experience belongs to.")
    context: str = Field(description="The situation: the user's request or the conversation turn.")
    response: str = Field(description="The response or action taken.")
    user_id: str | None = Field(default=None, description="User the interaction came from.")
    session_id: str | None = Field(default=None, description="Session (conversation) id.")
    recall_id: str | None = Field(default=None, description="Recall that informed the response.")
    metadata: dict[str, Any] = Field(default_factory=dict, description="Caller's JSON metadata.")
    created_at: float = Field(description="Unix time the experience was stored.")
    outcome: Outcome = Field(
        default_factory=Outcome,
        description="Feedback on the response: immediate feedback plus the session outcomes "
        "it shares in, weighted by ``session_weight`` (what recall and assess read).",
    )
    usage: Outcome = Field(
        default_factory=Outcome, description="Credit earned when recalled for other requests."
    )
    long_term: Outcome = Field(
        default_factory=Outcome,
        description="Session outcomes alone (``feedback(session_id=...)``), discounted by "
        "distance to the session's last turn, unweighted.",
    )


class MemoryItem(BaseModel):
    """One item served by ``recall``, with the score and the propensity it was served with."""

    id: str = Field(description="Id of the experience (or lesson) served.")
    kind: Literal["lesson", "experience"] = Field(description="What the item is.")
    text: str = Field(description="The item rendered for a prompt.")
    score: float = Field(description="The ranking score the policy gave the item.")
    propensity: float = Field(
        ge=0.0, le=1.0, description="Probability that the policy put this item at this rank."
    )
    rank: int = Field(ge=0, description="0-based position in the served ranking.")
    similarity: float | None = Field(default=None, description="Cosine similarity to the query.")
    advice: str | None = Field(default=None, description="The response that worked, when known.")
    avoid: str | None = Field(default=None, description="A response that failed, when known.")
    support: float = Field(default=0.0, ge=0.0, description="Feedback weight behind the item.")
    utility: float = Field(default=0.5, description="Posterior chance the item leads to success.")
    context: str | None = Field(default=None, description="The stored situation (experiences).")
    response: str | None = Field(default=None, description="The stored response (experiences).")


class Recall(BaseModel):
    """The result of ``recall``: a logged ranking of memory items."""

    id: str = Field(description="Recall id: pass it to ``remember`` and ``feedback``.")
    query: str = Field(description="The query recalled for.")
    namespace: str = Field(description="Tenant the recall ran in.")
    items: list[MemoryItem] = Field(default_factory=list, description="Served ranking, best first.")
    user_id: str | None = Field(default=None, description="User the recall was made for.")
    session_id: str | None = Field(default=None, description="Session the recall was made in.")
    policy: str = Field(default="", description="Name of the policy that ranked the items.")

    def as_prompt(self, header: str | None = None) -> str:
        """Render the items as a text block for a system prompt; empty when nothing was found."""
        if not self.items:
            return ""
        lines = [header or "Relevant past interactions (from memory, most useful first):"]
        lines += [f"{i}. {item.text}" for i, item in enumerate(self.items, start=1)]
        return "\n".join(lines)


class Feedback(BaseModel):
    """One reward given to a recall or an experience."""

    id: str = Field(description="Feedback id.")
    namespace: str = Field(description="Tenant of the target.")
    target_id: str = Field(description="The recall or experience rated.")
    target_kind: Literal["recall", "experience", "session"] = Field(
        description="What was rated (``session``: a whole conversation, ``target_id`` its id)."
    )
    reward: float = Field(ge=-1.0, le=1.0, description="Reward in [-1, 1].")
    created_at: float = Field(description="Unix time the feedback arrived.")
    user_id: str | None = Field(default=None, description="User the feedback concerns.")
    session_id: str | None = Field(default=None, description="Session the feedback concerns.")
    run_id: str | None = Field(
        default=None, description="The framework run id the feedback named, when it named one."
    )


class Interaction(BaseModel):
    """One interaction to remember (the argument of ``remember_many``)."""

    context: str = Field(description="The situation: the user's request or turn.")
    response: str = Field(description="The response or action taken.")
    user_id: str | None = Field(default=None, description="User the interaction came from.")
    session_id: str | None = Field(default=None, description="Session (conversation) id.")
    recall_id: str | None = Field(default=None, description="Recall that informed the response.")
    metadata: dict[str, Any] = Field(default_factory=dict, description="Caller's JSON metadata.")


class ForgetReport(BaseModel):
    """What ``forget`` erased."""

    namespace: str = Field(description="Tenant the erasure ran in.")
    experiences: int = Field(ge=0, description="Experiences erased (with their edges and vectors).")
    recalls: int = Field(ge=0, description="Logged recalls (and their queries) erased.")
    feedback: int = Field(ge=0, description="Feedback records erased.")


class AssessmentBasis(BaseModel):
    """One stored experience an assessment rests on, with its kernel weight and its outcome."""

    id: str = Field(description="Id of the stored experience.")
    context_similarity: float = Field(description="Cosine similarity of its context.")
    response_similarity: float = Field(description="Cosine similarity of its response.")
    weight: float = Field(ge=0.0, description="Kernel weight it had in the estimate, in [0, 1].")
    outcome: Outcome = Field(description="Feedback on its response (the Beta posterior).")


class Assessment(BaseModel):
    """The result of ``assess``: the reward a candidate response can expect, and on what basis.

    Example:
        >>> from absmem.types import Assessment
        >>> a = Assessment(context="pin?", response="Cards > Reset PIN", namespace="default",
        ...                expected_reward=0.4, confidence=0.5, evidence=2.0, prior=0.1)
        >>> a.expected_reward > a.prior, a.basis
        (True, [])
    """

    context: str = Field(description="The situation assessed.")
    response: str = Field(description="The candidate response assessed.")
    namespace: str = Field(description="Tenant whose memories were used.")
    expected_reward: float = Field(
        ge=-1.0, le=1.0, description="Posterior mean reward in [-1, 1], shrunk toward the prior."
    )
    confidence: float = Field(
        ge=0.0, le=1.0, description="Share of the estimate carried by evidence rather than prior."
    )
    evidence: float = Field(ge=0.0, description="Kernel-weighted feedback behind the estimate.")
    prior: float = Field(
        ge=-1.0, le=1.0, description="The namespace's mean reward, the estimate with no evidence."
    )
    basis: list[AssessmentBasis] = Field(
        default_factory=list, description="The stored experiences weighed, heaviest first."
    )


class ConsolidationReport(BaseModel):
    """What one ``consolidate()`` did: the GNN's training, the abstractions learned, forgetting.

    Example:
        >>> from absmem.types import ConsolidationReport
        >>> ConsolidationReport(namespace="default", experiences=0).abstractions
        0
    """

    namespace: str = Field(description="Tenant consolidated.")
    experiences: int = Field(ge=0, description="Experiences in the graph it learned from.")
    abstractions: int = Field(default=0, ge=0, description="Specific abstractions learned.")
    broad: int = Field(default=0, ge=0, description="Broader abstractions (``refines`` parents).")
    kept: int = Field(default=0, ge=0, description="Abstractions that kept their id.")
    new: int = Field(default=0, ge=0, description="Abstractions with a new id.")
    retired: int = Field(default=0, ge=0, description="Old abstractions gone or retired.")
    lessons_changed: int = Field(default=0, ge=0, description="Lessons whose text changed.")
    compacted: int = Field(default=0, ge=0, description="Episodes that lost their text.")
    full_episodes: int = Field(default=0, ge=0, description="Episodes still holding their text.")
    trained: bool = Field(default=False, description="Whether the GNN was (re)trained.")
    training: dict[str, Any] = Field(default_factory=dict, description="GNN training metrics.")
    seconds: dict[str, float] = Field(default_factory=dict, description="Time per phase.")
    policy: dict[str, Any] = Field(
        default_factory=dict,
        description="The recall policy's refit: whether it replaced the serving one, and why.",
    )
