"""Run links in :class:`~absmem.store.PostgresStore`: framework run ids to recalls and experiences.

The PostgreSQL twin of :mod:`absmem.store.sqlite_runs`: one row per ``(namespace, run_id)``,
replaced by a later link of the same run; erasing the recall or the experience erases the row
(see :meth:`~absmem.store.PostgresStore.forget`).

Example:
    >>> from absmem.store import PostgresStore
    >>> from absmem.store.base import RunLinkRow
    >>> store = PostgresStore("host=127.0.0.1 dbname=absmem")  # doctest: +SKIP
    >>> store.put_run_link(RunLinkRow("default", "run-1", "rec_1", None, 0.0))  # doctest: +SKIP
    >>> store.get_run_link("default", "run-1").recall_id  # doctest: +SKIP
    'rec_1'
    >>> from absmem.store.postgres_runs import RunLinkTables
    >>> RunLinkTables in PostgresStore.__mro__
    True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .base import RunLinkRow
from .postgres_conn import Connection

__all__ = ["RunLinkTables", "erase_run_links"]

_T = TypeVar("_T")


class RunLinkTables:
    """Mixin of :class:`~absmem.store.PostgresStore`: the ``run_links`` table.

    Example:
        >>> from absmem.store.postgres_runs import RunLinkTables
        >>> hasattr(RunLinkTables, "put_run_link")
        True
    """

    def _write(
        self, namespace: str | None, work: Callable[[Connection], _T], *, exclusive: bool = False
    ) -> _T:
        raise NotImplementedError

    def _read(self, sql: str, params: Sequence[Any] | None = None) -> list[Any]:
        raise NotImplementedError

    def put_run_link(self, row: RunLinkRow) -> None:
        """Insert or replace the link of ``row.run_id`` in ``row.namespace``."""
        self._write(row.namespace, lambda db: db.execute(
            "INSERT INTO run_links (namespace, run_id, recall_id, experience_id, created_at) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (namespace, run_id) DO UPDATE SET "
            "recall_id = EXCLUDED.recall_id, experience_id = EXCLUDED.experience_id, "
            "created_at = EXCLUDED.created_at",
            (row.namespace, row.run_id, row.recall_id, row.experience_id, row.created_at),
        ))  # fmt: skip

    def get_run_link(self, namespace: str, run_id: str) -> RunLinkRow | None:
        """The link of a run id in ``namespace``, or ``None``."""
        rows = self._read(
            "SELECT namespace, run_id, recall_id, experience_id, created_at FROM run_links "
            "WHERE namespace = %s AND run_id = %s",
            (namespace, run_id),
        )
        return RunLinkRow(*rows[0]) if rows else None


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
