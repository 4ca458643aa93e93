"""Records to table rows and back: the conversions SQLiteStore and PostgresStore share.

Both stores keep the same tables with the same columns, so a record becomes the same parameter
tuple and a fetched row the same record whatever the database: only the SQL around them differs
(placeholders, upserts), and that stays with each store. The column lists here fix the order in
which the converters read a row. Vectors and feature matrices are float32 bytes.

Example:
    >>> from absmem.store.rows import to_candidate, vector_bytes
    >>> import numpy as np
    >>> to_candidate((7, "e1", 2.0, 1.0, 1.0, 1.0, 1.0, 0.0, 5)).outcome.alpha
    2.0
    >>> len(vector_bytes(np.ones(3)))
    12
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import InvalidArgumentError, StoreCorruptError
from ..types import Outcome
from .base import (
    AbstractionRow,
    CandidateStats,
    CreditRow,
    EdgeRow,
    ExperienceRow,
    FeedbackRow,
    MembershipRow,
    PolicyLogRow,
    RecallItemRow,
    RecallRow,
    RunLinkRow,
    StoredExperience,
)

__all__ = [
    "ABSTRACTION_COLUMNS",
    "CANDIDATE_COLUMNS",
    "CREDIT_PREFIX",
    "EXPERIENCE_COLUMNS",
    "POLICY_LOG_COLUMNS",
    "abstraction_params",
    "batch_namespace",
    "blob_metadata",
    "credit_increment",
    "credit_params",
    "erasure_target",
    "experience_params",
    "feedback_params",
    "membership_params",
    "outcome",
    "policy_log_params",
    "recall_item_params",
    "recall_params",
    "run_link_params",
    "to_abstraction",
    "to_candidate",
    "to_edge",
    "to_experience",
    "to_policy_log",
    "vector_bytes",
    "vector_params",
]

EXPERIENCE_COLUMNS = (
    "seq, id, namespace, context, response, created_at, user_id, session_id, recall_id, "
    "metadata, out_alpha, out_beta, out_n, use_alpha, use_beta, use_n, compacted, "
    "ses_alpha, ses_beta, ses_n"
)
"""The ``experiences`` columns :func:`to_experience` reads, in its order."""

CREDIT_PREFIX = {"outcome": "out", "usage": "use", "session": "ses"}
"""The ``experiences`` statistics columns (``<prefix>_alpha``, ...) each credit channel adds to."""

CANDIDATE_COLUMNS = "seq, id, out_alpha, out_beta, out_n, use_alpha, use_beta, use_n, created_at"
"""The ``experiences`` columns :func:`to_candidate` reads, in its order."""

ABSTRACTION_COLUMNS = (
    "id, namespace, level, parent_id, support, situation, lesson, data, vectors, dim, "
    "created_at, updated_at"
)
"""The ``abstractions`` columns :func:`to_abstraction` reads and :func:`abstraction_params`
writes, in their order."""

POLICY_LOG_COLUMNS = "recall_id, namespace, policy, candidates, features, dim, top, created_at"
"""The ``recall_features`` columns :func:`to_policy_log` reads and :func:`policy_log_params`
writes, in their order."""


# -- values -----------------------------------------------------------------------------------


def outcome(alpha: float, beta: float, n: float) -> Outcome:
    """An ``Outcome`` from its three columns.

    Example:
        >>> outcome(3.0, 1.0, 2.0).n
        2.0
    """
    return Outcome(alpha=alpha, beta=beta, n=n)


def vector_bytes(vector: np.ndarray) -> bytes:
    """A vector as the float32 bytes of a vector column.

    Example:
        >>> np.frombuffer(vector_bytes(np.array([1, 2])), dtype=np.float32).tolist()
        [1.0, 2.0]
    """
    return np.ascontiguousarray(vector, dtype=np.float32).tobytes()


def blob_metadata(name: str, text: str) -> Any:
    """A blob's metadata column, parsed; damaged JSON is refused naming the blob.

    Example:
        >>> blob_metadata("policy", '{"evidence": 2}')
        {'evidence': 2}
        >>> blob_metadata("gnn", "{not json")
        Traceback (most recent call last):
          ...
        absmem.errors.StoreCorruptError: gnn: expected JSON metadata, ...
    """
    try:
        return json.loads(text)
    except (TypeError, ValueError) as err:
        raise StoreCorruptError(f"{name}: expected JSON metadata, {err}") from err


# -- arguments --------------------------------------------------------------------------------


def batch_namespace(rows: Sequence[ExperienceRow]) -> str:
    """The one namespace of a non-empty batch of experiences (several are refused).

    Example:
        >>> row = ExperienceRow("e1", "ns", "c", "r", np.zeros(2), np.zeros(2), 0.0)
        >>> batch_namespace([row, row])
        'ns'
    """
    namespace = rows[0].namespace
    if any(row.namespace != namespace for row in rows):
        raise InvalidArgumentError("rows", "experiences of one namespace", "several")
    return namespace


def erasure_target(user_id: str | None, session_id: str | None) -> tuple[str, str | None]:
    """``(column, value)`` of the user or the session to erase: exactly one must be given.

    Example:
        >>> erasure_target(None, "s1")
        ('session_id', 's1')
        >>> erasure_target("u1", "s1")
        Traceback (most recent call last):
          ...
        absmem.errors.InvalidArgumentError: user_id/session_id: expected exactly one of them, ...
    """
    if (user_id is None) == (session_id is None):
        raise InvalidArgumentError("user_id/session_id", "exactly one of them", None)
    return ("user_id", user_id) if user_id is not None else ("session_id", session_id)


# -- experiences, edges, recalls and feedback -------------------------------------------------


def to_experience(row: Sequence[Any]) -> StoredExperience:
    """A :class:`StoredExperience` from a row of :data:`EXPERIENCE_COLUMNS`.

    Example:
        >>> row = (7, "e1", "ns", "ctx", "resp", 1.5, "u", None, None, '{"k": 1}',
        ...        2.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0, 1.5, 1.0, 0.5)
        >>> e = to_experience(row)
        >>> e.seq, e.metadata, e.outcome.alpha, e.compacted, e.long_term.n
        (7, {'k': 1}, 2.0, False, 0.5)
    """
    return StoredExperience(
        seq=row[0], id=row[1], namespace=row[2], context=row[3], response=row[4],
        created_at=row[5], user_id=row[6], session_id=row[7], recall_id=row[8],
        metadata=json.loads(row[9]),
        outcome=outcome(row[10], row[11], row[12]),
        usage=outcome(row[13], row[14], row[15]), compacted=bool(row[16]),
        long_term=outcome(row[17], row[18], row[19]),
    )  # fmt: skip


def to_candidate(row: Sequence[Any]) -> CandidateStats:
    """A :class:`CandidateStats` from a row of :data:`CANDIDATE_COLUMNS`.

    Example:
        >>> to_candidate((7, "e1", 2.0, 1.0, 1.0, 1.0, 1.0, 0.0, 5)).created_at
        5.0
    """
    usage = outcome(row[5], row[6], row[7])
    return CandidateStats(row[0], row[1], outcome(row[2], row[3], row[4]), usage, float(row[8]))


def to_edge(row: Sequence[Any]) -> EdgeRow:
    """An :class:`EdgeRow` from a ``(src, dst, type, weight)`` row.

    Example:
        >>> to_edge(("e2", "e1", "next", 1.0))
        EdgeRow(src='e2', dst='e1', type='next', weight=1.0)
    """
    return EdgeRow(src=row[0], dst=row[1], type=row[2], weight=row[3])


def experience_params(seq: int, row: ExperienceRow) -> tuple[Any, ...]:
    """Parameters of an ``experiences`` insert: ``(seq, id, namespace, user_id, session_id,
    recall_id, context, response, metadata, created_at)``.

    Example:
        >>> row = ExperienceRow("e1", "ns", "c", "r", np.zeros(2), np.zeros(2), 0.0)
        >>> experience_params(7, row)
        (7, 'e1', 'ns', None, None, None, 'c', 'r', '{}', 0.0)
    """
    return (seq, row.id, row.namespace, row.user_id, row.session_id, row.recall_id,
            row.context, row.response, json.dumps(row.metadata), row.created_at)  # fmt: skip


def vector_params(seq: int, row: ExperienceRow) -> tuple[Any, ...]:
    """Parameters of an ``experience_vectors`` insert: ``(seq, context_vec, response_vec)``.

    Example:
        >>> row = ExperienceRow("e1", "ns", "c", "r", np.zeros(2), np.ones(2), 0.0)
        >>> vector_params(7, row)[0], len(vector_params(7, row)[2])
        (7, 8)
    """
    return (seq, vector_bytes(row.context_vec), vector_bytes(row.response_vec))


def recall_params(recall: RecallRow) -> tuple[Any, ...]:
    """Parameters of a ``recalls`` insert: ``(id, namespace, query, user_id, session_id,
    policy, created_at)``.

    Example:
        >>> recall_params(RecallRow("r1", "ns", "q", 1.0, "greedy"))
        ('r1', 'ns', 'q', None, None, 'greedy', 1.0)
    """
    return (recall.id, recall.namespace, recall.query, recall.user_id, recall.session_id,
            recall.policy, recall.created_at)  # fmt: skip


def recall_item_params(recall_id: str, item: RecallItemRow) -> tuple[Any, ...]:
    """Parameters of a ``recall_items`` insert: ``(recall_id, rank, item_id, item_kind, score,
    propensity, similarity)``.

    Example:
        >>> recall_item_params("r1", RecallItemRow(0, "e1", "experience", 0.9, 1.0))
        ('r1', 0, 'e1', 'experience', 0.9, 1.0, None)
    """
    return (recall_id, item.rank, item.item_id, item.item_kind, item.score, item.propensity,
            item.similarity)  # fmt: skip


def feedback_params(feedback: FeedbackRow) -> tuple[Any, ...]:
    """Parameters of a ``feedback`` insert: ``(id, namespace, target_kind, target_id, reward,
    user_id, session_id, created_at)``.

    Example:
        >>> feedback_params(FeedbackRow("f1", "ns", "recall", "r1", 1.0, 2.0))
        ('f1', 'ns', 'recall', 'r1', 1.0, None, None, 2.0)
    """
    return (feedback.id, feedback.namespace, feedback.target_kind, feedback.target_id,
            feedback.reward, feedback.user_id, feedback.session_id,
            feedback.created_at)  # fmt: skip


def credit_params(feedback_id: str, credit: CreditRow) -> tuple[Any, ...]:
    """Parameters of a ``credits`` insert: ``(feedback_id, item_id, channel, reward, weight)``.

    Example:
        >>> credit_params("f1", CreditRow("e1", "outcome", 1.0, 0.5))
        ('f1', 'e1', 'outcome', 1.0, 0.5)
    """
    return (feedback_id, credit.item_id, credit.channel, credit.reward, credit.weight)


def credit_increment(credit: CreditRow) -> tuple[str, float, float, float]:
    """What a credit adds to its experience: ``(column prefix, successes, failures, n)``.

    The reward is read as a success fraction ``(r + 1) / 2`` of the weight; the prefix is
    ``"out"`` for the outcome channel, ``"use"`` for usage and ``"ses"`` for session outcomes.

    Example:
        >>> credit_increment(CreditRow("e1", "usage", 0.5, 2.0))
        ('use', 1.5, 0.5, 2.0)
    """
    success = credit.weight * (credit.reward + 1.0) / 2.0
    prefix = CREDIT_PREFIX[credit.channel]
    return prefix, success, credit.weight - success, credit.weight


def run_link_params(row: RunLinkRow) -> tuple[Any, ...]:
    """Parameters of a ``run_links`` insert: ``(namespace, run_id, recall_id, experience_id,
    created_at)``.

    Example:
        >>> run_link_params(RunLinkRow("ns", "run-1", "r1", None, 0.0))
        ('ns', 'run-1', 'r1', None, 0.0)
    """
    return (row.namespace, row.run_id, row.recall_id, row.experience_id, row.created_at)


# -- abstractions and the policy log ----------------------------------------------------------


def to_abstraction(row: Sequence[Any]) -> AbstractionRow:
    """An :class:`AbstractionRow` from a row of :data:`ABSTRACTION_COLUMNS`.

    Example:
        >>> row = abstraction_params(AbstractionRow("a1", "ns", 0, None, 2, "s", "l", {},
        ...                                         np.ones((3, 2)), 0.0, 1.0))
        >>> to_abstraction(row).vectors.shape
        (3, 2)
    """
    dim = int(row[9])
    vectors = np.frombuffer(row[8], dtype=np.float32).reshape(-1, dim).copy()
    return AbstractionRow(
        id=row[0], namespace=row[1], level=int(row[2]), parent_id=row[3], support=int(row[4]),
        situation=row[5], lesson=row[6], data=json.loads(row[7]), vectors=vectors,
        created_at=float(row[10]), updated_at=float(row[11]),
    )  # fmt: skip


def abstraction_params(row: AbstractionRow) -> tuple[Any, ...]:
    """Parameters of an ``abstractions`` insert, in the order of :data:`ABSTRACTION_COLUMNS`.

    Example:
        >>> params = abstraction_params(AbstractionRow("a1", "ns", 0, None, 2, "s", "l",
        ...                                            {"k": 1}, np.ones((3, 2)), 0.0, 1.0))
        >>> params[7], len(params[8]), params[9]
        ('{"k": 1}', 24, 2)
    """
    vectors = np.ascontiguousarray(row.vectors, dtype=np.float32)
    return (
        row.id, row.namespace, row.level, row.parent_id, row.support, row.situation, row.lesson,
        json.dumps(row.data), vectors.tobytes(), int(vectors.shape[1]), row.created_at,
        row.updated_at,
    )  # fmt: skip


def membership_params(namespace: str, membership: MembershipRow) -> tuple[Any, ...]:
    """Parameters of a ``memberships`` insert: ``(abstraction_id, experience_id, namespace,
    approach)``.

    Example:
        >>> membership_params("ns", MembershipRow("a1", "e1", 2))
        ('a1', 'e1', 'ns', 2)
    """
    return (membership.abstraction_id, membership.experience_id, namespace, membership.approach)


def to_policy_log(row: Sequence[Any]) -> PolicyLogRow:
    """A :class:`PolicyLogRow` from a row of :data:`POLICY_LOG_COLUMNS`.

    Example:
        >>> log = PolicyLogRow("r1", "ns", "linear", ["e1"], ["experience"], [-1],
        ...                    np.ones((1, 3)), np.ones(1), 0.0)
        >>> back = to_policy_log(policy_log_params(log))
        >>> back.candidates, back.features.shape, back.top.tolist()
        (['e1'], (1, 3), [1.0])
    """
    listed = json.loads(row[3])
    dim = int(row[5])
    features = np.frombuffer(row[4], dtype=np.float32).reshape(-1, dim) if dim else np.zeros((0, 0))
    return PolicyLogRow(
        recall_id=row[0], namespace=row[1], policy=row[2], candidates=listed["ids"],
        kinds=listed["kinds"], advice=listed["advice"], features=features,
        top=np.frombuffer(row[6], dtype=np.float32), created_at=float(row[7]),
    )  # fmt: skip


def policy_log_params(log: PolicyLogRow) -> tuple[Any, ...]:
    """Parameters of a ``recall_features`` insert, in the order of :data:`POLICY_LOG_COLUMNS`.

    Example:
        >>> log = PolicyLogRow("r1", "ns", "linear", [], [], [], np.zeros((0, 0)),
        ...                    np.zeros(0), 0.0)
        >>> policy_log_params(log)[3:6]
        ('{"ids": [], "kinds": [], "advice": []}', b'', 0)
    """
    features = np.ascontiguousarray(log.features, dtype=np.float32)
    listed = {"ids": log.candidates, "kinds": log.kinds, "advice": log.advice}
    return (log.recall_id, log.namespace, log.policy, json.dumps(listed), features.tobytes(),
            features.shape[1] if features.ndim == 2 else 0,
            np.ascontiguousarray(log.top, dtype=np.float32).tobytes(), log.created_at)  # fmt: skip
