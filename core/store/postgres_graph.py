"""The abstraction tables of :class:`~absmem.store.PostgresStore` and the whole-graph snapshot.

The statements the shared methods of :class:`~absmem.store.sql_graph.SQLAbstractionTables` run
on PostgreSQL (abstractions, their ``member_of`` edges with the approach each member used, live
approach statistics, the snapshot that training and abstraction learning read) and the
compaction of absorbed episodes. Here the snapshot is read in one repeatable-read transaction,
so writers in other processes never tear it.

Example:
    >>> from absmem.store import PostgresStore
    >>> store = PostgresStore("host=127.0.0.1 dbname=absmem")  # doctest: +SKIP
    >>> len(store.snapshot("default")), store.abstractions("default")  # doctest: +SKIP
    (0, [])
    >>> from absmem.store.postgres_graph import AbstractionTables
    >>> AbstractionTables._SNAPSHOT_EDGES.endswith("ORDER BY src, type, dst")  # a stable order
    True
"""

from __future__ import annotations

from collections.abc import Sequence

from .assemble import SNAPSHOT_COLUMNS
from .postgres_conn import Connection
from .rows import ABSTRACTION_COLUMNS
from .sql_graph import SQLAbstractionTables

__all__ = ["AbstractionTables"]


class AbstractionTables(SQLAbstractionTables[Connection]):
    """Mixin of :class:`~absmem.store.PostgresStore`: abstractions, memberships and snapshots."""

    _INSERT_MEMBERSHIP = (
        "INSERT INTO memberships (abstraction_id, experience_id, namespace, approach) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT (abstraction_id, experience_id) DO UPDATE SET "
        "namespace = EXCLUDED.namespace, approach = EXCLUDED.approach"
    )
    _ABSTRACTIONS = (
        f"SELECT {ABSTRACTION_COLUMNS} FROM abstractions WHERE namespace = %s ORDER BY level, id"
    )
    _DELETE_MEMBERSHIPS = "DELETE FROM memberships WHERE namespace = %s"
    _DELETE_ABSTRACTIONS = "DELETE FROM abstractions WHERE namespace = %s"
    _INSERT_ABSTRACTION = (
        f"INSERT INTO abstractions ({ABSTRACTION_COLUMNS}) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in ABSTRACTION_COLUMNS.split(", ")[1:])
    )
    # (`namespace || ''`: an expression no index matches; see postgres.py)
    _MEMBER_OUTCOMES_IN = (
        "SELECT m.abstraction_id, m.approach, e.out_alpha - 1.0, e.out_beta - 1.0 "
        "FROM memberships m JOIN experiences e ON e.id = m.experience_id "
        "WHERE m.abstraction_id = ANY({many}) AND m.namespace || '' = %s "
        "ORDER BY m.abstraction_id, e.seq DESC"
    )
    _ITEM_USAGE_IN = (
        "SELECT c.item_id, SUM(c.weight * (c.reward + 1.0) / 2.0), "
        "SUM(c.weight * (1.0 - c.reward) / 2.0), SUM(c.weight) FROM credits c "
        "JOIN feedback f ON f.id = c.feedback_id WHERE c.item_id = ANY({many}) "
        "AND c.channel = 'usage' AND f.namespace || '' = %s GROUP BY c.item_id"
    )
    _MEMBERSHIPS_IN = (
        "SELECT experience_id, abstraction_id, approach FROM memberships "
        "WHERE experience_id = ANY({many}) AND namespace || '' = %s "
        "ORDER BY experience_id, abstraction_id"
    )
    _ABSTRACTIONS_OF = (
        "SELECT DISTINCT m.abstraction_id FROM memberships m JOIN experiences e "
        "ON e.id = m.experience_id WHERE e.namespace = %s AND e.{column} = %s"
    )
    _SNAPSHOT_EXPERIENCES = (
        f"SELECT {SNAPSHOT_COLUMNS} FROM experiences e "
        "JOIN experience_vectors v ON v.seq = e.seq WHERE e.namespace = %s ORDER BY e.seq"
    )
    _SNAPSHOT_EDGES = (
        "SELECT src, type, dst, weight FROM edges WHERE namespace = %s ORDER BY src, type, dst"
    )
    _SNAPSHOT_MEMBERSHIPS = (
        "SELECT abstraction_id, experience_id, approach FROM memberships "
        "WHERE namespace = %s ORDER BY abstraction_id, experience_id"
    )

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
