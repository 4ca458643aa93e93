"""The connection plumbing of :class:`~absmem.store.PostgresStore`: connect, transactions, retries.

One store holds one connection (psycopg 3, autocommit between transactions) guarded by a lock,
as :class:`~absmem.store.SQLiteStore` holds one SQLite connection. Many stores (processes, hosts)
share one database:

* every write method runs as one ``READ COMMITTED`` transaction, opened by a transaction-scoped
  advisory lock on its namespace: shared by ordinary writes, which run side by side, and
  exclusive for the writes that must see a namespace at rest (``forget`` and
  ``replace_abstractions``), so they behave as if each were the only writer, as in SQLite;
* a transaction that fails on a serialization conflict, a deadlock or a lock wait past
  ``lock_timeout`` is rolled back and run again with jittered exponential back-off, for at most
  ``busy_budget_s`` seconds; past that, :class:`~absmem.errors.StoreBusyError` (nothing changed);
* a malformed connection string, an unreachable server, refused credentials or a lost connection
  raise :class:`~absmem.errors.StoreUnavailableError`; the next call reconnects;
* the schema is created and migrated at open, version by version, under an advisory lock, so that
  processes opening a new database at once migrate it once.

Example:
    >>> from absmem.store.postgres_conn import redact_dsn
    >>> redact_dsn("postgresql://app:s3cret@db.example:5432/absmem")
    "host='db.example' port=5432 dbname='absmem' user='app'"
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal, TypeVar

import psycopg
from psycopg import conninfo, errors

from ..errors import (
    InvalidArgumentError,
    SchemaVersionError,
    StoreBusyError,
    StoreCorruptError,
    StoreUnavailableError,
)
from .postgres_schema import MIGRATIONS, SCHEMA_VERSION, VERSION_TABLE, statements

__all__ = ["PostgresConnection", "redact_dsn"]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

Connection = psycopg.Connection[tuple[Any, ...]]
"""A psycopg connection returning rows as tuples."""

# Advisory lock keys are (class, object) pairs of int4; the class keeps absmem's locks apart
# from other applications' on the same server ("absm" and "absS" in ASCII).
_LOCK_NAMESPACE = 0x6162736D
_LOCK_STORE = 0x61627353
_MIGRATION = 1
_STORE_WIDE = 2

# A plain VACUUM skips a table another VACUUM holds (rather than wait for it: autovacuum prunes
# it later); VACUUM FULL waits, as it must take every table exclusively anyway.
_VACUUM = {"plain": "VACUUM (SKIP_LOCKED)", "full": "VACUUM FULL", "off": ""}

_RETRYABLE = (errors.SerializationFailure, errors.DeadlockDetected, errors.LockNotAvailable)


def redact_dsn(dsn: str) -> str:
    """Where a connection string points (host, port, database, user), without its password.

    Used in messages and ``repr``; a string libpq cannot parse is shown as ``'<unparsable>'``.

    Example:
        >>> redact_dsn("host=127.0.0.1 port=55432 dbname=mem user=me password=pw")
        "host='127.0.0.1' port=55432 dbname='mem' user='me'"
        >>> redact_dsn("no equals sign")
        "'<unparsable>'"
    """
    try:
        params = conninfo.conninfo_to_dict(dsn)
    except psycopg.Error:
        return repr("<unparsable>")
    shown = []
    for key in ("host", "port", "dbname", "user"):
        if params.get(key) not in (None, ""):
            value = params[key]
            shown.append(f"{key}={value}" if key == "port" else f"{key}={str(value)!r}")
    return " ".join(shown) or "libpq defaults"


class PostgresConnection:
    """Base of :class:`~absmem.store.PostgresStore`: its connection, transactions and schema.

    Args:
        dsn: a libpq connection string (``"host=... dbname=... user=..."``) or URI
            (``"postgresql://user@host/db"``); libpq's environment variables fill what it leaves
            out.
        busy_budget_s: how long one call may keep retrying serialization conflicts, deadlocks
            and lock waits before it raises :class:`~absmem.errors.StoreBusyError`.
        connect_timeout: seconds to wait for the server at connect, unless ``dsn`` sets
            ``connect_timeout`` itself.
        vacuum: what runs on the tables an erasure touched, right after it (see
            :meth:`~absmem.store.PostgresStore.forget`): ``"plain"`` ``VACUUM`` (prunes the
            deleted rows, readers and writers carry on; a table another ``VACUUM`` holds is
            left to autovacuum), ``"full"`` ``VACUUM FULL`` (rewrites
            the tables into new files, so the erased bytes leave the database's files, but
            locks each table while it runs), or ``"off"`` (autovacuum's schedule).
        seed: seed of the back-off jitter.

    Example:
        >>> from absmem.store.postgres_conn import PostgresConnection
        >>> PostgresConnection("host=127.0.0.1", vacuum="sometimes")
        Traceback (most recent call last):
          ...
        absmem.errors.InvalidArgumentError: vacuum: expected one of ['plain', 'full', ...
    """

    def __init__(
        self,
        dsn: str,
        *,
        busy_budget_s: float = 60.0,
        connect_timeout: float = 10.0,
        vacuum: Literal["plain", "full", "off"] = "plain",
        seed: int | None = None,
    ) -> None:
        if not isinstance(dsn, str):
            raise InvalidArgumentError("dsn", "a libpq connection string or URI", dsn)
        if vacuum not in _VACUUM:
            raise InvalidArgumentError("vacuum", f"one of {list(_VACUUM)}", vacuum)
        for name, value in (("busy_budget_s", busy_budget_s), ("connect_timeout", connect_timeout)):
            if not isinstance(value, int | float) or not value > 0:
                raise InvalidArgumentError(name, "a positive number of seconds", value)
        self.dsn = dsn
        self.busy_budget_s = float(busy_budget_s)
        self.connect_timeout = float(connect_timeout)
        self.vacuum = vacuum
        self._rng = random.Random(seed)
        self._lock = threading.RLock()
        self._closed = False
        self._conn = self._connect()
        try:
            self._migrate()
        except BaseException:
            self._conn.close()
            raise

    # -- connection ---------------------------------------------------------------------------

    def _connect(self) -> Connection:
        where = redact_dsn(self.dsn)
        try:
            params = conninfo.conninfo_to_dict(self.dsn)
        except psycopg.Error:
            # libpq's message may quote a piece of the string (the password, say): not shown.
            raise StoreUnavailableError(
                "dsn: expected a libpq connection string (key=value pairs) or a postgresql:// "
                "URI, got a string libpq cannot parse"
            ) from None
        params.setdefault("connect_timeout", max(2, round(self.connect_timeout)))
        params.setdefault("application_name", "absmem")
        try:
            conn = psycopg.connect(conninfo.make_conninfo("", **params), autocommit=True)
        except psycopg.Error as err:
            detail = " ".join(str(err).split())
            raise StoreUnavailableError(
                f"dsn: expected a reachable PostgreSQL server that accepts the connection "
                f"string ({where}), got: {detail}"
            ) from err
        try:
            # Lock waits end within the busy budget; a commit is durable when it returns.
            conn.execute(f"SET lock_timeout = {max(1, round(self.busy_budget_s * 1000))}")
            if conn.execute("SHOW synchronous_commit").fetchall()[0][0] == "off":
                conn.execute("SET synchronous_commit = on")
        except psycopg.Error:
            conn.close()
            raise
        return conn

    def _connection(self) -> Connection:
        """The open connection; a broken one is replaced (the caller holds ``_lock``)."""
        if self._closed:
            raise StoreUnavailableError(
                f"store: expected an open PostgresStore, but {self!r} was closed"
            )
        if self._conn.closed:
            logger.warning("reconnecting to %s after a lost connection", redact_dsn(self.dsn))
            self._conn = self._connect()
        return self._conn

    def _raise_translated(self, err: psycopg.Error) -> None:
        """Raise the absmem error that ``err`` stands for, if any (else return)."""
        if self._conn.closed or isinstance(err, psycopg.InterfaceError):
            detail = " ".join(str(err).split())
            raise StoreUnavailableError(
                f"dsn: expected a reachable PostgreSQL server ({redact_dsn(self.dsn)}), lost "
                f"the connection: {detail}; a write in flight may or may not have committed"
            ) from err
        if isinstance(err, psycopg.DataError) and ("NUL" in str(err) or "0x00" in str(err)):
            raise InvalidArgumentError(
                "text", "strings without NUL characters ('\\x00'), which PostgreSQL cannot hold"
            ) from err

    def close(self) -> None:
        """Close the connection; later calls raise :class:`~absmem.errors.StoreUnavailableError`."""
        with self._lock:
            self._closed = True
            self._conn.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({redact_dsn(self.dsn)!r})"

    # -- reads and writes ---------------------------------------------------------------------

    def _read(self, sql: str, params: Sequence[Any] | None = None) -> list[Any]:
        """Rows of one statement, each a tuple (binary results: no text round trip)."""
        with self._lock:
            conn = self._connection()
            try:
                return conn.execute(sql, params, binary=True).fetchall()
            except psycopg.Error as err:
                self._raise_translated(err)
                raise

    @contextmanager
    def _consistent(self) -> Iterator[None]:
        """Reads inside see one snapshot of the database (a read-only repeatable-read
        transaction), however many statements they take."""
        with self._lock:
            conn = self._connection()
            try:
                with conn.transaction():
                    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    yield
            except psycopg.Error as err:
                self._raise_translated(err)
                raise

    def _write(
        self, namespace: str | None, work: Callable[[Connection], _T], *, exclusive: bool = False
    ) -> _T:
        """``work(conn)`` in one transaction under the namespace's advisory lock (shared, or
        ``exclusive``; ``None``: the store-wide lock), retried while the database is busy."""
        deadline = time.monotonic() + self.busy_budget_s
        delay = 0.005
        while True:
            with self._lock:
                conn = self._connection()
                try:
                    with conn.transaction():
                        _lock(conn, namespace, exclusive)
                        return work(conn)
                except _RETRYABLE as err:
                    if time.monotonic() + delay > deadline:
                        raise StoreBusyError(
                            f"{self!r}: still conflicting with other writers after "
                            f"{self.busy_budget_s:g} s of retries ({type(err).__name__}: "
                            f"{' '.join(str(err).split())}); nothing was changed"
                        ) from err
                    logger.info("%r busy (%s); retrying in %.3f s", self, type(err).__name__, delay)
                except psycopg.Error as err:
                    self._raise_translated(err)
                    raise
            time.sleep(delay * (0.5 + self._rng.random()))
            delay = min(delay * 2, 0.5)

    def _vacuum(self, tables: Sequence[str]) -> None:
        """Vacuum ``tables`` (outside any transaction) as the store was asked to; a failure is
        logged, not raised: the write it follows has committed."""
        command = _VACUUM[self.vacuum]
        if not command:
            return
        with self._lock:
            conn = self._connection()
            try:
                conn.execute(f"{command} {', '.join(tables)}")
            except psycopg.Error as err:
                self._raise_translated(err)
                logger.warning("VACUUM after an erasure failed, autovacuum will do it: %s", err)

    # -- schema -------------------------------------------------------------------------------

    def _version(self, conn: Connection) -> int:
        if conn.execute("SELECT to_regclass('schema_version')").fetchall()[0][0] is None:
            return 0
        rows = conn.execute("SELECT version FROM schema_version").fetchall()
        return int(rows[0][0]) if rows else 0

    def _migrate(self) -> None:
        try:
            with self._lock:
                if self._check_version(self._version(self._conn)) == SCHEMA_VERSION:
                    return
                while self._migrate_one() < SCHEMA_VERSION:
                    pass
        except psycopg.OperationalError as err:
            self._raise_translated(err)
            raise
        except psycopg.Error as err:
            raise StoreCorruptError(
                f"dsn: expected an absmem PostgreSQL database or an empty one "
                f"({redact_dsn(self.dsn)}), {' '.join(str(err).split())}"
            ) from err

    def _migrate_one(self) -> int:
        """Move the database one version up (unless another process did); its new version."""
        with self._conn.transaction():
            self._conn.execute(f"SELECT pg_advisory_xact_lock({_LOCK_STORE}, {_MIGRATION})")
            self._conn.execute(VERSION_TABLE)
            current = self._check_version(self._version(self._conn))
            if current == SCHEMA_VERSION:
                return current  # another process migrated it meanwhile
            logger.info("migrating %r to schema version %d", self, current + 1)
            for statement in statements(MIGRATIONS[current]):
                self._conn.execute(statement)
            self._conn.execute("DELETE FROM schema_version")
            self._conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (current + 1,))
            return current + 1

    def _check_version(self, version: int) -> int:
        if version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"dsn: expected a store of schema version <= {SCHEMA_VERSION}, got version "
                f"{version} (written by a newer absmem); upgrade absmem to open it"
            )
        return version

    @property
    def schema_version(self) -> int:
        """The schema version of the database."""
        with self._lock:
            return self._version(self._connection())


def _lock(conn: Connection, namespace: str | None, exclusive: bool) -> None:
    """Take the transaction's advisory lock: the namespace's (shared or exclusive) or, for
    ``None``, the store-wide one."""
    if namespace is None:
        conn.execute(f"SELECT pg_advisory_xact_lock({_LOCK_STORE}, {_STORE_WIDE})")
        return
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    conn.execute(f"SELECT {function}({_LOCK_NAMESPACE}, hashtext(%s))", (namespace,))
