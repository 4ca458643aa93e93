"""The abstraction tables of :class:`~absmem.store.SQLiteStore` and the whole-graph snapshot.

Kept apart from ``sqlite.py`` (one concept per module): the abstractions, their ``member_of``
edges (the ``memberships`` table, with the approach each member used), live approach statistics
pooled over the members' credit-backed outcomes, compaction of absorbed episodes and the
snapshot that training and abstraction learning read.

Example:
    >>> import os, tempfile
    >>> from absmem.store import SQLiteStore
    >>> with tempfile.TemporaryDirectory() as d:
    ...     store = SQLiteStore(os.path.join(d, "absmem.db"))
    ...     print(len(store.snapshot("default")), store.abstractions("default"))
    ...     store.close()
    0 []
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

import numpy as np

from ..types import Outcome
from .base import AbstractionRow, ApproachStats, GraphSnapshot, MembershipRow

__all__ = ["AbstractionTables"]

_ABSTRACTION_COLUMNS = (
    "id, namespace, level, parent_id, support, situation, lesson, data, vectors, dim, "
    "created_at, updated_at"
)


def _to_abstraction(row: Sequence[Any]) -> AbstractionRow:
    dim = int(row[9])
    vectors = np.frombuffer(row[8], dtype=np.float32).reshape(-1, dim).copy()
    return AbstractionRow(
        id=row[0], namespace=row[1], level=int(row[2]), parent_id=row[3], support=int(row[4]),
        situation=row[5], lesson=row[6], data=json.loads(row[7]), vectors=vectors,
        created_at=float(row[10]), updated_at=float(row[11]),
    )  # fmt: skip


def _abstraction_params(row: AbstractionRow) -> tuple[Any, ...]:
    vectors = np.ascontiguousarray(row.vectors, dtype=np.float32)
    return (
        row.id, row.namespace, row.level, row.parent_id, row.support, row.situation, row.lesson,
        json.dumps(row.data), vectors.tobytes(), int(vectors.shape[1]), row.created_at,
        row.updated_at,
    )  # fmt: skip


_INSERT_ABSTRACTION = (
    f"INSERT OR REPLACE INTO abstractions ({_ABSTRACTION_COLUMNS}) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_MEMBERSHIP = (
    "INSERT OR REPLACE INTO memberships (abstraction_id, experience_id, namespace, approach) "
    "VALUES (?, ?, ?, ?)"
)


class AbstractionTables:
    """Mixin of :class:`~absmem.store.SQLiteStore`: abstractions, memberships and snapshots."""

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        raise NotImplementedError

    def _bump(self, db: sqlite3.Connection, namespace: str) -> None:
        raise NotImplementedError

    def _checkpoint(self) -> None:
        """Move the WAL into the main file and truncate it (no replaced lesson text lingers)."""
        raise NotImplementedError

    @staticmethod
    def _insert_memberships(
        db: sqlite3.Connection, namespace: str, memberships: Sequence[MembershipRow]
    ) -> None:
        db.executemany(
            _INSERT_MEMBERSHIP,
            [(m.abstraction_id, m.experience_id, namespace, m.approach) for m in memberships],
        )

    def add_memberships(self, namespace: str, memberships: Sequence[MembershipRow]) -> None:
        """Insert ``member_of`` edges (an experience joining an abstraction online)."""
        if memberships:
            with self._tx() as db:
                self._insert_memberships(db, namespace, memberships)

    # -- abstractions -------------------------------------------------------------------------

    def abstractions(self, namespace: str) -> list[AbstractionRow]:
        """Every abstraction of ``namespace``, specific ones first."""
        rows = self._read(
            f"SELECT {_ABSTRACTION_COLUMNS} FROM abstractions WHERE namespace = ? "
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
        """Swap the namespace's abstractions, memberships and model blobs in one transaction."""
        now = time.time()
        with self._tx() as db:
            db.execute("DELETE FROM memberships WHERE namespace = ?", (namespace,))
            db.execute("DELETE FROM abstractions WHERE namespace = ?", (namespace,))
            db.executemany(_INSERT_ABSTRACTION, [_abstraction_params(row) for row in rows])
            self._insert_memberships(db, namespace, memberships)
            db.executemany(
                "INSERT OR REPLACE INTO blobs (namespace, name, data, metadata, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [(namespace, name, data, json.dumps(meta), now) for name, data, meta in blobs],
            )
        self._checkpoint()

    def put_abstraction(self, row: AbstractionRow) -> None:
        """Insert or replace one abstraction (its memberships are left as they are)."""
        with self._tx() as db:
            db.execute(_INSERT_ABSTRACTION, _abstraction_params(row))

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
        marks = ",".join("?" * len(abstraction_ids))
        rows = self._read(
            "SELECT m.abstraction_id, m.approach, e.out_alpha - 1.0, e.out_beta - 1.0 "
            "FROM memberships m JOIN experiences e ON e.id = m.experience_id "
            f"WHERE m.abstraction_id IN ({marks}) AND +m.namespace = ? "
            "ORDER BY m.abstraction_id, e.seq DESC",
            [*abstraction_ids, namespace],
        )
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

    def item_usage(self, namespace: str, item_ids: Sequence[str]) -> dict[str, Outcome]:
        """The usage posterior of items (lessons) from the credit ledger."""
        if not item_ids:
            return {}
        marks = ",".join("?" * len(item_ids))
        rows = self._read(
            "SELECT c.item_id, SUM(c.weight * (c.reward + 1.0) / 2.0), "
            "SUM(c.weight * (1.0 - c.reward) / 2.0), SUM(c.weight) FROM credits c "
            f"JOIN feedback f ON f.id = c.feedback_id WHERE c.item_id IN ({marks}) "
            "AND c.channel = 'usage' AND f.namespace = ? GROUP BY c.item_id",
            [*item_ids, namespace],
        )
        return {r[0]: Outcome(alpha=1.0 + r[1], beta=1.0 + r[2], n=r[3]) for r in rows}

    def memberships_of(
        self, namespace: str, experience_ids: Sequence[str]
    ) -> dict[str, list[tuple[str, int]]]:
        """``(abstraction id, approach)`` of each experience's memberships."""
        if not experience_ids:
            return {}
        marks = ",".join("?" * len(experience_ids))
        rows = self._read(
            "SELECT experience_id, abstraction_id, approach FROM memberships "
            f"WHERE experience_id IN ({marks}) AND namespace = ?",
            [*experience_ids, namespace],
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
            f"ON e.id = m.experience_id WHERE e.namespace = ? AND e.{column} = ?",
            (namespace, value),
        )
        return sorted(r[0] for r in rows)

    def compact(self, namespace: str, experience_ids: Sequence[str]) -> list[int]:
        """Erase the text of absorbed experiences (statistics and vectors stay); their keys.

        A compacted experience leaves the candidate index (there is nothing left to serve) but
        stays in the graph and in its abstraction's statistics.
        """
        seqs: list[int] = []
        with self._tx() as db:
            for start in range(0, len(experience_ids), 500):
                part = list(experience_ids[start : start + 500])
                marks = ",".join("?" * len(part))
                seqs += [
                    int(r[0])
                    for r in db.execute(
                        f"SELECT seq FROM experiences WHERE namespace = ? AND compacted = 0 "
                        f"AND id IN ({marks})",
                        [namespace, *part],
                    )
                ]
                db.execute(
                    "UPDATE experiences SET context = '', response = '', metadata = '{}', "
                    f"compacted = 1 WHERE namespace = ? AND id IN ({marks})",
                    [namespace, *part],
                )
            if seqs:
                self._bump(db, namespace)
        return seqs

    # -- snapshot -----------------------------------------------------------------------------

    def snapshot(self, namespace: str) -> GraphSnapshot:
        """The namespace's experiences, edges, abstractions and memberships as arrays."""
        rows = self._read(
            "SELECT e.seq, e.id, v.context_vec, v.response_vec, e.out_alpha, e.out_beta, "
            "e.out_n, e.use_alpha, e.use_beta, e.use_n, e.created_at, e.user_id, e.session_id, "
            "e.compacted, e.context, e.response FROM experiences e "
            "JOIN experience_vectors v ON v.seq = e.seq "
            "WHERE e.namespace = ? ORDER BY e.seq",
            (namespace,),
        )
        n = len(rows)
        ids = [r[1] for r in rows]
        row_of = {node: i for i, node in enumerate(ids)}

        def vectors(column: int) -> np.ndarray:
            if not n:
                return np.zeros((0, 0), dtype=np.float32)
            return np.stack([np.frombuffer(r[column], dtype=np.float32) for r in rows])

        edges: dict[str, tuple[list[int], list[int], list[float]]] = {}
        lessons: list[tuple[int, str]] = []
        for src, kind, dst, weight in self._read(
            "SELECT src, type, dst, weight FROM edges WHERE namespace = ?", (namespace,)
        ):
            if src not in row_of:
                continue
            if dst in row_of:
                bucket = edges.setdefault(kind, ([], [], []))
                bucket[0].append(row_of[src])
                bucket[1].append(row_of[dst])
                bucket[2].append(float(weight))
            elif kind == "informed_by":
                lessons.append((row_of[src], dst))
        members = self._read(
            "SELECT abstraction_id, experience_id, approach FROM memberships WHERE namespace = ?",
            (namespace,),
        )
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
            abstractions=self.abstractions(namespace),
            memberships=[MembershipRow(r[0], r[1], int(r[2])) for r in members],
            contexts_text=[r[14] for r in rows],
            responses_text=[r[15] for r in rows],
        )
