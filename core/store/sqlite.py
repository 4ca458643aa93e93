"""``SQLiteStore``: the embedded default store, one SQLite file in WAL mode.

Every write is one ``BEGIN IMMEDIATE`` transaction with ``synchronous=FULL``, so a write is on
disk when the method returns. Several threads and processes may share one file: a database
locked by another writer is waited for (SQLite's busy timeout) and retried with back-off up to
``busy_budget_s``; only past that bound does a call raise :class:`~absmem.errors.StoreBusyError`.
``secure_delete`` is on and an erasure truncates the WAL, so text removed by
:meth:`SQLiteStore.forget` does not linger in free pages or in the log.

Example:
    >>> import os, tempfile
    >>> from absmem.store import SQLiteStore
    >>> with tempfile.TemporaryDirectory() as d:
    ...     store = SQLiteStore(os.path.join(d, "absmem.db"))
    ...     store.check_embedder("toy", 4)
    ...     store.count("default")
    ...     store.close()
    0
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

from ..errors import InvalidArgumentError, SchemaVersionError, StoreBusyError, StoreCorruptError
from .base import CreditRow, EdgeRow, ExperienceRow, FeedbackRow, ForgetResult
from .rows import (
    CANDIDATE_COLUMNS,
    CREDIT_PREFIX,
    EXPERIENCE_COLUMNS,
    blob_metadata,
    credit_increment,
    credit_params,
    experience_params,
    vector_params,
)
from .schema import MIGRATIONS, SCHEMA_VERSION
from .sql_base import increment_statistics, recompute_statistics
from .sql_store import SQLStore
from .sqlite_graph import AbstractionTables
from .sqlite_policy import PolicyTables
from .sqlite_runs import RunLinkTables, erase_run_links

__all__ = ["SQLiteStore", "blob_metadata"]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

BUSY_TIMEOUT_S = 2.0
"""How long SQLite itself waits on a lock held by another connection, per attempt."""

_INCREMENT = {prefix: increment_statistics(prefix, "?") for prefix in CREDIT_PREFIX.values()}


def _vectors_in(column: str) -> str:
    """``(seq, column)`` of the keys ``{many}`` of a namespace."""
    return (
        f"SELECT v.seq, v.{column} FROM experiences e JOIN experience_vectors v "
        f"ON v.seq = e.seq WHERE +e.namespace = ? AND e.seq IN ({{many}})"
    )


class SQLiteStore(AbstractionTables, PolicyTables, RunLinkTables, SQLStore[sqlite3.Connection]):
    """The experience graph, feedback ledger, recall log and blobs in one SQLite file.

    Args:
        path: the database file; created with its parent folder when missing.
        busy_budget_s: how long a call may keep retrying while other connections (threads or
            processes) hold the database locked, before it raises
            :class:`~absmem.errors.StoreBusyError` with nothing changed.

    Thread-safe: one connection guarded by a lock. The memory facade runs it on one worker thread.
    Many processes may open the same file; their writes are serialised by SQLite's write lock.
    """

    # Reads by key write the namespace test as `+namespace = ?`: the unary plus keeps SQLite's
    # planner from choosing a (namespace, ...) index, which scans the whole namespace, over the
    # primary-key lookups of `seq IN (...)` (10x slower recall at 100k experiences, measured).
    _EMBEDDER = "SELECT key, value FROM meta WHERE key LIKE 'embedder_%'"
    _INSERT_META = "INSERT INTO meta (key, value) VALUES (?, ?)"
    _ENSURE_NAMESPACE = "INSERT OR IGNORE INTO namespaces (namespace, created_at) VALUES (?, ?)"
    _BUMP = "UPDATE namespaces SET vector_version = vector_version + 1 WHERE namespace = ?"
    _EXPERIENCES_IN = (
        f"SELECT {EXPERIENCE_COLUMNS} FROM experiences WHERE +namespace = ? AND seq IN ({{many}})"
    )
    _CANDIDATES_IN = (
        f"SELECT {CANDIDATE_COLUMNS} FROM experiences WHERE +namespace = ? AND seq IN ({{many}})"
    )
    _IDS_IN = "SELECT seq, id FROM experiences WHERE +namespace = ? AND seq IN ({many})"
    _EXPERIENCE = f"SELECT {EXPERIENCE_COLUMNS} FROM experiences WHERE namespace = ? AND id = ?"
    _INFORMED_BY = "SELECT id FROM experiences WHERE namespace = ? AND recall_id = ?"
    _LAST_TURNS_IN = (
        "SELECT e.session_id, e.id, e.created_at FROM experiences e JOIN ("
        "SELECT MAX(seq) AS seq FROM experiences WHERE namespace = ? AND session_id IN "
        "({many}) GROUP BY session_id) last ON e.seq = last.seq"
    )
    _EDGES_FROM = "SELECT src, dst, type, weight FROM edges WHERE namespace = ? AND src = ?"
    _COUNT = "SELECT COUNT(*) FROM experiences WHERE namespace = ?"
    _SESSION_KEYS = (
        "SELECT seq FROM experiences WHERE namespace = ? AND session_id = ? ORDER BY seq"
    )
    _TYPED_EDGES_FROM_IN = (
        "SELECT src, dst, type, weight FROM edges WHERE namespace = ? AND type = ? "
        "AND src IN ({many}) ORDER BY src, dst"
    )
    _TYPED_EDGES_TO_IN = (
        "SELECT src, dst, type, weight FROM edges WHERE namespace = ? AND type = ? "
        "AND dst IN ({many}) ORDER BY dst, src"
    )
    _VECTOR_VERSION = "SELECT vector_version FROM namespaces WHERE namespace = ?"
    _VECTOR_BATCH = (
        "SELECT v.seq, v.context_vec FROM experiences e JOIN experience_vectors v "
        "ON v.seq = e.seq WHERE e.namespace = ? AND e.seq > ? AND e.compacted = 0 "
        "ORDER BY e.seq LIMIT ?"
    )
    _KEYS = "SELECT seq FROM experiences WHERE namespace = ? AND compacted = 0 ORDER BY seq"
    _CONTEXT_VECTORS_IN = _vectors_in("context_vec")
    _RESPONSE_VECTORS_IN = _vectors_in("response_vec")
    _INSERT_RECALL = (
        "INSERT INTO recalls (id, namespace, query, user_id, session_id, policy, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
    )
    _INSERT_RECALL_ITEM = (
        "INSERT INTO recall_items (recall_id, rank, item_id, item_kind, score, "
        "propensity, similarity) VALUES (?, ?, ?, ?, ?, ?, ?)"
    )
    _RECALL = (
        "SELECT id, namespace, query, created_at, policy, user_id, session_id FROM recalls "
        "WHERE namespace = ? AND id = ?"
    )
    _RECALL_ITEMS = (
        "SELECT rank, item_id, item_kind, score, propensity, similarity FROM recall_items "
        "WHERE recall_id = ? ORDER BY rank"
    )
    _FEEDBACK_IN = "SELECT id FROM feedback WHERE namespace = ? AND id IN ({many})"
    _FEEDBACK_LOG = (
        "SELECT id, namespace, target_kind, target_id, reward, created_at, user_id, session_id, "
        "rowid FROM feedback "
        "WHERE namespace = ? AND created_at >= ? AND created_at < ?"
    )
    _FEEDBACK_FOR_IN = (
        "SELECT id, namespace, target_kind, target_id, reward, created_at, user_id, session_id, "
        "rowid FROM feedback "
        "WHERE namespace = ? AND target_id IN ({many}) AND created_at >= ? AND created_at < ?"
    )
    _INSERT_FEEDBACK = (
        "INSERT INTO feedback (id, namespace, target_kind, target_id, reward, user_id, "
        "session_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    )
    _PUT_BLOB = (
        "INSERT OR REPLACE INTO blobs (namespace, name, data, metadata, created_at) "
        "VALUES (?, ?, ?, ?, ?)"
    )
    _BLOB = "SELECT data, metadata FROM blobs WHERE namespace = ? AND name = ?"
    _IN_BATCH = 500  # under SQLite's bound on the parameters of one statement

    def __init__(self, path: str | Path, *, busy_budget_s: float = 60.0) -> None:
        if not busy_budget_s > 0:
            raise InvalidArgumentError(
                "busy_budget_s", "a positive number of seconds", busy_budget_s
            )
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.busy_budget_s = float(busy_budget_s)
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(
                self.path, check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT_S
            )
            self._retry(lambda: self._db.execute("PRAGMA journal_mode=WAL"))
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA secure_delete=ON")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA temp_store=MEMORY")
            self._db.execute("PRAGMA cache_size=-32768")  # 32 MiB of page cache
            self._retry(self._migrate)
        except StoreBusyError:
            self._db.close()
            raise
        except sqlite3.DatabaseError as err:
            raise StoreCorruptError(f"path: expected an absmem SQLite store, {err}") from err

    # -- plumbing -----------------------------------------------------------------------------

    def _retry(self, call: Callable[[], _T]) -> _T:
        """``call()``, retried with jittered exponential back-off while the database is busy."""
        deadline = time.monotonic() + self.busy_budget_s
        delay = 0.005
        while True:
            try:
                return call()
            except sqlite3.OperationalError as err:
                message = str(err)
                if "locked" not in message and "busy" not in message:
                    raise
                if time.monotonic() + delay > deadline:
                    raise StoreBusyError(
                        f"{self.path}: still locked by another connection after "
                        f"{self.busy_budget_s:g} s of retries ({message}); nothing was changed"
                    ) from err
                logger.debug("%s busy (%s); retrying in %.3f s", self.path, message, delay)
                time.sleep(delay * (0.5 + random.random()))  # jitter, not security
                delay = min(delay * 2, 0.5)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._retry(lambda: self._db.execute("BEGIN IMMEDIATE"))
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            return self._retry(lambda: self._db.execute(sql, params).fetchall())

    def _write(
        self,
        namespace: str | None,
        work: Callable[[sqlite3.Connection], _T],
        *,
        exclusive: bool = False,
    ) -> _T:
        """``work(db)`` in one ``BEGIN IMMEDIATE`` transaction: SQLite's write lock keeps every
        other writer out, so there is no namespace lock to take, shared or ``exclusive``."""
        with self._tx() as db:
            return work(db)

    def _consistent(self) -> AbstractContextManager[None]:
        """Each read stands on its own in SQLite (as it always has): nothing to open."""
        return nullcontext()

    def _migrate(self) -> None:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"path: expected a store of schema version <= {SCHEMA_VERSION}, got version "
                f"{version} (written by a newer absmem); upgrade absmem to open it"
            )
        for target in range(version, SCHEMA_VERSION):
            logger.info("migrating %s to schema version %d", self.path, target + 1)
            with self._tx() as db:
                if int(db.execute("PRAGMA user_version").fetchone()[0]) > target:
                    continue  # another process migrated it meanwhile
                for statement in MIGRATIONS[target].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version={target + 1}")

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check``: ``"ok"``, or the first problem it found."""
        return str(self._read("PRAGMA integrity_check")[0][0])

    @property
    def schema_version(self) -> int:
        """The schema version of the open file."""
        return int(self._read("PRAGMA user_version")[0][0])

    # -- dialect hooks ------------------------------------------------------------------------

    def _in_list(self, values: list[Any]) -> tuple[str, list[Any]]:
        """One ``?`` per value."""
        return ",".join("?" * len(values)), values

    def _insert_experiences(
        self, db: sqlite3.Connection, rows: Sequence[ExperienceRow]
    ) -> list[int]:
        # Keys are handed out here, under the write lock, past every key ever used (the
        # AUTOINCREMENT counter), so a forgotten key is never reused; one statement per table.
        first = int(db.execute(
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'experiences'),"
            " 0), COALESCE((SELECT MAX(seq) FROM experiences), 0)) + 1"
        ).fetchone()[0])  # fmt: skip
        seqs = list(range(first, first + len(rows)))
        db.executemany(
            "INSERT INTO experiences (seq, id, namespace, user_id, session_id, recall_id, "
            "context, response, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [experience_params(seq, row) for seq, row in zip(seqs, rows, strict=True)],
        )
        db.executemany(
            "INSERT INTO experience_vectors (seq, context_vec, response_vec) VALUES (?, ?, ?)",
            [vector_params(seq, row) for seq, row in zip(seqs, rows, strict=True)],
        )
        return seqs

    def _insert_edges(
        self, db: sqlite3.Connection, namespace: str, edges: Sequence[EdgeRow], now: float
    ) -> None:
        db.executemany(
            "INSERT OR REPLACE INTO edges (src, type, dst, namespace, weight, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(e.src, e.type, e.dst, namespace, e.weight, now) for e in edges],
        )

    def _apply_credits(
        self, db: sqlite3.Connection, feedback: FeedbackRow, credits: Sequence[CreditRow]
    ) -> None:
        for credit in credits:
            db.execute(
                "INSERT INTO credits (feedback_id, item_id, channel, reward, weight) "
                "VALUES (?, ?, ?, ?, ?)",
                credit_params(feedback.id, credit),
            )
            prefix, success, failure, weight = credit_increment(credit)
            db.execute(
                _INCREMENT[prefix], (success, failure, weight, feedback.namespace, credit.item_id)
            )

    def _erase(
        self, db: sqlite3.Connection, namespace: str, column: str, value: str | None
    ) -> ForgetResult:
        return _erase_rows(db, namespace, column, value)

    def _after_erasure(self, result: ForgetResult) -> None:
        """Truncate the WAL, so no erased text stays on disk (``secure_delete`` zeroed the
        freed pages)."""
        self._checkpoint()

    def _after_replace(self) -> None:
        """Truncate the WAL, so no replaced lesson text lingers in it."""
        self._checkpoint()

    def _checkpoint(self) -> None:
        """Copy the WAL into the file and truncate it, retrying while other readers hold it.

        Erased text leaves the log only when the checkpoint completes; a reader in another
        process can hold it back, so it is retried within ``busy_budget_s`` and logged if not.
        """

        def complete() -> None:
            busy = self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            if busy:
                raise sqlite3.OperationalError("database is busy: the WAL checkpoint waited")

        with self._lock:
            try:
                self._retry(complete)
            except StoreBusyError as err:
                logger.warning(
                    "erased rows may remain in the WAL until the next checkpoint: %s", err
                )

    def close(self) -> None:
        """Checkpoint the WAL into the main file and close the connection."""
        with self._lock:
            try:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                self._db.close()

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r})"


def _erase_rows(
    db: sqlite3.Connection, namespace: str, column: str, value: str | None
) -> ForgetResult:
    """Delete one user's or session's rows inside an open transaction (``column`` is trusted).

    Run links to an erased recall or experience go with them.
    """
    db.execute("CREATE TEMP TABLE IF NOT EXISTS gone_items (id TEXT PRIMARY KEY)")
    db.execute("CREATE TEMP TABLE IF NOT EXISTS gone_recalls (id TEXT PRIMARY KEY)")
    db.execute("CREATE TEMP TABLE IF NOT EXISTS gone_feedback (id TEXT PRIMARY KEY)")
    db.execute("CREATE TEMP TABLE IF NOT EXISTS touched (id TEXT PRIMARY KEY)")
    for table in ("gone_items", "gone_recalls", "gone_feedback", "touched"):
        db.execute(f"DELETE FROM temp.{table}")
    seqs = [
        row[0]
        for row in db.execute(
            f"SELECT seq FROM experiences WHERE namespace = ? AND {column} = ?", (namespace, value)
        )
    ]
    db.execute(
        f"INSERT INTO gone_items SELECT id FROM experiences WHERE namespace = ? AND {column} = ?",
        (namespace, value),
    )
    db.execute(
        f"INSERT INTO gone_recalls SELECT id FROM recalls WHERE namespace = ? AND {column} = ?",
        (namespace, value),
    )
    db.execute(
        "INSERT OR IGNORE INTO gone_feedback SELECT id FROM feedback WHERE namespace = ? AND "
        f"({column} = ? OR target_id IN (SELECT id FROM gone_items) "
        "OR target_id IN (SELECT id FROM gone_recalls))",
        (namespace, value),
    )
    db.execute(
        "INSERT OR IGNORE INTO touched SELECT DISTINCT item_id FROM credits "
        "WHERE feedback_id IN (SELECT id FROM gone_feedback) "
        "AND item_id NOT IN (SELECT id FROM gone_items)"
    )
    db.execute(
        "DELETE FROM credits WHERE feedback_id IN (SELECT id FROM gone_feedback) "
        "OR item_id IN (SELECT id FROM gone_items)"
    )
    feedback = db.execute("DELETE FROM feedback WHERE id IN (SELECT id FROM gone_feedback)")
    n_feedback = feedback.rowcount
    db.execute(
        "DELETE FROM recall_items WHERE recall_id IN (SELECT id FROM gone_recalls) "
        "OR item_id IN (SELECT id FROM gone_items)"
    )
    db.execute("DELETE FROM recall_features WHERE recall_id IN (SELECT id FROM gone_recalls)")
    erase_run_links(db, namespace)
    n_recalls = db.execute("DELETE FROM recalls WHERE id IN (SELECT id FROM gone_recalls)").rowcount
    db.execute(
        "UPDATE experiences SET recall_id = NULL WHERE recall_id IN (SELECT id FROM gone_recalls)"
    )
    db.execute(
        "DELETE FROM edges WHERE src IN (SELECT id FROM gone_items) "
        "OR dst IN (SELECT id FROM gone_items)"
    )
    db.execute("DELETE FROM memberships WHERE experience_id IN (SELECT id FROM gone_items)")
    db.execute(
        "DELETE FROM experience_vectors WHERE seq IN "
        "(SELECT seq FROM experiences WHERE id IN (SELECT id FROM gone_items))"
    )
    n_items = db.execute("DELETE FROM experiences WHERE id IN (SELECT id FROM gone_items)").rowcount
    db.execute(_RECOMPUTE)
    return ForgetResult(experiences=n_items, seqs=seqs, recalls=n_recalls, feedback=n_feedback)


_RECOMPUTE = recompute_statistics("WHERE id IN (SELECT id FROM touched)")
