"""The abstraction tables and the whole-graph snapshot, written once for both SQL stores.

The abstractions, their ``member_of`` edges (the ``memberships`` table, with the approach each
member used), live approach statistics pooled over the members' credit-backed outcomes, the
usage of lessons from the credit ledger and the snapshot that training and abstraction learning
read. Compaction of absorbed episodes differs between the databases and stays with each store
(:mod:`absmem.store.sqlite_graph`, :mod:`absmem.store.postgres_graph`).

Example:
    >>> from absmem.store.sql_graph import SQLAbstractionTables
    >>> "snapshot" in vars(SQLAbstractionTables), "compact" in vars(SQLAbstractionTables)
    (True, False)
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any, ClassVar

from ..types import Outcome
from .assemble import group_memberships, pool_approach_stats, snapshot_from_rows
from .base import AbstractionRow, ApproachStats, GraphSnapshot, MembershipRow
from .rows import abstraction_params, to_abstraction
from .sql_base import DB, SQLBase

__all__ = ["SQLAbstractionTables"]


class SQLAbstractionTables(SQLBase[DB]):
    """The abstraction, membership and snapshot methods of a SQL store.

    A store writes the statements declared here and implements :meth:`_after_replace`.
    """

    _ABSTRACTIONS: ClassVar[str]
    """The abstractions (:data:`~absmem.store.rows.ABSTRACTION_COLUMNS`) of ``(namespace,)``,
    by level then id."""
    _DELETE_MEMBERSHIPS: ClassVar[str]
    """Delete the memberships of ``(namespace,)``."""
    _DELETE_ABSTRACTIONS: ClassVar[str]
    """Delete the abstractions of ``(namespace,)``."""
    _INSERT_ABSTRACTION: ClassVar[str]
    """Insert or replace an abstraction (:func:`~absmem.store.rows.abstraction_params`)."""
    _MEMBER_OUTCOMES_IN: ClassVar[str]
    """``(abstraction id, approach, successes, failures)`` of the members of the abstractions
    ``{many}`` of ``namespace`` (after the list), newest member first within each abstraction."""
    _ITEM_USAGE_IN: ClassVar[str]
    """``(item id, successes, failures, n)`` summed over the usage credits of the items
    ``{many}`` by feedback of ``namespace`` (after the list)."""
    _MEMBERSHIPS_IN: ClassVar[str]
    """``(experience id, abstraction id, approach)`` of the experiences ``{many}`` of
    ``namespace`` (after the list)."""
    _ABSTRACTIONS_OF: ClassVar[str]
    """Distinct abstraction ids of the members whose ``{column}`` (``user_id`` or
    ``session_id``) is the value, in ``(namespace, value)``."""
    _SNAPSHOT_EXPERIENCES: ClassVar[str]
    """The experiences (:data:`~absmem.store.assemble.SNAPSHOT_COLUMNS`) of ``(namespace,)``
    by key."""
    _SNAPSHOT_EDGES: ClassVar[str]
    """``(src, type, dst, weight)`` of the edges of ``(namespace,)``."""
    _SNAPSHOT_MEMBERSHIPS: ClassVar[str]
    """``(abstraction id, experience id, approach)`` of the memberships of ``(namespace,)``."""

    def _after_replace(self) -> None:
        """After :meth:`replace_abstractions` committed: purge the replaced rows' text from the
        files as the store can."""
        raise NotImplementedError

    def add_memberships(self, namespace: str, memberships: Sequence[MembershipRow]) -> None:
        """Insert ``member_of`` edges (an experience joining an abstraction online)."""
        if memberships:
            self._write(namespace, lambda db: self._insert_memberships(db, namespace, memberships))

    # -- abstractions -------------------------------------------------------------------------

    def abstractions(self, namespace: str) -> list[AbstractionRow]:
        """Every abstraction of ``namespace``, specific ones first."""
        return [to_abstraction(row) for row in self._read(self._ABSTRACTIONS, (namespace,))]

    def replace_abstractions(
        self,
        namespace: str,
        rows: Sequence[AbstractionRow],
        memberships: Sequence[MembershipRow],
        blobs: Sequence[tuple[str, bytes, dict[str, Any]]] = (),
    ) -> None:
        """Swap the namespace's abstractions, memberships and model blobs in one transaction.

        No other write of the namespace runs meanwhile; afterwards the replaced rows are purged
        as the store can (SQLite checkpoints its log, PostgreSQL vacuums when it vacuums).
        """
        now = time.time()

        def swap(db: DB) -> None:
            db.execute(self._DELETE_MEMBERSHIPS, (namespace,))
            db.execute(self._DELETE_ABSTRACTIONS, (namespace,))
            cursor = db.cursor()
            if rows:
                cursor.executemany(self._INSERT_ABSTRACTION, [abstraction_params(r) for r in rows])
            self._insert_memberships(db, namespace, memberships)
            if blobs:
                cursor.executemany(
                    self._PUT_BLOB,
                    [(namespace, name, data, json.dumps(meta), now) for name, data, meta in blobs],
                )

        self._write(namespace, swap, exclusive=True)
        self._after_replace()

    def put_abstraction(self, row: AbstractionRow) -> None:
        """Insert or replace one abstraction (its memberships are left as they are)."""
        params = abstraction_params(row)
        self._write(row.namespace, lambda db: db.execute(self._INSERT_ABSTRACTION, params))

    def approach_stats(
        self, namespace: str, abstraction_ids: Sequence[str], discount: float = 1.0,
        window: int = 0,
    ) -> list[ApproachStats]:  # fmt: skip
        """Live outcome statistics per (abstraction, approach), pooled over the members.

        With ``discount`` < 1 a rated member's feedback counts ``discount ** max(0, r - window)``,
        ``r`` the number of rated members of the same abstraction stored after it.
        """
        if not len(abstraction_ids):
            return []
        rows = self._read_in(self._MEMBER_OUTCOMES_IN, list(abstraction_ids), after=(namespace,))
        return pool_approach_stats(rows, discount, window)

    def item_usage(self, namespace: str, item_ids: Sequence[str]) -> dict[str, Outcome]:
        """The usage posterior of items (lessons) from the credit ledger."""
        if not len(item_ids):
            return {}
        rows = self._read_in(self._ITEM_USAGE_IN, list(item_ids), after=(namespace,))
        return {r[0]: Outcome(alpha=1.0 + r[1], beta=1.0 + r[2], n=r[3]) for r in rows}

    def memberships_of(
        self, namespace: str, experience_ids: Sequence[str]
    ) -> dict[str, list[tuple[str, int]]]:
        """``(abstraction id, approach)`` of each experience's memberships."""
        if not len(experience_ids):
            return {}
        rows = self._read_in(self._MEMBERSHIPS_IN, list(experience_ids), after=(namespace,))
        return group_memberships(rows)

    def abstractions_of(
        self, namespace: str, user_id: str | None = None, session_id: str | None = None
    ) -> list[str]:
        """Ids of the abstractions a user's or session's experiences are members of."""
        column, value = ("user_id", user_id) if user_id is not None else ("session_id", session_id)
        rows = self._read(self._ABSTRACTIONS_OF.format(column=column), (namespace, value))
        return sorted(r[0] for r in rows)

    # -- snapshot -----------------------------------------------------------------------------

    def snapshot(self, namespace: str) -> GraphSnapshot:
        """The namespace's experiences, edges, abstractions and memberships as arrays (read in
        one consistent snapshot of the database where the store can)."""
        with self._consistent():
            rows = self._read(self._SNAPSHOT_EXPERIENCES, (namespace,))
            edges = self._read(self._SNAPSHOT_EDGES, (namespace,))
            members = self._read(self._SNAPSHOT_MEMBERSHIPS, (namespace,))
            abstractions = self.abstractions(namespace)
        return snapshot_from_rows(namespace, rows, edges, members, abstractions)
