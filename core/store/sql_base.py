"""The base of both SQL stores: the hooks each database implements and the SQL they share.

:class:`~absmem.store.SQLiteStore` and :class:`~absmem.store.PostgresStore` keep the same tables
and answer every :class:`~absmem.store.GraphStore` method alike, so each method is written once
(:mod:`~absmem.store.sql_store`, :mod:`~absmem.store.sql_graph`, :mod:`~absmem.store.sql_policy`,
:mod:`~absmem.store.sql_runs`) on top of :class:`SQLBase`'s hooks:

* ``_read(sql, params)``: the rows of one statement;
* ``_in_list(values)``: the placeholders of a list of values, which stand at ``{many}`` in a
  statement (:meth:`SQLBase._read_in`): SQLite writes one ``?`` per value (in batches of
  ``_IN_BATCH`` values where a read may be split, under its bound on parameters), PostgreSQL
  binds the list as one array (its statements say ``= ANY({many})``);
* ``_write(namespace, work, exclusive=)``: ``work(db)`` in one durable write transaction (with
  the namespace's lock in PostgreSQL; SQLite's write lock serialises every writer anyway);
* ``_consistent()``: reads inside it see one snapshot of the database (PostgreSQL; SQLite reads
  each statement on its own, as it always did).

The SQL itself stays with each store: every statement a shared method runs is a class attribute
that the shared class declares (``_BUMP: ClassVar[str]``, ...) and each store's class writes in
its own dialect (placeholders ``?`` or ``%s``, ``INSERT OR REPLACE`` or ``ON CONFLICT``). What is
the same SQL in both lives here (:func:`recompute_statistics`, :func:`increment_statistics`).

Example:
    >>> from absmem.store.sql_base import increment_statistics
    >>> increment_statistics("use", "?")
    'UPDATE experiences SET use_alpha = use_alpha + ?, ... WHERE namespace = ? AND id = ?'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from .base import MembershipRow
from .rows import membership_params

__all__ = ["SQLBase", "SQLConnection", "SQLCursor", "increment_statistics", "recompute_statistics"]

_T = TypeVar("_T")


class SQLCursor(Protocol):
    """The part of a DB-API cursor the shared methods use."""

    def executemany(self, sql: str, params: Iterable[Sequence[Any]], /) -> object:
        """Run ``sql`` once per parameter tuple."""
        ...


class SQLConnection(Protocol):
    """The part of a DB-API connection the shared methods use (``sqlite3.Connection`` and
    ``psycopg.Connection`` both have it)."""

    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Iterable[Any]:
        """Run one statement; its rows."""
        ...

    def cursor(self) -> SQLCursor:
        """A new cursor."""
        ...


DB = TypeVar("DB", bound=SQLConnection)
"""The connection type of a store (``sqlite3.Connection``, ``psycopg.Connection``)."""


class SQLBase(Generic[DB]):
    """Hooks of a SQL store and the small writes every part of it needs.

    A store implements the hooks (``_read``, ``_in_list``, ``_write``, ``_consistent``) and
    writes the statements declared here and on the shared classes.

    Example:
        >>> from absmem.store.sql_base import SQLBase
        >>> SQLBase()._read("SELECT 1")
        Traceback (most recent call last):
          ...
        NotImplementedError
    """

    _BUMP: ClassVar[str]
    """Add one to the ``vector_version`` of the namespace ``(namespace,)``."""
    _INSERT_MEMBERSHIP: ClassVar[str]
    """Insert or replace a membership (:func:`~absmem.store.rows.membership_params`)."""
    _PUT_BLOB: ClassVar[str]
    """Insert or replace a blob ``(namespace, name, data, metadata, created_at)``."""
    _IN_BATCH: ClassVar[int | None]
    """The most values one statement of :meth:`_read_in` binds when asked to ``chunk``
    (``None``: no bound)."""

    # -- hooks --------------------------------------------------------------------------------

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """The rows of one statement."""
        raise NotImplementedError

    def _in_list(self, values: list[Any]) -> tuple[str, list[Any]]:
        """The placeholders that stand for ``values`` at ``{many}`` and the parameters they
        take (SQLite: one ``?`` per value; PostgreSQL: one array)."""
        raise NotImplementedError

    def _write(
        self, namespace: str | None, work: Callable[[DB], _T], *, exclusive: bool = False
    ) -> _T:
        """``work(db)`` in one write transaction of ``namespace`` (``None``: store-wide),
        ``exclusive`` of every other write of it; what ``work`` returns."""
        raise NotImplementedError

    def _consistent(self) -> AbstractContextManager[None]:
        """A block whose reads see one state of the database, where the store can promise it."""
        raise NotImplementedError

    # -- shared reads and writes -------------------------------------------------------------

    def _read_in(
        self,
        sql: str,
        values: Sequence[Any],
        *,
        before: Sequence[Any] = (),
        after: Sequence[Any] = (),
        chunked: bool = False,
    ) -> list[Any]:
        """The rows of ``sql`` run with the parameters ``before``, then the list ``values`` (at
        ``{many}``), then ``after``; none for no values.

        With ``chunked``, a store with a bound on parameters (:attr:`_IN_BATCH`) runs ``sql``
        once per batch of values and returns their rows one after another.
        """
        values = list(values)
        step = (self._IN_BATCH if chunked else None) or len(values)
        rows: list[Any] = []
        for start in range(0, len(values), max(step, 1)):
            many, bound = self._in_list(values[start : start + step])
            rows += self._read(sql.format(many=many), [*before, *bound, *after])
        return rows

    # -- shared writes ------------------------------------------------------------------------

    def _bump(self, db: DB, namespace: str) -> None:
        """Move the namespace's vector version (its set of vectors changed)."""
        db.execute(self._BUMP, (namespace,))

    def _insert_memberships(
        self, db: DB, namespace: str, memberships: Sequence[MembershipRow]
    ) -> None:
        if memberships:
            db.cursor().executemany(
                self._INSERT_MEMBERSHIP, [membership_params(namespace, m) for m in memberships]
            )


def recompute_statistics(where: str) -> str:
    """The statement that recomputes the statistics of the experiences ``where`` selects from
    the credit ledger (after an erasure removed some of the feedback they drew on).

    Example:
        >>> recompute_statistics("WHERE id = ANY(%s)").endswith("0.0) WHERE id = ANY(%s)")
        True
    """
    return (
        "UPDATE experiences SET "
        f"out_alpha = 1.0 + {_sum('outcome', _SUCCESS)}, "
        f"out_beta = 1.0 + {_sum('outcome', _FAILURE)}, "
        f"out_n = {_sum('outcome', 'c.weight')}, "
        f"use_alpha = 1.0 + {_sum('usage', _SUCCESS)}, use_beta = 1.0 + {_sum('usage', _FAILURE)}, "
        f"use_n = {_sum('usage', 'c.weight')}, "
        f"ses_alpha = 1.0 + {_sum('session', _SUCCESS)}, "
        f"ses_beta = 1.0 + {_sum('session', _FAILURE)}, ses_n = {_sum('session', 'c.weight')} "
        f"{where}"
    )


def increment_statistics(prefix: str, mark: str) -> str:
    """The statement that adds one credit's ``(successes, failures, n)`` to the statistics
    ``prefix`` (``"out"``, ``"use"`` or ``"ses"``) of the experience ``(namespace, id)``;
    ``mark`` is the dialect's placeholder.

    Example:
        >>> increment_statistics("out", "%s").count("%s")
        5
    """
    return (
        f"UPDATE experiences SET {prefix}_alpha = {prefix}_alpha + {mark}, "
        f"{prefix}_beta = {prefix}_beta + {mark}, {prefix}_n = {prefix}_n + {mark} "
        f"WHERE namespace = {mark} AND id = {mark}"
    )


def _sum(channel: str, part: str) -> str:
    return (
        f"COALESCE((SELECT SUM({part}) FROM credits c WHERE c.item_id = experiences.id "
        f"AND c.channel = '{channel}'), 0.0)"
    )


_SUCCESS = "c.weight * (c.reward + 1.0) / 2.0"
_FAILURE = "c.weight * (1.0 - c.reward) / 2.0"
