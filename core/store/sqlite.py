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

import json
import logging
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ..errors import (
    EmbedderMismatchError,
    InvalidArgumentError,
    SchemaVersionError,
    StoreBusyError,
    StoreCorruptError,
    UnknownTargetError,
)
from ..types import Outcome
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
from .schema import MIGRATIONS, SCHEMA_VERSION
from .sqlite_graph import AbstractionTables
from .sqlite_policy import PolicyTables
from .sqlite_runs import RunLinkTables, erase_run_links

__all__ = ["SQLiteStore", "blob_metadata"]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

BUSY_TIMEOUT_S = 2.0
"""How long SQLite itself waits on a lock held by another connection, per attempt."""

# Reads by key write the namespace test as `+namespace = ?`: the unary plus keeps SQLite's
# planner from choosing a (namespace, ...) index, which scans the whole namespace, over the
# primary-key lookups of `seq IN (...)` (10x slower recall at 100k experiences, measured).
_EXPERIENCE_COLUMNS = (
    "seq, id, namespace, context, response, created_at, user_id, session_id, recall_id, "
    "metadata, out_alpha, out_beta, out_n, use_alpha, use_beta, use_n, compacted"
)


def _outcome(alpha: float, beta: float, n: float) -> Outcome:
    """An ``Outcome`` from its three columns."""
    return Outcome(alpha=alpha, beta=beta, n=n)


def _to_experience(row: sqlite3.Row) -> StoredExperience:
    return StoredExperience(
        seq=row[0], id=row[1], namespace=row[2], context=row[3], response=row[4],
        created_at=row[5], user_id=row[6], session_id=row[7], recall_id=row[8],
        metadata=json.loads(row[9]),
        outcome=_outcome(row[10], row[11], row[12]),
        usage=_outcome(row[13], row[14], row[15]), compacted=bool(row[16]),
    )  # fmt: skip


class SQLiteStore(AbstractionTables, PolicyTables, RunLinkTables):
    """The experience graph, feedback ledger, recall log and blobs in one SQLite file.

    Args:
        path: the database file; created with its parent folder when missing.
        busy_budget_s: how long a call may keep retrying while other connections (threads or
            processes) hold the database locked, before it raises
            :class:`~absmem.errors.StoreBusyError` with nothing changed.

    Thread-safe: one connection guarded by a lock. The memory facade runs it on one worker thread.
    Many processes may open the same file; their writes are serialised by SQLite's write lock.
    """

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

    # -- embedder -----------------------------------------------------------------------------

    def check_embedder(self, name: str, dim: int) -> None:
        """Record the embedder of a new store, or raise if the store was built with another."""
        with self._tx() as db:
            rows = dict(db.execute("SELECT key, value FROM meta WHERE key LIKE 'embedder_%'"))
            if not rows:
                db.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [("embedder_name", name), ("embedder_dim", str(dim))],
                )
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
        with self._tx() as db:
            self._ensure_namespace(db, namespace, now)
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
                [(seq, row.id, row.namespace, row.user_id, row.session_id, row.recall_id,
                  row.context, row.response, json.dumps(row.metadata), row.created_at)
                 for seq, row in zip(seqs, rows, strict=True)],
            )  # fmt: skip
            db.executemany(
                "INSERT INTO experience_vectors (seq, context_vec, response_vec) VALUES (?, ?, ?)",
                [(seq, _blob(row.context_vec), _blob(row.response_vec))
                 for seq, row in zip(seqs, rows, strict=True)],
            )  # fmt: skip
            db.executemany(
                "INSERT OR REPLACE INTO edges (src, type, dst, namespace, weight, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(e.src, e.type, e.dst, namespace, e.weight, now) for e in edges],
            )
            self._insert_memberships(db, namespace, memberships)
            self._bump(db, namespace)
        return seqs

    @staticmethod
    def _ensure_namespace(db: sqlite3.Connection, namespace: str, now: float) -> None:
        db.execute(
            "INSERT OR IGNORE INTO namespaces (namespace, created_at) VALUES (?, ?)",
            (namespace, now),
        )

    def _bump(self, db: sqlite3.Connection, namespace: str) -> None:
        db.execute(
            "UPDATE namespaces SET vector_version = vector_version + 1 WHERE namespace = ?",
            (namespace,),
        )

    def get_experiences(self, namespace: str, seqs: Sequence[int]) -> list[StoredExperience]:
        """Read experiences by key, in the order given, skipping keys not in ``namespace``."""
        if not seqs:
            return []
        marks = ",".join("?" * len(seqs))
        rows = self._read(
            f"SELECT {_EXPERIENCE_COLUMNS} FROM experiences "
            f"WHERE +namespace = ? AND seq IN ({marks})",
            [namespace, *(int(s) for s in seqs)],
        )
        by_seq = {row[0]: _to_experience(row) for row in rows}
        return [by_seq[int(s)] for s in seqs if int(s) in by_seq]

    def candidate_stats(self, namespace: str, seqs: Sequence[int]) -> list[CandidateStats]:
        """Id and outcome statistics of experiences by key (the light read ranking needs)."""
        if not seqs:
            return []
        marks = ",".join("?" * len(seqs))
        rows = self._read(
            "SELECT seq, id, out_alpha, out_beta, out_n, use_alpha, use_beta, use_n, created_at "
            f"FROM experiences WHERE +namespace = ? AND seq IN ({marks})",
            [namespace, *(int(s) for s in seqs)],
        )
        return [
            CandidateStats(
                r[0], r[1], _outcome(r[2], r[3], r[4]), _outcome(r[5], r[6], r[7]), float(r[8])
            )
            for r in rows
        ]

    def ids_for(self, namespace: str, seqs: Sequence[int]) -> dict[int, str]:
        """Map experience keys of ``namespace`` to their ids (keys not held are left out)."""
        if not seqs:
            return {}
        marks = ",".join("?" * len(seqs))
        rows = self._read(
            f"SELECT seq, id FROM experiences WHERE +namespace = ? AND seq IN ({marks})",
            [namespace, *(int(s) for s in seqs)],
        )
        return {int(row[0]): row[1] for row in rows}

    def get_experience(self, namespace: str, experience_id: str) -> StoredExperience | None:
        """Read one experience by id, or ``None`` when the namespace does not hold it."""
        rows = self._read(
            f"SELECT {_EXPERIENCE_COLUMNS} FROM experiences WHERE namespace = ? AND id = ?",
            (namespace, experience_id),
        )
        return _to_experience(rows[0]) if rows else None

    def experiences_for_recall(self, namespace: str, recall_id: str) -> list[str]:
        """Ids of the experiences whose response was informed by ``recall_id``."""
        rows = self._read(
            "SELECT id FROM experiences WHERE namespace = ? AND recall_id = ?",
            (namespace, recall_id),
        )
        return [row[0] for row in rows]

    def last_turns(
        self, namespace: str, session_ids: Sequence[str]
    ) -> dict[str, tuple[str, float]]:
        """``{session_id: (id, created_at)}`` of each session's most recent experience."""
        out: dict[str, tuple[str, float]] = {}
        unique = list(dict.fromkeys(session_ids))
        for start in range(0, len(unique), 500):
            part = unique[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = self._read(
                "SELECT e.session_id, e.id, e.created_at FROM experiences e JOIN ("
                "SELECT MAX(seq) AS seq FROM experiences WHERE namespace = ? AND session_id IN "
                f"({marks}) GROUP BY session_id) last ON e.seq = last.seq",
                (namespace, *part),
            )
            out.update((row[0], (row[1], float(row[2]))) for row in rows)
        return out

    def edges(self, namespace: str, node_id: str) -> list[EdgeRow]:
        """Edges leaving ``node_id``."""
        rows = self._read(
            "SELECT src, dst, type, weight FROM edges WHERE namespace = ? AND src = ?",
            (namespace, node_id),
        )
        return [EdgeRow(src=r[0], dst=r[1], type=r[2], weight=r[3]) for r in rows]

    def count(self, namespace: str) -> int:
        """Number of experiences in ``namespace``."""
        return int(
            self._read("SELECT COUNT(*) FROM experiences WHERE namespace = ?", (namespace,))[0][0]
        )

    def namespaces(self) -> list[str]:
        """Namespaces that hold or held experiences."""
        return [r[0] for r in self._read("SELECT namespace FROM namespaces ORDER BY namespace")]

    def vector_version(self, namespace: str) -> int:
        """A counter that changes whenever the namespace's set of vectors changes."""
        rows = self._read("SELECT vector_version FROM namespaces WHERE namespace = ?", (namespace,))
        return int(rows[0][0]) if rows else 0

    def iter_vectors(
        self, namespace: str, batch: int = 4096
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(keys, context vectors)`` of every experience in ``namespace``, in batches."""
        last = 0
        while True:
            rows = self._read(
                "SELECT v.seq, v.context_vec FROM experiences e JOIN experience_vectors v "
                "ON v.seq = e.seq WHERE e.namespace = ? AND e.seq > ? AND e.compacted = 0 "
                "ORDER BY e.seq LIMIT ?",
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
            "SELECT seq FROM experiences WHERE namespace = ? AND compacted = 0 ORDER BY seq",
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
        found: dict[int, np.ndarray] = {}
        for start in range(0, len(seqs), 500):
            part = [int(s) for s in seqs[start : start + 500]]
            marks = ",".join("?" * len(part))
            rows = self._read(
                f"SELECT v.seq, v.{column} FROM experiences e JOIN experience_vectors v "
                f"ON v.seq = e.seq WHERE +e.namespace = ? AND e.seq IN ({marks})",
                [namespace, *part],
            )
            found.update((r[0], np.frombuffer(r[1], dtype=np.float32)) for r in rows)
        return np.stack([found[int(s)] for s in seqs]) if len(seqs) else np.zeros((0, 0))

    # -- recall log and feedback --------------------------------------------------------------

    def log_recall(
        self, recall: RecallRow, items: Sequence[RecallItemRow], log: PolicyLogRow | None = None
    ) -> None:
        """Append a served recall, its items and the policy's log of it to the recall log."""
        with self._tx() as db:
            if log is not None:
                self._log_policy(db, log)
            db.execute(
                "INSERT INTO recalls (id, namespace, query, user_id, session_id, policy, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (recall.id, recall.namespace, recall.query, recall.user_id, recall.session_id,
                 recall.policy, recall.created_at),
            )  # fmt: skip
            db.executemany(
                "INSERT INTO recall_items (recall_id, rank, item_id, item_kind, score, "
                "propensity, similarity) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(recall.id, i.rank, i.item_id, i.item_kind, i.score, i.propensity, i.similarity)
                 for i in items],
            )  # fmt: skip

    def get_recall(self, namespace: str, recall_id: str) -> tuple[RecallRow, list[RecallItemRow]]:
        """Read a logged recall; raise ``UnknownTargetError`` when the namespace lacks it."""
        rows = self._read(
            "SELECT id, namespace, query, created_at, policy, user_id, session_id FROM recalls "
            "WHERE namespace = ? AND id = ?",
            (namespace, recall_id),
        )
        if not rows:
            raise UnknownTargetError("recall_id", recall_id, namespace)
        items = self._read(
            "SELECT rank, item_id, item_kind, score, propensity, similarity FROM recall_items "
            "WHERE recall_id = ? ORDER BY rank",
            (recall_id,),
        )
        return RecallRow(*rows[0]), [RecallItemRow(*row) for row in items]

    def feedback_ids(self, namespace: str, ids: Sequence[str]) -> set[str]:
        """Which of the feedback ``ids`` the ledger of ``namespace`` holds."""
        found: set[str] = set()
        for start in range(0, len(ids), 500):  # under SQLite's bound on parameters
            part = list(ids[start : start + 500])
            marks = ",".join("?" * len(part))
            sql = f"SELECT id FROM feedback WHERE namespace = ? AND id IN ({marks})"
            rows = self._read(sql, [namespace, *part])
            found.update(row[0] for row in rows)
        return found

    def add_feedback(self, feedback: FeedbackRow, credits: Sequence[CreditRow]) -> None:
        """Record a feedback and apply its credits to the experiences' statistics."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO feedback (id, namespace, target_kind, target_id, reward, user_id, "
                "session_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (feedback.id, feedback.namespace, feedback.target_kind, feedback.target_id,
                 feedback.reward, feedback.user_id, feedback.session_id, feedback.created_at),
            )  # fmt: skip
            for credit in credits:
                db.execute(
                    "INSERT INTO credits (feedback_id, item_id, channel, reward, weight) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (feedback.id, credit.item_id, credit.channel, credit.reward, credit.weight),
                )
                success = credit.weight * (credit.reward + 1.0) / 2.0
                prefix = "out" if credit.channel == "outcome" else "use"
                db.execute(
                    f"UPDATE experiences SET {prefix}_alpha = {prefix}_alpha + ?, "
                    f"{prefix}_beta = {prefix}_beta + ?, {prefix}_n = {prefix}_n + ? "
                    "WHERE namespace = ? AND id = ?",
                    (success, credit.weight - success, credit.weight, feedback.namespace,
                     credit.item_id),
                )  # fmt: skip

    # -- erasure ------------------------------------------------------------------------------

    def forget(
        self, namespace: str, user_id: str | None = None, session_id: str | None = None
    ) -> ForgetResult:
        """Erase every experience, edge, recall, feedback and run link of a user or session.

        Statistics that other experiences drew from the erased feedback are recomputed from the
        remaining credit ledger, and the WAL is truncated so no erased text stays on disk.
        """
        if (user_id is None) == (session_id is None):
            raise InvalidArgumentError("user_id/session_id", "exactly one of them", None)
        column, value = ("user_id", user_id) if user_id is not None else ("session_id", session_id)
        with self._tx() as db:
            result = _erase(db, namespace, column, value)
            if result.seqs:
                self._bump(db, namespace)
        self._checkpoint()
        return result

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

    # -- blobs --------------------------------------------------------------------------------

    def put_blob(self, namespace: str, name: str, data: bytes, metadata: dict[str, Any]) -> None:
        """Store (or replace) a named binary blob, such as model weights."""
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO blobs (namespace, name, data, metadata, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (namespace, name, data, json.dumps(metadata), time.time()),
            )

    def get_blob(self, namespace: str, name: str) -> tuple[bytes, dict[str, Any]] | None:
        """Read a named blob and its metadata, or ``None``."""
        rows = self._read(
            "SELECT data, metadata FROM blobs WHERE namespace = ? AND name = ?", (namespace, name)
        )
        return (bytes(rows[0][0]), blob_metadata(name, rows[0][1])) if rows else None

    def close(self) -> None:
        """Checkpoint the WAL into the main file and close the connection."""
        with self._lock:
            try:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                self._db.close()

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r})"


def blob_metadata(name: str, text: str) -> Any:
    """A blob's metadata column, parsed; damaged JSON is refused naming the blob.

    Example:
        >>> blob_metadata("policy", '{"evidence": 2}')
        {'evidence': 2}
    """
    try:
        return json.loads(text)
    except (TypeError, ValueError) as err:
        raise StoreCorruptError(f"{name}: expected JSON metadata, {err}") from err


def _blob(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype=np.float32).tobytes()


def _erase(db: sqlite3.Connection, namespace: str, column: str, value: str | None) -> ForgetResult:
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


def _sum(channel: str, part: str) -> str:
    return (
        f"COALESCE((SELECT SUM({part}) FROM credits c WHERE c.item_id = experiences.id "
        f"AND c.channel = '{channel}'), 0.0)"
    )


_SUCCESS = "c.weight * (c.reward + 1.0) / 2.0"
_FAILURE = "c.weight * (1.0 - c.reward) / 2.0"
_RECOMPUTE = (
    "UPDATE experiences SET "
    f"out_alpha = 1.0 + {_sum('outcome', _SUCCESS)}, out_beta = 1.0 + {_sum('outcome', _FAILURE)}, "
    f"out_n = {_sum('outcome', 'c.weight')}, "
    f"use_alpha = 1.0 + {_sum('usage', _SUCCESS)}, use_beta = 1.0 + {_sum('usage', _FAILURE)}, "
    f"use_n = {_sum('usage', 'c.weight')} "
    "WHERE id IN (SELECT id FROM touched)"
)
