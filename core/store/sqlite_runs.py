"""Run links in :class:`~absmem.store.SQLiteStore`: framework run ids to recalls and experiences.

An adapter links the run id a framework gave a call (a LangChain run, the id LangSmith feedback
uses; a LlamaIndex trace) to the recall and the experience that call produced, so that feedback
can later name the run. One row per ``(namespace, run_id)``; erasing the recall or the experience
erases the row (see :meth:`~absmem.store.SQLiteStore.forget`).

Example:
    >>> import os, tempfile
    >>> from absmem.store import SQLiteStore
    >>> from absmem.store.base import RunLinkRow
    >>> with tempfile.TemporaryDirectory() as d:
    ...     store = SQLiteStore(os.path.join(d, "absmem.db"))
    ...     store.put_run_link(RunLinkRow("default", "run-1", "rec_1", None, 0.0))
    ...     print(store.get_run_link("default", "run-1").recall_id,
    ...           store.get_run_link("other", "run-1"))
    ...     store.close()
    rec_1 None
"""

from __future__ import annotations

import sqlite3

from .sql_runs import SQLRunLinkTables

__all__ = ["RunLinkTables", "erase_run_links"]


class RunLinkTables(SQLRunLinkTables[sqlite3.Connection]):
    """Mixin of :class:`~absmem.store.SQLiteStore`: the ``run_links`` table."""

    _PUT_RUN_LINK = (
        "INSERT OR REPLACE INTO run_links (namespace, run_id, recall_id, experience_id, "
        "created_at) VALUES (?, ?, ?, ?, ?)"
    )
    _RUN_LINK = (
        "SELECT namespace, run_id, recall_id, experience_id, created_at FROM run_links "
        "WHERE namespace = ? AND run_id = ?"
    )


def erase_run_links(db: sqlite3.Connection, namespace: str) -> int:
    """Delete the links to erased recalls or experiences (the ``gone_*`` temp tables of an
    erasure, inside its transaction); returns how many were deleted."""
    cursor = db.execute(
        "DELETE FROM run_links WHERE namespace = ? AND (recall_id IN (SELECT id FROM gone_recalls) "
        "OR experience_id IN (SELECT id FROM gone_items))",
        (namespace,),
    )
    return cursor.rowcount
