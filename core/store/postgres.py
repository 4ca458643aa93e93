"""``PostgresStore``: the experience graph in one PostgreSQL database, shared by many processes.

The scale-out twin of :class:`~absmem.store.SQLiteStore`: the same :class:`GraphStore` methods
with the same results, transactions and errors, on a database that many processes and hosts read
and write at once (see :mod:`absmem.store.postgres_conn` for connections, locking and retries,
:mod:`absmem.store.postgres_schema` for the schema).

* Every write method is one transaction, durable when it returns (``synchronous_commit`` is
  turned on for the session if the server has it off).
* Experience keys (the vector index ids) come from a sequence: unique across namespaces and
  processes, ascending within a batch, never reused after an erasure (not always contiguous).
* The per-namespace ``vector_version`` is bumped by exactly the writes that bump it in SQLite
  (``add_experiences``, and ``forget`` and ``compact`` when they remove keys), in the same
  transaction, so each process's FAISS copy of the candidate index catches up with writes made
  elsewhere.
* Vectors are float32 ``BYTEA``, as SQLite's blobs. There is no pgvector path: candidate lookup
  is the memory's per-process FAISS index, built from and refreshed against this store.
* :meth:`PostgresStore.forget` deletes the rows, then runs ``VACUUM`` on the touched tables
  (outside the transaction) so the dead row versions holding the text are pruned at once rather
  than at autovacuum's leisure. Unlike SQLite's ``secure_delete``, PostgreSQL does not zero the
  freed bytes: they stay in the free space of their pages until overwritten. ``vacuum="full"``
  rewrites the touched tables instead (the bytes leave the database's files, but each table is
  locked while it is rewritten). Either way the text stays in WAL segments (and any WAL archive,
  base backup or replica) until those are recycled.
* Text cannot hold NUL characters (``'\\x00'``) in PostgreSQL; such a string raises
  :class:`~absmem.errors.InvalidArgumentError` with nothing stored (SQLite stores it).

Example:
    >>> from absmem.store import GraphStore, PostgresStore
    >>> store = PostgresStore("host=127.0.0.1 port=5432 dbname=absmem")  # doctest: +SKIP
    >>> isinstance(store, GraphStore), store.count("default")  # doctest: +SKIP
    (True, 0)
    >>> PostgresStore("host=127.0.0.1 port=1 connect_timeout=2")
    Traceback (most recent call last):
      ...
    absmem.errors.StoreUnavailableError: dsn: expected a reachable PostgreSQL server ...
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from .base import CreditRow, EdgeRow, ExperienceRow, FeedbackRow, ForgetResult
from .postgres_conn import Connection, PostgresConnection
from .postgres_erase import ERASED_TABLES, erase
from .postgres_graph import AbstractionTables
from .postgres_policy import PolicyTables
from .postgres_runs import RunLinkTables
from .rows import (
    CANDIDATE_COLUMNS,
    CREDIT_PREFIX,
    EXPERIENCE_COLUMNS,
    credit_increment,
    credit_params,
    experience_params,
    vector_params,
)
from .sql_base import increment_statistics
from .sql_store import SQLStore

__all__ = ["PostgresStore"]

logger = logging.getLogger(__name__)

# Reads by key write the namespace test as `namespace || '' = %s`: an expression no index
# matches, so the planner looks the keys up in the primary key rather than walking a
# (namespace, ...) index over the whole namespace, which it picks while the table has no
# statistics yet (SQLiteStore's `+namespace`, for the same reason).
_NAMESPACE = "namespace || '' = %s"

_INCREMENT = {prefix: increment_statistics(prefix, "%s") for prefix in CREDIT_PREFIX.values()}


def _vectors_in(column: str) -> str:
    """``(seq, column)`` of the keys ``{many}`` of a namespace."""
    return (
        f"SELECT v.seq, v.{column} FROM experiences e JOIN experience_vectors v "
        f"ON v.seq = e.seq WHERE e.{_NAMESPACE} AND e.seq = ANY({{many}})"
    )


class PostgresStore(
    PostgresConnection, AbstractionTables, PolicyTables, RunLinkTables, SQLStore[Connection]
):
    """The experience graph, feedback ledger, recall log and blobs in one PostgreSQL database.

    **Setup**: ``pip install "absmem[postgres]"`` (psycopg 3), and a database the role may
    create tables in (its owner, say); the store creates and migrates its schema at open.

    **Instantiate**: ``PostgresStore(dsn)`` with a libpq connection string or URI.

    **Usage**: pass it to :class:`~absmem.AbstractionMemory` like any store; every process that
    opens the same database shares one memory.

    Args:
        dsn: a libpq connection string (``"host=db dbname=absmem user=app"``) or URI; the
            password may come from ``PGPASSWORD`` or ``~/.pgpass`` rather than the string.
        busy_budget_s: how long one call may keep retrying serialization conflicts, deadlocks
            and lock waits before it raises :class:`~absmem.errors.StoreBusyError`.
        connect_timeout: seconds to wait for the server at connect (unless ``dsn`` sets it).
        vacuum: ``"plain"``: ``VACUUM`` the touched tables right after an erasure (a table
            another ``VACUUM`` holds is left to autovacuum); ``"full"``: ``VACUUM FULL`` them
            (the erased bytes leave the data files, at the cost of locking each table while it
            is rewritten); ``"off"``: leave it to autovacuum.
        seed: seed of the retries' back-off jitter.

    Raises:
        StoreUnavailableError: a malformed ``dsn``, or a server that cannot be reached or
            refuses the connection.
        SchemaVersionError: a database written by a newer absmem.
        StoreCorruptError: a database that holds other tables of the same names.

    Thread-safe: one connection guarded by a lock. The memory facade runs it on one worker
    thread; run more processes (or more stores) for more connections.

    Example:
        >>> from absmem import AbstractionMemory
        >>> from absmem.store import PostgresStore
        >>> store = PostgresStore("postgresql://app@db.internal/absmem")  # doctest: +SKIP
        >>> memory = AbstractionMemory(store, embedder)  # doctest: +SKIP
        >>> PostgresStore.__mro__[1].__name__
        'PostgresConnection'
    """

    _EMBEDDER = "SELECT key, value FROM meta WHERE key LIKE 'embedder%'"
    _INSERT_META = "INSERT INTO meta (key, value) VALUES (%s, %s)"
    _ENSURE_NAMESPACE = (
        "INSERT INTO namespaces (namespace, created_at) VALUES (%s, %s) "
        "ON CONFLICT (namespace) DO NOTHING"
    )
    _BUMP = "UPDATE namespaces SET vector_version = vector_version + 1 WHERE namespace = %s"
    _EXPERIENCES_IN = (
        f"SELECT {EXPERIENCE_COLUMNS} FROM experiences WHERE {_NAMESPACE} AND seq = ANY({{many}})"
    )
    _CANDIDATES_IN = (
        f"SELECT {CANDIDATE_COLUMNS} "
        f"FROM experiences WHERE {_NAMESPACE} AND seq = ANY({{many}}) ORDER BY seq"
    )
    _IDS_IN = (
        f"SELECT seq, id FROM experiences WHERE {_NAMESPACE} AND seq = ANY({{many}}) ORDER BY seq"
    )
    _EXPERIENCE = f"SELECT {EXPERIENCE_COLUMNS} FROM experiences WHERE namespace = %s AND id = %s"
    _INFORMED_BY = f"SELECT id FROM experiences WHERE {_NAMESPACE} AND recall_id = %s ORDER BY seq"
    _LAST_TURNS_IN = (
        "SELECT DISTINCT ON (session_id) session_id, id, created_at FROM experiences "
        "WHERE namespace = %s AND session_id = ANY({many}) ORDER BY session_id, seq DESC"
    )
    _EDGES_FROM = (
        "SELECT src, dst, type, weight FROM edges WHERE namespace = %s AND src = %s "
        "ORDER BY type, dst"
    )
    _COUNT = "SELECT COUNT(*) FROM experiences WHERE namespace = %s"
    _SESSION_KEYS = (
        "SELECT seq FROM experiences WHERE namespace = %s AND session_id = %s ORDER BY seq"
    )
    _TYPED_EDGES_FROM_IN = (
        "SELECT src, dst, type, weight FROM edges WHERE namespace = %s AND type = %s "
        "AND src = ANY({many}) ORDER BY src, dst"
    )
    _TYPED_EDGES_TO_IN = (
        "SELECT src, dst, type, weight FROM edges WHERE namespace = %s AND type = %s "
        "AND dst = ANY({many}) ORDER BY dst, src"
    )
    _VECTOR_VERSION = "SELECT vector_version FROM namespaces WHERE namespace = %s"
    _VECTOR_BATCH = (
        "SELECT v.seq, v.context_vec FROM experiences e JOIN experience_vectors v "
        "ON v.seq = e.seq WHERE e.namespace = %s AND e.seq > %s AND NOT e.compacted "
        "ORDER BY e.seq LIMIT %s"
    )
    _KEYS = "SELECT seq FROM experiences WHERE namespace = %s AND NOT compacted ORDER BY seq"
    _CONTEXT_VECTORS_IN = _vectors_in("context_vec")
    _RESPONSE_VECTORS_IN = _vectors_in("response_vec")
    _INSERT_RECALL = (
        "INSERT INTO recalls (id, namespace, query, user_id, session_id, policy, "
        "created_at) VALUES (%s, %s, %s, %s, %s, %s, %s)"
    )
    _INSERT_RECALL_ITEM = (
        "INSERT INTO recall_items (recall_id, rank, item_id, item_kind, score, "
        "propensity, similarity) VALUES (%s, %s, %s, %s, %s, %s, %s)"
    )
    _RECALL = (
        "SELECT id, namespace, query, created_at, policy, user_id, session_id FROM recalls "
        "WHERE namespace = %s AND id = %s"
    )
    _RECALL_ITEMS = (
        "SELECT rank, item_id, item_kind, score, propensity, similarity FROM recall_items "
        "WHERE recall_id = %s ORDER BY rank"
    )
    _FEEDBACK_IN = "SELECT id FROM feedback WHERE namespace = %s AND id = ANY({many})"
    _FEEDBACK_LOG = (
        "SELECT id, namespace, target_kind, target_id, reward, created_at, user_id, session_id, "
        "arrival FROM feedback "
        "WHERE namespace = %s AND created_at >= %s AND created_at < %s"
    )
    _FEEDBACK_FOR_IN = (
        "SELECT id, namespace, target_kind, target_id, reward, created_at, user_id, session_id, "
        "arrival FROM feedback "
        "WHERE namespace = %s AND target_id = ANY({many}) AND created_at >= %s AND created_at < %s"
    )
    _INSERT_FEEDBACK = (
        "INSERT INTO feedback (id, namespace, target_kind, target_id, reward, user_id, "
        "session_id, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    )
    _PUT_BLOB = (
        "INSERT INTO blobs (namespace, name, data, metadata, created_at) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (namespace, name) DO UPDATE SET "
        "data = EXCLUDED.data, metadata = EXCLUDED.metadata, created_at = EXCLUDED.created_at"
    )
    _BLOB = "SELECT data, metadata FROM blobs WHERE namespace = %s AND name = %s"
    _IN_BATCH = None  # a list is one array parameter

    # -- dialect hooks ------------------------------------------------------------------------

    def _in_list(self, values: list[Any]) -> tuple[str, list[Any]]:
        """One array parameter, however many values."""
        return "%s", [values]

    def _insert_experiences(self, db: Connection, rows: Sequence[ExperienceRow]) -> list[int]:
        # Keys come from the sequence: a value is handed out once, whatever rolls back.
        seqs = sorted(int(r[0]) for r in db.execute(
            "SELECT nextval('experience_keys') FROM generate_series(1, %s)", (len(rows),)
        ))  # fmt: skip
        cursor = db.cursor()
        with cursor.copy(
            "COPY experiences (seq, id, namespace, user_id, session_id, recall_id, context, "
            "response, metadata, created_at) FROM STDIN"
        ) as copy:
            for seq, row in zip(seqs, rows, strict=True):
                copy.write_row(experience_params(seq, row))
        with cursor.copy(
            "COPY experience_vectors (seq, context_vec, response_vec) FROM STDIN"
        ) as copy:
            for seq, row in zip(seqs, rows, strict=True):
                copy.write_row(vector_params(seq, row))
        return seqs

    def _insert_edges(
        self, db: Connection, namespace: str, edges: Sequence[EdgeRow], now: float
    ) -> None:
        # One statement for the batch; a repeated edge keeps its last weight, as SQLite's one
        # INSERT OR REPLACE per edge does.
        last = {(e.src, e.type, e.dst): float(e.weight) for e in edges}
        src, kind, dst = (list(column) for column in zip(*last, strict=True))
        db.execute(
            "INSERT INTO edges (src, type, dst, namespace, weight, created_at) "
            "SELECT s, t, d, %s, w, %s FROM unnest(%s::text[], %s::text[], %s::text[], "
            "%s::float8[]) AS e(s, t, d, w) ON CONFLICT (src, type, dst) DO UPDATE SET "
            "namespace = EXCLUDED.namespace, weight = EXCLUDED.weight, "
            "created_at = EXCLUDED.created_at",
            (namespace, now, src, kind, dst, list(last.values())),
        )

    def _apply_credits(
        self, db: Connection, feedback: FeedbackRow, credits: Sequence[CreditRow]
    ) -> None:
        if not credits:
            return
        cursor = db.cursor()
        cursor.executemany(
            "INSERT INTO credits (feedback_id, item_id, channel, reward, weight) "
            "VALUES (%s, %s, %s, %s, %s)",
            [credit_params(feedback.id, c) for c in credits],
        )
        # Rows are updated in one order (by id) in every process: fewer deadlocks.
        increments = [(credit.item_id, *credit_increment(credit)) for credit in credits]
        for prefix in CREDIT_PREFIX.values():
            updates = sorted((item, s, f, n) for item, p, s, f, n in increments if p == prefix)
            if updates:
                cursor.executemany(
                    _INCREMENT[prefix],
                    [(s, f, n, feedback.namespace, item) for item, s, f, n in updates],
                )

    def _erase(
        self, db: Connection, namespace: str, column: str, value: str | None
    ) -> ForgetResult:
        return erase(db, namespace, column, value)

    def _after_erasure(self, result: ForgetResult) -> None:
        """Vacuum the touched tables as the store's ``vacuum`` says, which prunes (``"plain"``)
        or rewrites (``"full"``) the deleted row versions (see the module's notes)."""
        if result.experiences or result.recalls or result.feedback:
            self._vacuum(ERASED_TABLES)

    def _after_replace(self) -> None:
        """Vacuum the replaced abstractions, memberships and blobs (when the store vacuums)."""
        self._vacuum(["abstractions", "memberships", "blobs"])
