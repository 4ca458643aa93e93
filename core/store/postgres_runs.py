"""Run links in :class:`~absmem.store.PostgresStore`: framework run ids to recalls and experiences.

The statements the shared methods of :class:`~absmem.store.sql_runs.SQLRunLinkTables` run on
PostgreSQL: one row per ``(namespace, run_id)``, replaced by a later link of the same run;
erasing the recall or the experience erases the row (see
:meth:`~absmem.store.PostgresStore.forget`).

Example:
    >>> from absmem.store import PostgresStore
    >>> from absmem.store.base import RunLinkRow
    >>> store = PostgresStore("host=127.0.0.1 dbname=absmem")  # doctest: +SKIP
    >>> store.put_run_link(RunLinkRow("default", "run-1", "rec_1", None, 0.0))  # doctest: +SKIP
    >>> store.get_run_link("default", "run-1").recall_id  # doctest: +SKIP
    'rec_1'
    >>> from absmem.store.postgres_runs import RunLinkTables
    >>> "ON CONFLICT (namespace, run_id)" in RunLinkTables._PUT_RUN_LINK
    True
"""

from __future__ import annotations

from collections.abc import Sequence

from .postgres_conn import Connection
from .sql_runs import SQLRunLinkTables

__all__ = ["RunLinkTables", "erase_run_links"]


class RunLinkTables(SQLRunLinkTables[Connection]):
    """Mixin of :class:`~absmem.store.PostgresStore`: the ``run_links`` table."""

    _PUT_RUN_LINK = (
        "INSERT INTO run_links (namespace, run_id, recall_id, experience_id, created_at) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (namespace, run_id) DO UPDATE SET "
        "recall_id = EXCLUDED.recall_id, experience_id = EXCLUDED.experience_id, "
        "created_at = EXCLUDED.created_at"
    )
    _RUN_LINK = (
        "SELECT namespace, run_id, recall_id, experience_id, created_at FROM run_links "
        "WHERE namespace = %s AND run_id = %s"
    )


def erase_run_links(
    db: Connection, namespace: str, recalls: Sequence[str], items: Sequence[str]
) -> int:
    """Delete the links to the erased ``recalls`` or experiences (``items``) inside an
    erasure's transaction; returns how many were deleted.

    Example:
        >>> from absmem.store.postgres_runs import erase_run_links
        >>> erase_run_links(db, "default", ["rec_1"], [])  # doctest: +SKIP
        1
    """
    cursor = db.execute(
        "DELETE FROM run_links WHERE namespace = %s AND (recall_id = ANY(%s) "
        "OR experience_id = ANY(%s))",
        (namespace, list(recalls), list(items)),
    )
    return cursor.rowcount
