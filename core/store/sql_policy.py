"""The recall policy's log, written once for both SQL stores: features and propensities.

Each recall served by a policy logs every candidate it ranked (ids, kinds, the approach a lesson
advised), their feature rows and each one's probability of being served first. The policy's refit
and off-policy evaluation (:mod:`absmem.policy.ope`) read it back joined with the feedback the
recall earned, whether given on the recall, on the experience it informed or on the session of
that experience (a session outcome counts for every recall that informed one of its turns), in
the ledger's arrival order (SQLite's ``rowid``, PostgreSQL's ``arrival`` column).

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
    ``mark``, arrival column ``arrival`` of ``feedback``); it takes the namespace twice.

    A feedback on a recall or an experience gives one recall its row per usage credit. A
    session outcome gives each recall that informed a turn of the session its rows, with the
    usage credits of the items that recall served.

    Example:
        >>> rated_feedback_sql("?", "rowid").count("?")
        2
    """
    return (
        "SELECT id, recall_id, reward, item_id, weight FROM ("
        "SELECT f.id, COALESCE(e.recall_id, f.target_id) AS recall_id, f.reward, c.item_id, "
        f"c.weight, f.{arrival} AS arrival FROM feedback f "
        "LEFT JOIN experiences e ON f.target_kind = 'experience' "
        "AND e.id = f.target_id AND e.namespace = f.namespace "
        "LEFT JOIN credits c ON c.feedback_id = f.id AND c.channel = 'usage' "
        f"WHERE f.namespace = {mark} AND f.target_kind <> 'session' "
        "UNION ALL "
        f"SELECT f.id, s.recall_id, f.reward, c.item_id, c.weight, f.{arrival} FROM feedback f "
        "JOIN experiences s ON s.namespace = f.namespace AND s.session_id = f.target_id "
        "AND s.recall_id IS NOT NULL "
        "LEFT JOIN credits c ON c.feedback_id = f.id AND c.channel = 'usage' AND c.item_id IN "
        "(SELECT ri.item_id FROM recall_items ri WHERE ri.recall_id = s.recall_id) "
        f"WHERE f.namespace = {mark} AND f.target_kind = 'session'"
        ") rated ORDER BY arrival, recall_id, item_id"
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

        A recall's rewards are those given on it, on an experience it informed or on that
        experience's session, in arrival order; its credits are the usage credits those
        feedbacks gave its served items.
        """
        rows = self._read(self._RATED_FEEDBACK, (namespace, namespace))
        rated = rated_recalls(rows, limit)
        logs = {
            row[0]: to_policy_log(row)
            for row in self._read_in(
                self._POLICY_LOGS_IN, rated.last, before=(namespace,), chunked=True
            )
        }
        served = self._read_in(self._SERVED_IN, rated.last, chunked=True)
        return logged_recalls(rated, logs, served)
