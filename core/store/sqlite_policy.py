"""The recall policy's log in :class:`~absmem.store.SQLiteStore`: its SQL.

The statements the shared methods of :class:`~absmem.store.sql_policy.SQLPolicyTables` run on
SQLite: each recall served by a policy logs every candidate it ranked, their feature rows and
each one's probability of being served first; the policy's refit and off-policy evaluation read
it back joined with the feedback the recall earned, in the ledger's order (its ``rowid``).

Example:
    >>> import os, tempfile
    >>> from absmem.store import SQLiteStore
    >>> with tempfile.TemporaryDirectory() as d:
    ...     store = SQLiteStore(os.path.join(d, "absmem.db"))
    ...     print(store.policy_history("default", limit=10), store.get_policy_log("default", "r"))
    ...     store.close()
    [] None
"""

from __future__ import annotations

import sqlite3

from .rows import POLICY_LOG_COLUMNS
from .sql_policy import SQLPolicyTables, rated_feedback_sql

__all__ = ["PolicyTables"]


class PolicyTables(SQLPolicyTables[sqlite3.Connection]):
    """Mixin of :class:`~absmem.store.SQLiteStore`: the ``recall_features`` table."""

    _INSERT_POLICY_LOG = (
        f"INSERT INTO recall_features ({POLICY_LOG_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    )
    _POLICY_LOG = (
        f"SELECT {POLICY_LOG_COLUMNS} FROM recall_features WHERE recall_id = ? AND namespace = ?"
    )
    _RATED_FEEDBACK = rated_feedback_sql("?", "rowid")
    _POLICY_LOGS_IN = (
        f"SELECT {POLICY_LOG_COLUMNS} FROM recall_features WHERE namespace = ? "
        "AND recall_id IN ({many})"
    )
    _SERVED_IN = (
        "SELECT recall_id, item_id FROM recall_items WHERE recall_id IN ({many}) "
        "ORDER BY recall_id, rank"
    )
