"""The recall policy's log, written once for both SQL stores: features and propensities.

Each recall served by a policy logs every candidate it ranked (ids, kinds, the approach a lesson
advised), their feature rows and each one's probability of being served first. The policy's refit
and off-policy evaluation (:mod:`absmem.policy.ope`) read it back joined with the feedback the
recall earned, whether given on the recall, on the experience it informed, or as its share of a
session outcome (a ``session_recall`` entry), in the ledger's arrival order (SQLite's
``rowid``, PostgreSQL's ``arrival`` column).

Example:
    >>> from absmem.store.sql_policy import SQLPolicyTables
    >>> sorted(SQLPolicyTables.__annotations__)  # the statements a store writes
    ['_INSERT_POLICY_LOG', '_POLICY_LOG', '_POLICY_LOGS_IN', '_RATED_FEEDBACK', '_SERVED_IN']
"""

from __future__ import annotations

from typing import ClassVar

from .assemble import logged_recalls, rated_recalls
from .base import LoggedRecall, PolicyLogRow
from .rows import policy_log_params, to_policy_log
from .sql_base import DB, SQLBase

__all__ = ["SQLPolicyTables", "rated_feedback_sql"]


def rated_feedback_sql(mark: str, arrival: str) -> str:
    """The statement of :attr:`SQLPolicyTables._RATED_FEEDBACK` in a dialect (placeholder
    ``mark``, arrival column ``arrival`` of ``feedback``).

    A feedback on an experience counts for the recall that informed it; any other feedback for
    its target (a recall, or the recall a session outcome reached: ``session_recall``). A
    feedback on a whole session (``session``) names no recall: its shares for the recalls are
    its ``session_recall`` entries.

    Example:
        >>> rated_feedback_sql("?", "rowid").count("?")
        1
    """
    return (
        "SELECT f.id, COALESCE(e.recall_id, f.target_id), f.reward, c.item_id, c.weight "
        "FROM feedback f LEFT JOIN experiences e ON f.target_kind = 'experience' "
        "AND e.id = f.target_id AND e.namespace = f.namespace "
        "LEFT JOIN credits c ON c.feedback_id = f.id AND c.channel = 'usage' "
        f"WHERE f.namespace = {mark} ORDER BY f.{arrival}, c.item_id"
    )


class SQLPolicyTables(SQLBase[DB]):
    """The ``recall_features`` methods of a SQL store, and its policy history."""

    _INSERT_POLICY_LOG: ClassVar[str]
    """Insert a log (:func:`~absmem.store.rows.policy_log_params`)."""
    _POLICY_LOG: ClassVar[str]
    """The log (:data:`~absmem.store.rows.POLICY_LOG_COLUMNS`) of ``(recall_id, namespace)``."""
    _RATED_FEEDBACK: ClassVar[str]
    """The namespace's ``(feedback id, recall id, reward, usage-credited item, weight)`` rows
    in arrival order (see :func:`~absmem.store.assemble.rated_recalls`)."""
    _POLICY_LOGS_IN: ClassVar[str]
    """The logs of ``namespace`` for the recall ids ``{many}``."""
    _SERVED_IN: ClassVar[str]
    """``(recall_id, item_id)`` of the recalls ``{many}``, by recall then rank."""

    def _log_policy(self, db: DB, log: PolicyLogRow) -> None:
        db.execute(self._INSERT_POLICY_LOG, policy_log_params(log))

    def get_policy_log(self, namespace: str, recall_id: str) -> PolicyLogRow | None:
        """The policy's log of one recall, or ``None``."""
        rows = self._read(self._POLICY_LOG, (recall_id, namespace))
        return to_policy_log(rows[0]) if rows else None

    def policy_history(self, namespace: str, limit: int) -> list[LoggedRecall]:
        """The ``limit`` most recently rated logged recalls, oldest first.

        A recall's rewards are those given on it, on an experience it informed or as its share
        of a session outcome, in arrival order; its credits are the usage credits those
        feedbacks gave its served items.
        """
        rows = self._read(self._RATED_FEEDBACK, (namespace,))
        rated = rated_recalls(rows, limit)
        logs = {
            row[0]: to_policy_log(row)
            for row in self._read_in(
                self._POLICY_LOGS_IN, rated.last, before=(namespace,), chunked=True
            )
        }
        served = self._read_in(self._SERVED_IN, rated.last, chunked=True)
        return logged_recalls(rated, logs, served)
