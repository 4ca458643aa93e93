"""Run links, written once for both SQL stores: framework run ids to recalls and experiences.

An adapter links the run id a framework gave a call (a LangChain run, the id LangSmith feedback
uses; a LlamaIndex trace) to the recall and the experience that call produced, so that feedback
can later name the run. One row per ``(namespace, run_id)``, replaced by a later link of the same
run; each store erases the links of an erased recall or experience in its own way (the
``erase_run_links`` of :mod:`absmem.store.sqlite_runs` and of :mod:`absmem.store.postgres_runs`).

Example:
    >>> from absmem.store import SQLiteStore
    >>> SQLiteStore._RUN_LINK.endswith("WHERE namespace = ? AND run_id = ?")  # SQLite's SQL
    True
"""

from __future__ import annotations

from typing import ClassVar

from .base import RunLinkRow
from .rows import run_link_params
from .sql_base import DB, SQLBase

__all__ = ["SQLRunLinkTables"]


class SQLRunLinkTables(SQLBase[DB]):
    """The ``run_links`` methods of a SQL store (on each store's two statements)."""

    _PUT_RUN_LINK: ClassVar[str]
    """Insert or replace a link (:func:`~absmem.store.rows.run_link_params`)."""
    _RUN_LINK: ClassVar[str]
    """``namespace, run_id, recall_id, experience_id, created_at`` of ``(namespace, run_id)``."""

    def put_run_link(self, row: RunLinkRow) -> None:
        """Insert or replace the link of ``row.run_id`` in ``row.namespace``."""
        params = run_link_params(row)
        self._write(row.namespace, lambda db: db.execute(self._PUT_RUN_LINK, params))

    def get_run_link(self, namespace: str, run_id: str) -> RunLinkRow | None:
        """The link of a run id in ``namespace``, or ``None``."""
        rows = self._read(self._RUN_LINK, (namespace, run_id))
        return RunLinkRow(*rows[0]) if rows else None
