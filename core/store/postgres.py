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

import json
import logging
import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..errors import EmbedderMismatchError, InvalidArgumentError, UnknownTargetError
from .base import (
    CandidateStats,
    CreditRow,
    EdgeRow,
    ExperienceRow,
    FeedbackRow,
    ForgetResult,
    MembershipRow,
    PolicyLogRow,
    RecallItemRow,
    RecallRow,
    StoredExperience,
)
from .postgres_conn import Connection, PostgresConnection
from .postgres_erase import ERASED_TABLES, erase
from .postgres_graph import AbstractionTables
from .postgres_policy import PolicyTables
from .postgres_runs import RunLinkTables
from .sqlite import _EXPERIENCE_COLUMNS, _blob, _outcome, _to_experience, blob_metadata

__all__ = ["PostgresStore"]

logger = logging.getLogger(__name__)

# Reads by key write the namespace test as `namespace || '' = %s`: an expression no index
# matches, so the planner looks the keys up in the primary key rather than walking a
# (namespace, ...) index over the whole namespace, which it picks while the table has no
# statistics yet (SQLiteStore's `+namespace`, for the same reason).
_NAMESPACE = "namespace || '' = %s"


class PostgresStore(PostgresConnection, AbstractionTables, PolicyTables, RunLinkTables):
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

    # -- embedder -----------------------------------------------------------------------------

    def check_embedder(self, name: str, dim: int) -> None:
        """Record the embedder of a new store, or raise if the store was built with another."""

        def work(db: Connection) -> dict[str, str]:
            found = db.execute("SELECT key, value FROM meta WHERE key LIKE 'embedder%'")
            rows: dict[str, str] = {str(key): str(value) for key, value in found}
            if not rows:
                db.cursor().executemany(
                    "INSERT INTO meta (key, value) VALUES (%s, %s)",
                    [("embedder_name", name), ("embedder_dim", str(dim))],
                )
            return rows

        rows = self._write(None, work)
        if not rows:
            return
        stored = (rows["embedder_name"], int(rows["embedder_dim"]))
        if stored != (name, dim):
            raise EmbedderMismatchError(stored, (name, dim))

    # -- experiences and edges ----------------------------------------------------------------

    def add_experiences(
        self,
        rows: Sequence[ExperienceRow],
        edges: Sequence[EdgeRow],
        memberships: Sequence[MembershipRow] = (),
    ) -> list[int]:
        """Insert experiences, edges and memberships in one transaction; return their keys."""
        if not rows:
            return []
        namespace = rows[0].namespace
        if any(row.namespace != namespace for row in rows):
            raise InvalidArgumentError("rows", "experiences of one namespace", "several")
        now = time.time()

        def work(db: Connection) -> list[int]:
            db.execute(
                "INSERT INTO namespaces (namespace, created_at) VALUES (%s, %s) "
                "ON CONFLICT (namespace) DO NOTHING",
                (namespace, now),
            )
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
                    copy.write_row((seq, row.id, row.namespace, row.user_id, row.session_id,
                                    row.recall_id, row.context, row.response,
                                    json.dumps(row.metadata), row.created_at))  # fmt: skip
            with cursor.copy(
                "COPY experience_vectors (seq, context_vec, response_vec) FROM STDIN"
            ) as copy:
                for seq, row in zip(seqs, rows, strict=True):
                    copy.write_row((seq, _blob(row.context_vec), _blob(row.response_vec)))
            if edges:
                # One statement for the batch; a repeated edge keeps its last weight, as
                # SQLite's one INSERT OR REPLACE per edge does.
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
            self._insert_memberships(db, namespace, memberships)
            self._bump(db, namespace)
            return seqs

        return self._write(namespace, work)

    def get_experiences(self, namespace: str, seqs: Sequence[int]) -> list[StoredExperience]:
        """Read experiences by key, in the order given, skipping keys not in ``namespace``."""
        if not len(seqs):
            return []
        rows = self._read(
            f"SELECT {_EXPERIENCE_COLUMNS} FROM experiences WHERE {_NAMESPACE} AND seq = ANY(%s)",
            (namespace, [int(s) for s in seqs]),
        )
        by_seq = {row[0]: _to_experience(row) for row in rows}
        return [by_seq[int(s)] for s in seqs if int(s) in by_seq]

    def candidate_stats(self, namespace: str, seqs: Sequence[int]) -> list[CandidateStats]:
        """Id and outcome statistics of experiences by key (the light read ranking needs)."""
        if not len(seqs):
            return []
        rows = self._read(
            "SELECT seq, id, out_alpha, out_beta, out_n, use_alpha, use_beta, use_n, created_at "
            f"FROM experiences WHERE {_NAMESPACE} AND seq = ANY(%s) ORDER BY seq",
            (namespace, [int(s) for s in seqs]),
        )
        return [
            CandidateStats(
                r[0], r[1], _outcome(r[2], r[3], r[4]), _outcome(r[5], r[6], r[7]), float(r[8])
            )
            for r in rows
        ]

    def ids_for(self, namespace: str, seqs: Sequence[int]) -> dict[int, str]:
        """Map experience keys of ``namespace`` to their ids (keys not held are left out)."""
        if not len(seqs):
            return {}
        rows = self._read(
            f"SELECT seq, id FROM experiences WHERE {_NAMESPACE} AND seq = ANY(%s) ORDER BY seq",
            (namespace, [int(s) for s in seqs]),
        )
        return {int(row[0]): row[1] for row in rows}

    def get_experience(self, namespace: str, experience_id: str) -> StoredExperience | None:
        """Read one experience by id, or ``None`` when the namespace does not hold it."""
        rows = self._read(
            f"SELECT {_EXPERIENCE_COLUMNS} FROM experiences WHERE namespace = %s AND id = %s",
            (namespace, experience_id),
        )
        return _to_experience(rows[0]) if rows else None

    def experiences_for_recall(self, namespace: str, recall_id: str) -> list[str]:
        """Ids of the experiences whose response was informed by ``recall_id``."""
        rows = self._read(
            f"SELECT id FROM experiences WHERE {_NAMESPACE} AND recall_id = %s ORDER BY seq",
            (namespace, recall_id),
        )
        return [row[0] for row in rows]

    def last_turns(
        self, namespace: str, session_ids: Sequence[str]
    ) -> dict[str, tuple[str, float]]:
        """``{session_id: (id, created_at)}`` of each session's most recent experience."""
        if not session_ids:
            return {}
        rows = self._read(
            "SELECT DISTINCT ON (session_id) session_id, id, created_at FROM experiences "
            "WHERE namespace = %s AND session_id = ANY(%s) ORDER BY session_id, seq DESC",
            (namespace, list(dict.fromkeys(session_ids))),
        )
        return {row[0]: (row[1], float(row[2])) for row in rows}

    def edges(self, namespace: str, node_id: str) -> list[EdgeRow]:
        """Edges leaving ``node_id``."""
        rows = self._read(
            "SELECT src, dst, type, weight FROM edges WHERE namespace = %s AND src = %s "
            "ORDER BY type, dst",
            (namespace, node_id),
        )
        return [EdgeRow(src=r[0], dst=r[1], type=r[2], weight=r[3]) for r in rows]

    def count(self, namespace: str) -> int:
        """Number of experiences in ``namespace``."""
        return int(
            self._read("SELECT COUNT(*) FROM experiences WHERE namespace = %s", (namespace,))[0][0]
        )

    def namespaces(self) -> list[str]:
        """Namespaces that hold or held experiences."""
        return [r[0] for r in self._read("SELECT namespace FROM namespaces ORDER BY namespace")]

    def vector_version(self, namespace: str) -> int:
        """A counter that changes whenever the namespace's set of vectors changes."""
        rows = self._read(
            "SELECT vector_version FROM namespaces WHERE namespace = %s", (namespace,)
        )
        return int(rows[0][0]) if rows else 0

    def iter_vectors(
        self, namespace: str, batch: int = 4096
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(keys, context vectors)`` of every experience in ``namespace``, in batches."""
        last = 0
        while True:
            rows = self._read(
                "SELECT v.seq, v.context_vec FROM experiences e JOIN experience_vectors v "
                "ON v.seq = e.seq WHERE e.namespace = %s AND e.seq > %s AND NOT e.compacted "
                "ORDER BY e.seq LIMIT %s",
                (namespace, last, batch),
            )
            if not rows:
                return
            keys = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            vectors = np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
            last = int(keys[-1])
            yield keys, vectors

    def keys(self, namespace: str) -> np.ndarray:
        """Keys of every indexed (not compacted) experience in ``namespace``, ascending."""
        rows = self._read(
            "SELECT seq FROM experiences WHERE namespace = %s AND NOT compacted ORDER BY seq",
            (namespace,),
        )
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def get_vectors(self, namespace: str, seqs: Sequence[int]) -> np.ndarray:
        """Context vectors of the experiences with these keys, in the order given."""
        return self._vectors(namespace, seqs, "context_vec")

    def get_response_vectors(self, namespace: str, seqs: Sequence[int]) -> np.ndarray:
        """Response vectors of the experiences with these keys, in the order given."""
        return self._vectors(namespace, seqs, "response_vec")

    def _vectors(self, namespace: str, seqs: Sequence[int], column: str) -> np.ndarray:
        if not len(seqs):
            return np.zeros((0, 0))
        rows = self._read(
            f"SELECT v.seq, v.{column} FROM experiences e JOIN experience_vectors v "
            f"ON v.seq = e.seq WHERE e.{_NAMESPACE} AND e.seq = ANY(%s)",
            (namespace, [int(s) for s in seqs]),
        )
        found = {r[0]: np.frombuffer(r[1], dtype=np.float32) for r in rows}
        return np.stack([found[int(s)] for s in seqs])

    # -- recall log and feedback --------------------------------------------------------------

    def log_recall(
        self, recall: RecallRow, items: Sequence[RecallItemRow], log: PolicyLogRow | None = None
    ) -> None:
        """Append a served recall, its items and the policy's log of it to the recall log."""

        def work(db: Connection) -> None:
            if log is not None:
                self._log_policy(db, log)
            db.execute(
                "INSERT INTO recalls (id, namespace, query, user_id, session_id, policy, "
                "created_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (recall.id, recall.namespace, recall.query, recall.user_id, recall.session_id,
                 recall.policy, recall.created_at),
            )  # fmt: skip
            if items:
                db.cursor().executemany(
                    "INSERT INTO recall_items (recall_id, rank, item_id, item_kind, score, "
                    "propensity, similarity) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    [(recall.id, i.rank, i.item_id, i.item_kind, i.score, i.propensity,
                      i.similarity) for i in items],
                )  # fmt: skip

        self._write(recall.namespace, work)

    def get_recall(self, namespace: str, recall_id: str) -> tuple[RecallRow, list[RecallItemRow]]:
        """Read a logged recall; raise ``UnknownTargetError`` when the namespace lacks it."""
        rows = self._read(
            "SELECT id, namespace, query, created_at, policy, user_id, session_id FROM recalls "
            "WHERE namespace = %s AND id = %s",
            (namespace, recall_id),
        )
        if not rows:
            raise UnknownTargetError("recall_id", recall_id, namespace)
        items = self._read(
            "SELECT rank, item_id, item_kind, score, propensity, similarity FROM recall_items "
            "WHERE recall_id = %s ORDER BY rank",
            (recall_id,),
        )
        return RecallRow(*rows[0]), [RecallItemRow(*row) for row in items]

    def feedback_ids(self, namespace: str, ids: Sequence[str]) -> set[str]:
        """Which of the feedback ``ids`` the ledger of ``namespace`` holds."""
        if not ids:
            return set()
        rows = self._read(
            "SELECT id FROM feedback WHERE namespace = %s AND id = ANY(%s)", (namespace, list(ids))
        )
        return {row[0] for row in rows}

    def add_feedback(self, feedback: FeedbackRow, credits: Sequence[CreditRow]) -> None:
        """Record a feedback and apply its credits to the experiences' statistics."""

        def work(db: Connection) -> None:
            db.execute(
                "INSERT INTO feedback (id, namespace, target_kind, target_id, reward, user_id, "
                "session_id, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (feedback.id, feedback.namespace, feedback.target_kind, feedback.target_id,
                 feedback.reward, feedback.user_id, feedback.session_id, feedback.created_at),
            )  # fmt: skip
            if not credits:
                return
            cursor = db.cursor()
            cursor.executemany(
                "INSERT INTO credits (feedback_id, item_id, channel, reward, weight) "
                "VALUES (%s, %s, %s, %s, %s)",
                [(feedback.id, c.item_id, c.channel, c.reward, c.weight) for c in credits],
            )
            # Rows are updated in one order (by id) in every process: fewer deadlocks.
            for prefix in ("out", "use"):
                updates = sorted(
                    (c.item_id, c.weight * (c.reward + 1.0) / 2.0, c.weight)
                    for c in credits
                    if ("out" if c.channel == "outcome" else "use") == prefix
                )
                if updates:
                    cursor.executemany(
                        f"UPDATE experiences SET {prefix}_alpha = {prefix}_alpha + %s, "
                        f"{prefix}_beta = {prefix}_beta + %s, {prefix}_n = {prefix}_n + %s "
                        "WHERE namespace = %s AND id = %s",
                        [(success, weight - success, weight, feedback.namespace, item)
                         for item, success, weight in updates],
                    )  # fmt: skip

        self._write(feedback.namespace, work)

    # -- erasure ------------------------------------------------------------------------------

    def forget(
        self, namespace: str, user_id: str | None = None, session_id: str | None = None
    ) -> ForgetResult:
        """Erase every experience, edge, recall, feedback and run link of a user or session.

        Statistics that other experiences drew from the erased feedback are recomputed from the
        remaining credit ledger. No other write of the namespace runs meanwhile (an exclusive
        lock on it). Afterwards the touched tables are vacuumed as the store's ``vacuum`` says,
        which prunes (``"plain"``) or rewrites (``"full"``) the deleted row versions (see the
        module's notes).
        """
        if (user_id is None) == (session_id is None):
            raise InvalidArgumentError("user_id/session_id", "exactly one of them", None)
        column, value = ("user_id", user_id) if user_id is not None else ("session_id", session_id)

        def work(db: Connection) -> ForgetResult:
            result = erase(db, namespace, column, value)
            if result.seqs:
                self._bump(db, namespace)
            return result

        result = self._write(namespace, work, exclusive=True)
        if result.experiences or result.recalls or result.feedback:
            self._vacuum(ERASED_TABLES)
        return result

    # -- blobs --------------------------------------------------------------------------------

    def put_blob(self, namespace: str, name: str, data: bytes, metadata: dict[str, Any]) -> None:
        """Store (or replace) a named binary blob, such as model weights."""
        params = (namespace, name, bytes(data), json.dumps(metadata), time.time())
        self._write(namespace, lambda db: db.execute(
            "INSERT INTO blobs (namespace, name, data, metadata, created_at) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (namespace, name) DO UPDATE SET "
            "data = EXCLUDED.data, metadata = EXCLUDED.metadata, created_at = EXCLUDED.created_at",
            params,
        ))  # fmt: skip

    def get_blob(self, namespace: str, name: str) -> tuple[bytes, dict[str, Any]] | None:
        """Read a named blob and its metadata, or ``None``."""
        rows = self._read(
            "SELECT data, metadata FROM blobs WHERE namespace = %s AND name = %s",
            (namespace, name),
        )
        return (bytes(rows[0][0]), blob_metadata(name, rows[0][1])) if rows else None
