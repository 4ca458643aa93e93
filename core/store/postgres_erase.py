"""Erasure in :class:`~absmem.store.PostgresStore`: every row of one user or session.

PostgreSQL's ``_erase`` hook of :meth:`~absmem.store.sql_store.SQLStore.forget`: the ids to
erase are gathered first (experiences, recalls, the feedback on them or given by the user or
session), then every row naming them goes, and the statistics other experiences drew from
erased feedback are recomputed from the remaining credit ledger. It runs inside
:meth:`~absmem.store.PostgresStore.forget`'s transaction, which holds the namespace's exclusive
lock.

Example:
    >>> from absmem.store.postgres_erase import ERASED_TABLES
    >>> "experiences" in ERASED_TABLES and "run_links" in ERASED_TABLES
    True
"""

from __future__ import annotations

from .base import ForgetResult
from .postgres_conn import Connection
from .postgres_runs import erase_run_links
from .sql_base import recompute_statistics

__all__ = ["ERASED_TABLES", "erase"]

ERASED_TABLES = (
    "experiences", "experience_vectors", "edges", "recalls", "recall_items", "recall_features",
    "feedback", "credits", "memberships", "run_links",
)  # fmt: skip
"""The tables an erasure deletes from (vacuumed after it)."""


def erase(db: Connection, namespace: str, column: str, value: str | None) -> ForgetResult:
    """Delete the rows of the user or session ``column = value`` (``column`` is
    ``"user_id"`` or ``"session_id"``, trusted) of ``namespace`` inside an open transaction.

    Run links to an erased recall or experience go with them.

    Example:
        >>> from absmem.store.postgres_erase import erase
        >>> erase(db, "default", "user_id", "u1").experiences  # doctest: +SKIP
        3
    """
    found = db.execute(
        f"SELECT seq, id FROM experiences WHERE namespace = %s AND {column} = %s ORDER BY seq",
        (namespace, value),
    ).fetchall()
    seqs, items = [int(r[0]) for r in found], [r[1] for r in found]
    recalls = [r[0] for r in db.execute(
        f"SELECT id FROM recalls WHERE namespace = %s AND {column} = %s", (namespace, value)
    )]  # fmt: skip
    feedback = [r[0] for r in db.execute(
        f"SELECT id FROM feedback WHERE namespace = %s AND ({column} = %s "
        "OR target_id = ANY(%s) OR target_id = ANY(%s))",
        (namespace, value, items, recalls),
    )]  # fmt: skip
    touched = [r[0] for r in db.execute(
        "SELECT DISTINCT item_id FROM credits WHERE feedback_id = ANY(%s) "
        "AND NOT item_id = ANY(%s)",
        (feedback, items),
    )]  # fmt: skip
    db.execute(
        "DELETE FROM credits WHERE feedback_id = ANY(%s) OR item_id = ANY(%s)", (feedback, items)
    )
    n_feedback = db.execute("DELETE FROM feedback WHERE id = ANY(%s)", (feedback,)).rowcount
    db.execute(
        "DELETE FROM recall_items WHERE recall_id = ANY(%s) OR item_id = ANY(%s)", (recalls, items)
    )
    db.execute("DELETE FROM recall_features WHERE recall_id = ANY(%s)", (recalls,))
    erase_run_links(db, namespace, recalls, items)
    n_recalls = db.execute("DELETE FROM recalls WHERE id = ANY(%s)", (recalls,)).rowcount
    db.execute("UPDATE experiences SET recall_id = NULL WHERE recall_id = ANY(%s)", (recalls,))
    db.execute("DELETE FROM edges WHERE src = ANY(%s) OR dst = ANY(%s)", (items, items))
    db.execute("DELETE FROM memberships WHERE experience_id = ANY(%s)", (items,))
    db.execute("DELETE FROM experience_vectors WHERE seq = ANY(%s)", (seqs,))
    n_items = db.execute("DELETE FROM experiences WHERE id = ANY(%s)", (items,)).rowcount
    if touched:
        db.execute(_RECOMPUTE, (touched,))
    return ForgetResult(experiences=n_items, seqs=seqs, recalls=n_recalls, feedback=n_feedback)


_RECOMPUTE = recompute_statistics("WHERE id = ANY(%s)")
"""Recompute the statistics of the experiences ``%s`` from the credit ledger (SQLite's, by id)."""
