"""The recall policy's log in :class:`~absmem.store.PostgresStore`: features and propensities.

The statements the shared methods of :class:`~absmem.store.sql_policy.SQLPolicyTables` run on
PostgreSQL: each recall served by a policy logs every candidate it ranked, their feature rows
and each one's probability of being served first; the policy's refit and off-policy evaluation
read it back joined with the feedback the recall earned, in the ledger's arrival order (the
``arrival`` column).

Example:
    >>> from absmem.store import PostgresStore
    >>> store = PostgresStore("host=127.0.0.1 dbname=absmem")  # doctest: +SKIP
    >>> store.policy_history("default", limit=10), store.get_policy_log("default", "r")
    ...  # doctest: +SKIP
    ([], None)
    >>> from absmem.store.postgres_policy import PolicyTables
    >>> PolicyTables._RATED_FEEDBACK.endswith("ORDER BY f.arrival, c.item_id")
    True
"""

from __future__ import annotations

from .postgres_conn import Connection
from .rows import POLICY_LOG_COLUMNS
from .sql_policy import SQLPolicyTables, rated_feedback_sql

__all__ = ["PolicyTables"]


class PolicyTables(SQLPolicyTables[Connection]):
    """Mixin of :class:`~absmem.store.PostgresStore`: the ``recall_features`` table."""

    _INSERT_POLICY_LOG = (
        f"INSERT INTO recall_features ({POLICY_LOG_COLUMNS}) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    )
    _POLICY_LOG = (
        f"SELECT {POLICY_LOG_COLUMNS} FROM recall_features WHERE recall_id = %s AND namespace = %s"
    )
    _RATED_FEEDBACK = rated_feedback_sql("%s", "arrival")
    _POLICY_LOGS_IN = (
        f"SELECT {POLICY_LOG_COLUMNS} FROM recall_features WHERE namespace = %s "
        "AND recall_id = ANY({many})"
    )
    _SERVED_IN = (
        "SELECT recall_id, item_id FROM recall_items WHERE recall_id = ANY({many}) "
        "ORDER BY recall_id, rank"
    )
