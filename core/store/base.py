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
    "CandidateStats",
    "CreditRow",
    "EdgeRow",
    "ExperienceRow",
    "FeedbackRow",
    "ForgetResult",
    "GraphStore",
    "RecallItemRow",
    "RecallRow",
    "StoredExperience",
]

Channel = Literal["outcome", "usage"]


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


@dataclass(frozen=True)
class CandidateStats:
    """The light read of an experience that ranking needs: key, id and statistics."""

    seq: int
    id: str
    outcome: Outcome
    usage: Outcome


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
class ForgetResult:
    """What an erasure removed."""

    experiences: int
    seqs: list[int]
    recalls: int
    feedback: int


@runtime_checkable
class GraphStore(Protocol):
    """Durable storage of the experience graph, the recall log, feedback and model blobs."""

    def check_embedder(self, name: str, dim: int) -> None:
        """Record the embedder of a new store, or raise if the store was built with another."""
        ...

    def add_experiences(self, rows: Sequence[ExperienceRow], edges: Sequence[EdgeRow]) -> list[int]:
        """Insert experiences of one namespace and their edges in one transaction.

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

    def last_in_session(self, namespace: str, session_id: str) -> str | None:
        """Id of the most recent experience of a session, if any."""
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

    def log_recall(self, recall: RecallRow, items: Sequence[RecallItemRow]) -> None:
        """Append a served recall and its items to the recall log."""
        ...

    def get_recall(self, namespace: str, recall_id: str) -> tuple[RecallRow, list[RecallItemRow]]:
        """Read a logged recall; raise ``UnknownTargetError`` when the namespace lacks it."""
        ...

    def add_feedback(self, feedback: FeedbackRow, credits: Sequence[CreditRow]) -> None:
        """Record a feedback and apply its credits to the experiences' statistics."""
        ...

    def forget(
        self, namespace: str, user_id: str | None = None, session_id: str | None = None
    ) -> ForgetResult:
        """Erase every experience, edge, recall and feedback of a user or session."""
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
