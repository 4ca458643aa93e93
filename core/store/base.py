"""The :class:`GraphStore` protocol: what the memory needs from a durable store.

A store holds experience nodes (with their context and response vectors), typed edges, the
feedback ledger and the credit it gave, the recall log (every served item with its score and
propensity) and model blobs, separated by namespace. Every write method is one transaction: when
it returns, the write is durable.

Example:
    >>> from absmem.store import GraphStore, SQLiteStore
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     store = SQLiteStore(os.path.join(d, "absmem.db"))
    ...     print(isinstance(store, GraphStore), store.count("default"))
    ...     store.close()
    True 0
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

from ..types import Outcome

__all__ = [
    "AbstractionRow",
    "ApproachStats",
    "CandidateStats",
    "CreditRow",
    "EdgeRow",
    "ExperienceRow",
    "FeedbackRow",
    "ForgetResult",
    "GraphSnapshot",
    "GraphStore",
    "LoggedRecall",
    "MembershipRow",
    "PolicyLogRow",
    "RecallItemRow",
    "RecallRow",
    "RunLinkRow",
    "StoredExperience",
]

Channel = Literal["outcome", "usage", "session"]


@dataclass(frozen=True)
class ExperienceRow:
    """An experience to insert."""

    id: str
    namespace: str
    context: str
    response: str
    context_vec: np.ndarray
    response_vec: np.ndarray
    created_at: float
    user_id: str | None = None
    session_id: str | None = None
    recall_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredExperience:
    """An experience as read back, with its integer key (the vector index id) and statistics."""

    seq: int
    id: str
    namespace: str
    context: str
    response: str
    created_at: float
    user_id: str | None
    session_id: str | None
    recall_id: str | None
    metadata: dict[str, Any]
    outcome: Outcome
    usage: Outcome
    compacted: bool = False
    long_term: Outcome = field(default_factory=Outcome)


@dataclass(frozen=True)
class CandidateStats:
    """The light read of an experience that ranking needs: key, id and statistics."""

    seq: int
    id: str
    outcome: Outcome
    usage: Outcome
    created_at: float = 0.0


@dataclass(frozen=True)
class EdgeRow:
    """A typed, weighted, directed edge between two node ids of one namespace."""

    src: str
    dst: str
    type: str
    weight: float = 1.0


@dataclass(frozen=True)
class RecallRow:
    """A served recall."""

    id: str
    namespace: str
    query: str
    created_at: float
    policy: str
    user_id: str | None = None
    session_id: str | None = None


@dataclass(frozen=True)
class PolicyLogRow:
    """What the recall policy saw and did for one recall, for its refit and off-policy evaluation.

    Row ``i`` of ``features`` describes candidate ``candidates[i]`` (of kind ``kinds[i]``; a
    lesson's advised approach is ``advice[i]``, -1 for none); ``top[i]`` is the probability that
    the serving policy put it first.
    """

    recall_id: str
    namespace: str
    policy: str
    candidates: list[str]
    kinds: list[str]
    advice: list[int]
    features: np.ndarray
    top: np.ndarray
    created_at: float


@dataclass(frozen=True)
class LoggedRecall:
    """A logged recall that received feedback: its log, served ids (best first), the rewards in
    arrival order and its usage credits ``(item id, reward, weight)``."""

    log: PolicyLogRow
    served: list[str]
    rewards: list[float]
    credits: list[tuple[str, float, float]]


@dataclass(frozen=True)
class RecallItemRow:
    """One served item of a recall: its rank, score and propensity (for off-policy evaluation)."""

    rank: int
    item_id: str
    item_kind: str
    score: float
    propensity: float
    similarity: float | None = None


@dataclass(frozen=True)
class FeedbackRow:
    """One reward on a recall or an experience."""

    id: str
    namespace: str
    target_kind: str
    target_id: str
    reward: float
    created_at: float
    user_id: str | None = None
    session_id: str | None = None


@dataclass(frozen=True)
class CreditRow:
    """The share of one feedback credited to one experience on one channel."""

    item_id: str
    channel: Channel
    reward: float
    weight: float


@dataclass(frozen=True)
class RunLinkRow:
    """A framework run id linked to the recall and the experience that run produced."""

    namespace: str
    run_id: str
    recall_id: str | None
    experience_id: str | None
    created_at: float


@dataclass(frozen=True)
class ForgetResult:
    """What an erasure removed."""

    experiences: int
    seqs: list[int]
    recalls: int
    feedback: int


@dataclass(frozen=True)
class AbstractionRow:
    """A learned abstraction as stored.

    ``vectors`` holds float32 rows: the situation prototype (mean member context), the mean
    member response, then one centroid per approach (in the residual space of responses minus
    their mean). ``data`` is JSON: the approaches' exemplars and members, the advice, the
    parent-approach map and what the lesson writer was given.
    """

    id: str
    namespace: str
    level: int
    parent_id: str | None
    support: int
    situation: str
    lesson: str
    data: dict[str, Any]
    vectors: np.ndarray
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class MembershipRow:
    """A ``member_of`` edge: an experience in an abstraction, with the approach it used."""

    abstraction_id: str
    experience_id: str
    approach: int


@dataclass(frozen=True)
class ApproachStats:
    """Pooled outcome feedback of the members of one approach of one abstraction."""

    abstraction_id: str
    approach: int
    successes: float
    failures: float
    members: int


@dataclass
class GraphSnapshot:
    """A namespace's whole graph as arrays: the input of extraction, training and learning.

    Row ``i`` of the experience arrays is the experience ``ids[i]`` (key ``seqs[i]``), in key
    order. ``edges`` maps an edge type to ``(src rows, dst rows, weights)`` between experiences;
    ``informed_by_lessons`` holds ``(experience row, abstraction id)`` pairs.
    """

    namespace: str
    seqs: np.ndarray
    ids: list[str]
    contexts: np.ndarray
    responses: np.ndarray
    outcome: np.ndarray
    usage: np.ndarray
    created_at: np.ndarray
    users: list[str | None]
    sessions: list[str | None]
    compacted: np.ndarray
    edges: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]
    informed_by_lessons: list[tuple[int, str]]
    abstractions: list[AbstractionRow]
    memberships: list[MembershipRow]
    contexts_text: list[str] = field(default_factory=list)
    responses_text: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)


@runtime_checkable
class GraphStore(Protocol):
    """Durable storage of the experience graph, the recall log, feedback and model blobs."""

    def check_embedder(self, name: str, dim: int) -> None:
        """Record the embedder of a new store, or raise if the store was built with another."""
        ...

    def add_experiences(
        self,
        rows: Sequence[ExperienceRow],
        edges: Sequence[EdgeRow],
        memberships: Sequence[MembershipRow] = (),
    ) -> list[int]:
        """Insert experiences of one namespace, their edges and memberships in one transaction.

        Returns the experiences' integer keys (their vector index ids), in order.
        """
        ...

    def get_experiences(self, namespace: str, seqs: Sequence[int]) -> list[StoredExperience]:
        """Read experiences by key, in the order given, skipping keys not in ``namespace``."""
        ...

    def candidate_stats(self, namespace: str, seqs: Sequence[int]) -> list[CandidateStats]:
        """Id and outcome statistics of experiences by key (the light read ranking needs)."""
        ...

    def ids_for(self, namespace: str, seqs: Sequence[int]) -> dict[int, str]:
        """Map experience keys of ``namespace`` to their ids (keys not held are left out)."""
        ...

    def get_experience(self, namespace: str, experience_id: str) -> StoredExperience | None:
        """Read one experience by id, or ``None`` when the namespace does not hold it."""
        ...

    def experiences_for_recall(self, namespace: str, recall_id: str) -> list[str]:
        """Ids of the experiences whose response was informed by ``recall_id``."""
        ...

    def last_turns(
        self, namespace: str, session_ids: Sequence[str]
    ) -> dict[str, tuple[str, float]]:
        """``{session_id: (id, created_at)}`` of each session's most recent experience (sessions
        with none are left out)."""
        ...

    def session_keys(self, namespace: str, session_id: str) -> list[int]:
        """The keys of a session's experiences in the order they were stored (its ``next``
        chain)."""
        ...

    def typed_edges(
        self, namespace: str, node_ids: Sequence[str], edge_type: str, *, incoming: bool = False
    ) -> list[EdgeRow]:
        """The ``edge_type`` edges leaving ``node_ids`` (``incoming``: arriving at them)."""
        ...

    def edges(self, namespace: str, node_id: str) -> list[EdgeRow]:
        """Edges leaving ``node_id``."""
        ...

    def count(self, namespace: str) -> int:
        """Number of experiences in ``namespace``."""
        ...

    def namespaces(self) -> list[str]:
        """Namespaces that hold or held experiences."""
        ...

    def vector_version(self, namespace: str) -> int:
        """A counter that changes whenever the namespace's set of vectors changes."""
        ...

    def iter_vectors(
        self, namespace: str, batch: int = 4096
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(keys, context vectors)`` of every experience in ``namespace``, in batches."""
        ...

    def keys(self, namespace: str) -> np.ndarray:
        """Keys of every experience in ``namespace``, ascending."""
        ...

    def get_vectors(self, namespace: str, seqs: Sequence[int]) -> np.ndarray:
        """Context vectors of the experiences with these keys, in the order given."""
        ...

    def get_response_vectors(self, namespace: str, seqs: Sequence[int]) -> np.ndarray:
        """Response vectors of the experiences with these keys, in the order given."""
        ...

    def log_recall(
        self, recall: RecallRow, items: Sequence[RecallItemRow], log: PolicyLogRow | None = None
    ) -> None:
        """Append a served recall, its items and the policy's log of it to the recall log."""
        ...

    def get_policy_log(self, namespace: str, recall_id: str) -> PolicyLogRow | None:
        """The policy's log of one recall, or ``None``."""
        ...

    def policy_history(self, namespace: str, limit: int) -> list[LoggedRecall]:
        """The ``limit`` most recently rated logged recalls, oldest first."""
        ...

    def get_recall(self, namespace: str, recall_id: str) -> tuple[RecallRow, list[RecallItemRow]]:
        """Read a logged recall; raise ``UnknownTargetError`` when the namespace lacks it."""
        ...

    def add_feedback(self, feedback: FeedbackRow, credits: Sequence[CreditRow]) -> None:
        """Record a feedback and apply its credits to the experiences' statistics."""
        ...

    def add_feedback_many(self, entries: Sequence[tuple[FeedbackRow, Sequence[CreditRow]]]) -> None:
        """Record feedbacks of one namespace and their credits in one transaction, in order."""
        ...

    def feedback_ids(self, namespace: str, ids: Sequence[str]) -> set[str]:
        """Which of the feedback ``ids`` the ledger of ``namespace`` holds."""
        ...

    def feedback_log(
        self,
        namespace: str,
        *,
        targets: Sequence[str] | None = None,
        since: float | None = None,
        until: float | None = None,
    ) -> list[FeedbackRow]:
        """The feedback of ``namespace`` in arrival order (the ledger's): every one, those on
        ``targets`` (recall, experience or session ids), and/or those created in
        ``[since, until)``."""
        ...

    def forget(
        self, namespace: str, user_id: str | None = None, session_id: str | None = None
    ) -> ForgetResult:
        """Erase every experience, edge, recall, feedback and run link of a user or session."""
        ...

    def put_run_link(self, row: RunLinkRow) -> None:
        """Insert or replace the link of ``row.run_id`` in ``row.namespace``."""
        ...

    def get_run_link(self, namespace: str, run_id: str) -> RunLinkRow | None:
        """The link of a run id in ``namespace``, or ``None``."""
        ...

    def snapshot(self, namespace: str) -> GraphSnapshot:
        """The namespace's experiences, edges, abstractions and memberships as arrays."""
        ...

    def abstractions(self, namespace: str) -> list[AbstractionRow]:
        """Every abstraction of ``namespace``."""
        ...

    def replace_abstractions(
        self,
        namespace: str,
        rows: Sequence[AbstractionRow],
        memberships: Sequence[MembershipRow],
        blobs: Sequence[tuple[str, bytes, dict[str, Any]]] = (),
    ) -> None:
        """Swap the namespace's abstractions, memberships and model blobs in one transaction."""
        ...

    def add_memberships(self, namespace: str, memberships: Sequence[MembershipRow]) -> None:
        """Insert ``member_of`` edges (an experience joining an abstraction online)."""
        ...

    def put_abstraction(self, row: AbstractionRow) -> None:
        """Insert or replace one abstraction (its memberships are left as they are)."""
        ...

    def approach_stats(
        self, namespace: str, abstraction_ids: Sequence[str], discount: float = 1.0,
        window: int = 0,
    ) -> list[ApproachStats]:  # fmt: skip
        """Live outcome statistics per (abstraction, approach), pooled over the members."""
        ...

    def item_usage(self, namespace: str, item_ids: Sequence[str]) -> dict[str, Outcome]:
        """The usage posterior of items (lessons) from the credit ledger."""
        ...

    def memberships_of(
        self, namespace: str, experience_ids: Sequence[str]
    ) -> dict[str, list[tuple[str, int]]]:
        """``(abstraction id, approach)`` of each experience's memberships."""
        ...

    def abstractions_of(
        self, namespace: str, user_id: str | None = None, session_id: str | None = None
    ) -> list[str]:
        """Ids of the abstractions a user's or session's experiences are members of."""
        ...

    def compact(self, namespace: str, experience_ids: Sequence[str]) -> list[int]:
        """Erase the text of absorbed experiences (statistics and vectors stay); their keys."""
        ...

    def put_blob(self, namespace: str, name: str, data: bytes, metadata: dict[str, Any]) -> None:
        """Store (or replace) a named binary blob, such as model weights."""
        ...

    def get_blob(self, namespace: str, name: str) -> tuple[bytes, dict[str, Any]] | None:
        """Read a named blob and its metadata, or ``None``."""
        ...

    def close(self) -> None:
        """Flush and close; later calls fail."""
        ...
