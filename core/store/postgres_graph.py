"""The abstraction tables of :class:`~absmem.store.PostgresStore` and the whole-graph snapshot.

The PostgreSQL twin of :mod:`absmem.store.sqlite_graph` (rows are converted by its helpers):
abstractions, their ``member_of`` edges with the approach each member used, live approach
statistics pooled over the members' credit-backed outcomes, compaction of absorbed episodes and
the snapshot that training and abstraction learning read. Here the snapshot is read in one
repeatable-read transaction, so writers in other processes never tear it.

Example:
    >>> from absmem.store import PostgresStore
    >>> store = PostgresStore("host=127.0.0.1 dbname=absmem")  # doctest: +SKIP
    >>> len(store.snapshot("default")), store.abstractions("default")  # doctest: +SKIP
    (0, [])
    >>> from absmem.store.postgres_graph import AbstractionTables
    >>> AbstractionTables in PostgresStore.__mro__
    True
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any, TypeVar

import numpy as np

from ..types import Outcome
from .base import AbstractionRow, ApproachStats, GraphSnapshot, MembershipRow
from .postgres_conn import Connection
from .sqlite_graph import _ABSTRACTION_COLUMNS, _abstraction_params, _to_abstraction

__all__ = ["AbstractionTables"]

_T = TypeVar("_T")

_INSERT_ABSTRACTION = (
    f"INSERT INTO abstractions ({_ABSTRACTION_COLUMNS}) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in _ABSTRACTION_COLUMNS.split(", ")[1:])
)
_INSERT_MEMBERSHIP = (
    "INSERT INTO memberships (abstraction_id, experience_id, namespace, approach) "
    "VALUES (%s, %s, %s, %s) ON CONFLICT (abstraction_id, experience_id) DO UPDATE SET "
    "namespace = EXCLUDED.namespace, approach = EXCLUDED.approach"
)
_PUT_BLOB = (
    "INSERT INTO blobs (namespace, name, data, metadata, created_at) VALUES (%s, %s, %s, %s, %s) "
    "ON CONFLICT (namespace, name) DO UPDATE SET data = EXCLUDED.data, "
    "metadata = EXCLUDED.metadata, created_at = EXCLUDED.created_at"
)
"""Insert or replace a named blob."""


class AbstractionTables:
    """Mixin of :class:`~absmem.store.PostgresStore`: abstractions, memberships and snapshots.

    Example:
        >>> from absmem.store.postgres_graph import AbstractionTables
        >>> [name for name in ("snapshot", "compact") if hasattr(AbstractionTables, name)]
        ['snapshot', 'compact']
    """

    def _write(
        self, namespace: str | None, work: Callable[[Connection], _T], *, exclusive: bool = False
    ) -> _T:
        raise NotImplementedError

    def _read(self, sql: str, params: Sequence[Any] | None = None) -> list[Any]:
        raise NotImplementedError

    def _consistent(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def _vacuum(self, tables: Sequence[str]) -> None:
        raise NotImplementedError

    @staticmethod
    def _bump(db: Connection, namespace: str) -> None:
        db.execute(
            "UPDATE namespaces SET vector_version = vector_version + 1 WHERE namespace = %s",
            (namespace,),
        )

    @staticmethod
    def _insert_memberships(
        db: Connection, namespace: str, memberships: Sequence[MembershipRow]
    ) -> None:
        if memberships:
            db.cursor().executemany(
                _INSERT_MEMBERSHIP,
                [(m.abstraction_id, m.experience_id, namespace, m.approach) for m in memberships],
            )

    def add_memberships(self, namespace: str, memberships: Sequence[MembershipRow]) -> None:
        """Insert ``member_of`` edges (an experience joining an abstraction online)."""
        if memberships:
            self._write(namespace, lambda db: self._insert_memberships(db, namespace, memberships))

    # -- abstractions -------------------------------------------------------------------------

    def abstractions(self, namespace: str) -> list[AbstractionRow]:
        """Every abstraction of ``namespace``, specific ones first."""
        rows = self._read(
            f"SELECT {_ABSTRACTION_COLUMNS} FROM abstractions WHERE namespace = %s "
            "ORDER BY level, id",
            (namespace,),
        )
        return [_to_abstraction(row) for row in rows]

    def replace_abstractions(
        self,
        namespace: str,
        rows: Sequence[AbstractionRow],
        memberships: Sequence[MembershipRow],
        blobs: Sequence[tuple[str, bytes, dict[str, Any]]] = (),
    ) -> None:
        """Swap the namespace's abstractions, memberships and model blobs in one transaction.

        No other write of the namespace runs meanwhile; afterwards the replaced rows are
        vacuumed (when the store vacuums), as SQLite checkpoints its log.
        """
        now = time.time()

        def swap(db: Connection) -> None:
            db.execute("DELETE FROM memberships WHERE namespace = %s", (namespace,))
            db.execute("DELETE FROM abstractions WHERE namespace = %s", (namespace,))
            cursor = db.cursor()
            if rows:
                cursor.executemany(_INSERT_ABSTRACTION, [_abstraction_params(row) for row in rows])
            self._insert_memberships(db, namespace, memberships)
            if blobs:
                cursor.executemany(
                    _PUT_BLOB,
                    [(namespace, name, data, json.dumps(meta), now) for name, data, meta in blobs],
                )

        self._write(namespace, swap, exclusive=True)
        self._vacuum(["abstractions", "memberships", "blobs"])

    def put_abstraction(self, row: AbstractionRow) -> None:
        """Insert or replace one abstraction (its memberships are left as they are)."""
        params = _abstraction_params(row)
        self._write(row.namespace, lambda db: db.execute(_INSERT_ABSTRACTION, params))

    def approach_stats(
        self, namespace: str, abstraction_ids: Sequence[str], discount: float = 1.0,
        window: int = 0,
    ) -> list[ApproachStats]:  # fmt: skip
        """Live outcome statistics per (abstraction, approach), pooled over the members.

        With ``discount`` < 1 a rated member's feedback counts ``discount ** max(0, r - window)``,
        ``r`` the number of rated members of the same abstraction stored after it.
        """
        if not abstraction_ids:
            return []
        # (`namespace || ''`: an expression no index matches; see postgres.py)
        rows = self._read(
            "SELECT m.abstraction_id, m.approach, e.out_alpha - 1.0, e.out_beta - 1.0 "
            "FROM memberships m JOIN experiences e ON e.id = m.experience_id "
            "WHERE m.abstraction_id = ANY(%s) AND m.namespace || '' = %s "
            "ORDER BY m.abstraction_id, e.seq DESC",
            (list(abstraction_ids), namespace),
        )
        return _pool(rows, discount, window)

    def item_usage(self, namespace: str, item_ids: Sequence[str]) -> dict[str, Outcome]:
        """The usage posterior of items (lessons) from the credit ledger."""
        if not item_ids:
            return {}
        rows = self._read(
            "SELECT c.item_id, SUM(c.weight * (c.reward + 1.0) / 2.0), "
            "SUM(c.weight * (1.0 - c.reward) / 2.0), SUM(c.weight) FROM credits c "
            "JOIN feedback f ON f.id = c.feedback_id WHERE c.item_id = ANY(%s) "
            "AND c.channel = 'usage' AND f.namespace || '' = %s GROUP BY c.item_id",
            (list(item_ids), namespace),
        )
        return {r[0]: Outcome(alpha=1.0 + r[1], beta=1.0 + r[2], n=r[3]) for r in rows}

    def memberships_of(
        self, namespace: str, experience_ids: Sequence[str]
    ) -> dict[str, list[tuple[str, int]]]:
        """``(abstraction id, approach)`` of each experience's memberships."""
        if not experience_ids:
            return {}
        rows = self._read(
            "SELECT experience_id, abstraction_id, approach FROM memberships "
            "WHERE experience_id = ANY(%s) AND namespace || '' = %s "
            "ORDER BY experience_id, abstraction_id",
            (list(experience_ids), namespace),
        )
        out: dict[str, list[tuple[str, int]]] = {}
        for exp, node, approach in rows:
            out.setdefault(exp, []).append((node, int(approach)))
        return out

    def abstractions_of(
        self, namespace: str, user_id: str | None = None, session_id: str | None = None
    ) -> list[str]:
        """Ids of the abstractions a user's or session's experiences are members of."""
        column, value = ("user_id", user_id) if user_id is not None else ("session_id", session_id)
        rows = self._read(
            "SELECT DISTINCT m.abstraction_id FROM memberships m JOIN experiences e "
            f"ON e.id = m.experience_id WHERE e.namespace = %s AND e.{column} = %s",
            (namespace, value),
        )
        return sorted(r[0] for r in rows)

    def compact(self, namespace: str, experience_ids: Sequence[str]) -> list[int]:
        """Erase the text of absorbed experiences (statistics and vectors stay); their keys.

        A compacted experience leaves the candidate index (there is nothing left to serve) but
        stays in the graph and in its abstraction's statistics.
        """

        def work(db: Connection) -> list[int]:
            seqs = [
                int(r[0])
                for r in db.execute(
                    "UPDATE experiences SET context = '', response = '', metadata = '{}', "
                    "compacted = TRUE WHERE namespace = %s AND NOT compacted AND id = ANY(%s) "
                    "RETURNING seq",
                    (namespace, list(experience_ids)),
                )
            ]
            if seqs:
                self._bump(db, namespace)
            return sorted(seqs)

        if not experience_ids:
            return []
        return self._write(namespace, work)

    # -- snapshot -----------------------------------------------------------------------------

    def snapshot(self, namespace: str) -> GraphSnapshot:
        """The namespace's experiences, edges, abstractions and memberships as arrays, read in
        one consistent snapshot of the database."""
        with self._consistent():
            rows = self._read(
                "SELECT e.seq, e.id, v.context_vec, v.response_vec, e.out_alpha, e.out_beta, "
                "e.out_n, e.use_alpha, e.use_beta, e.use_n, e.created_at, e.user_id, "
                "e.session_id, e.compacted, e.context, e.response FROM experiences e "
                "JOIN experience_vectors v ON v.seq = e.seq "
                "WHERE e.namespace = %s ORDER BY e.seq",
                (namespace,),
            )
            edge_rows = self._read(
                "SELECT src, type, dst, weight FROM edges WHERE namespace = %s "
                "ORDER BY src, type, dst",
                (namespace,),
            )
            members = self._read(
                "SELECT abstraction_id, experience_id, approach FROM memberships "
                "WHERE namespace = %s ORDER BY abstraction_id, experience_id",
                (namespace,),
            )
            abstractions = self.abstractions(namespace)
        return _snapshot(namespace, rows, edge_rows, members, abstractions)


def _pool(rows: Iterable[Sequence[Any]], discount: float, window: int) -> list[ApproachStats]:
    """Pool ``(abstraction, approach, successes, failures)`` rows, newest member first within
    each abstraction, discounting older rated members (as SQLiteStore does)."""
    sums: dict[tuple[str, int], list[float]] = {}
    newer: dict[str, int] = {}
    for node, approach, successes, failures in rows:
        weight = discount ** max(0, newer.get(node, 0) - window)
        if successes + failures > 0:
            newer[node] = newer.get(node, 0) + 1
        acc = sums.setdefault((node, int(approach)), [0.0, 0.0, 0])
        acc[0] += weight * successes
        acc[1] += weight * failures
        acc[2] += 1
    return [ApproachStats(n, a, s, f, int(c)) for (n, a), (s, f, c) in sums.items()]


def _snapshot(
    namespace: str,
    rows: list[Any],
    edge_rows: list[Any],
    members: list[Any],
    abstractions: list[AbstractionRow],
) -> GraphSnapshot:
    """Arrange the snapshot's rows into a :class:`GraphSnapshot` (as SQLiteStore does)."""
    n = len(rows)
    ids = [r[1] for r in rows]
    row_of = {node: i for i, node in enumerate(ids)}

    def vectors(column: int) -> np.ndarray:
        if not n:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([np.frombuffer(r[column], dtype=np.float32) for r in rows])

    edges: dict[str, tuple[list[int], list[int], list[float]]] = {}
    lessons: list[tuple[int, str]] = []
    for src, kind, dst, weight in edge_rows:
        if src not in row_of:
            continue
        if dst in row_of:
            bucket = edges.setdefault(kind, ([], [], []))
            bucket[0].append(row_of[src])
            bucket[1].append(row_of[dst])
            bucket[2].append(float(weight))
        elif kind == "informed_by":
            lessons.append((row_of[src], dst))
    return GraphSnapshot(
        namespace=namespace,
        seqs=np.array([r[0] for r in rows], dtype=np.int64),
        ids=ids,
        contexts=vectors(2),
        responses=vectors(3),
        outcome=np.array([r[4:7] for r in rows], dtype=np.float64).reshape(n, 3),
        usage=np.array([r[7:10] for r in rows], dtype=np.float64).reshape(n, 3),
        created_at=np.array([r[10] for r in rows], dtype=np.float64),
        users=[r[11] for r in rows],
        sessions=[r[12] for r in rows],
        compacted=np.array([bool(r[13]) for r in rows], dtype=bool),
        edges={
            kind: (
                np.array(s, dtype=np.int64),
                np.array(d, dtype=np.int64),
                np.array(w, dtype=np.float32),
            )
            for kind, (s, d, w) in edges.items()
        },
        informed_by_lessons=lessons,
        abstractions=abstractions,
        memberships=[MembershipRow(r[0], r[1], int(r[2])) for r in members],
        contexts_text=[r[14] for r in rows],
        responses_text=[r[15] for r in rows],
    )
