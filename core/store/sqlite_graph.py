"""The abstraction tables of :class:`~absmem.store.SQLiteStore`: its SQL and its compaction.

Kept apart from ``sqlite.py`` (one concept per module): the statements the shared methods of
:class:`~absmem.store.sql_graph.SQLAbstractionTables` run on SQLite (abstractions, their
``member_of`` edges in the ``memberships`` table with the approach each member used, live
approach statistics, the snapshot that training and abstraction learning read) and the
compaction of absorbed episodes.

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

import sqlite3
from collections.abc import Sequence

from .assemble import SNAPSHOT_COLUMNS
from .rows import ABSTRACTION_COLUMNS
from .sql_graph import SQLAbstractionTables

__all__ = ["AbstractionTables"]


class AbstractionTables(SQLAbstractionTables[sqlite3.Connection]):
    """Mixin of :class:`~absmem.store.SQLiteStore`: abstractions, memberships and snapshots."""

    _INSERT_MEMBERSHIP = (
        "INSERT OR REPLACE INTO memberships (abstraction_id, experience_id, namespace, approach) "
        "VALUES (?, ?, ?, ?)"
    )
    _ABSTRACTIONS = (
        f"SELECT {ABSTRACTION_COLUMNS} FROM abstractions WHERE namespace = ? ORDER BY level, id"
    )
    _DELETE_MEMBERSHIPS = "DELETE FROM memberships WHERE namespace = ?"
    _DELETE_ABSTRACTIONS = "DELETE FROM abstractions WHERE namespace = ?"
    _INSERT_ABSTRACTION = (
        f"INSERT OR REPLACE INTO abstractions ({ABSTRACTION_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    _MEMBER_OUTCOMES_IN = (
        "SELECT m.abstraction_id, m.approach, e.out_alpha - 1.0, e.out_beta - 1.0 "
        "FROM memberships m JOIN experiences e ON e.id = m.experience_id "
        "WHERE m.abstraction_id IN ({many}) AND +m.namespace = ? "
        "ORDER BY m.abstraction_id, e.seq DESC"
    )
    _ITEM_USAGE_IN = (
        "SELECT c.item_id, SUM(c.weight * (c.reward + 1.0) / 2.0), "
        "SUM(c.weight * (1.0 - c.reward) / 2.0), SUM(c.weight) FROM credits c "
        "JOIN feedback f ON f.id = c.feedback_id WHERE c.item_id IN ({many}) "
        "AND c.channel = 'usage' AND f.namespace = ? GROUP BY c.item_id"
    )
    _MEMBERSHIPS_IN = (
        "SELECT experience_id, abstraction_id, approach FROM memberships "
        "WHERE experience_id IN ({many}) AND namespace = ?"
    )
    _ABSTRACTIONS_OF = (
        "SELECT DISTINCT m.abstraction_id FROM memberships m JOIN experiences e "
        "ON e.id = m.experience_id WHERE e.namespace = ? AND e.{column} = ?"
    )
    _SNAPSHOT_EXPERIENCES = (
        f"SELECT {SNAPSHOT_COLUMNS} FROM experiences e "
        "JOIN experience_vectors v ON v.seq = e.seq WHERE e.namespace = ? ORDER BY e.seq"
    )
    _SNAPSHOT_EDGES = "SELECT src, type, dst, weight FROM edges WHERE namespace = ?"
    _SNAPSHOT_MEMBERSHIPS = (
        "SELECT abstraction_id, experience_id, approach FROM memberships WHERE namespace = ?"
    )

    def compact(self, namespace: str, experience_ids: Sequence[str]) -> list[int]:
        """Erase the text of absorbed experiences (statistics and vectors stay); their keys.

        A compacted experience leaves the candidate index (there is nothing left to serve) but
        stays in the graph and in its abstraction's statistics.
        """

        def work(db: sqlite3.Connection) -> list[int]:
            seqs: list[int] = []
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

        return self._write(namespace, work)
