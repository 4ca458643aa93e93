"""Results assembled from fetched rows: what SQLiteStore and PostgresStore compute after a query.

Each function takes the rows of one or a few queries (tuples, in the column order its docstring
names) and builds what a :class:`~absmem.store.GraphStore` method returns: vectors stacked in the
order asked for, approach statistics pooled over an abstraction's members, the rated recalls of
the policy's history, the whole-graph snapshot. No database is touched, so both stores return the
same result for the same rows.

Example:
    >>> from absmem.store.assemble import group_memberships
    >>> group_memberships([("e1", "a1", 0), ("e1", "a2", 1), ("e2", "a1", 0)])
    {'e1': [('a1', 0), ('a2', 1)], 'e2': [('a1', 0)]}
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .base import (
    AbstractionRow,
    ApproachStats,
    GraphSnapshot,
    LoggedRecall,
    MembershipRow,
    PolicyLogRow,
    StoredExperience,
)
from .rows import to_experience

__all__ = [
    "SNAPSHOT_COLUMNS",
    "RatedRecalls",
    "experiences_in_order",
    "group_memberships",
    "logged_recalls",
    "pool_approach_stats",
    "rated_recalls",
    "snapshot_from_rows",
    "vector_batch",
    "vectors_in_order",
]

SNAPSHOT_COLUMNS = (
    "e.seq, e.id, v.context_vec, v.response_vec, e.out_alpha, e.out_beta, e.out_n, "
    "e.use_alpha, e.use_beta, e.use_n, e.created_at, e.user_id, e.session_id, e.compacted, "
    "e.context, e.response"
)
"""The columns (of ``experiences e`` joined with ``experience_vectors v``) of the experience
rows :func:`snapshot_from_rows` reads, in its order."""


def experiences_in_order(
    rows: Iterable[Sequence[Any]], seqs: Sequence[int]
) -> list[StoredExperience]:
    """The experiences of ``rows`` (of :data:`~absmem.store.rows.EXPERIENCE_COLUMNS`) in the
    order of ``seqs``; keys without a row are left out.

    Example:
        >>> row = (7, "e1", "ns", "c", "r", 0.0, None, None, None, "{}",
        ...        1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0, 1.0, 1.0, 0.0)
        >>> [e.id for e in experiences_in_order([row], [9, 7, 7])]
        ['e1', 'e1']
    """
    by_seq = {row[0]: to_experience(row) for row in rows}
    return [by_seq[int(s)] for s in seqs if int(s) in by_seq]


def vector_batch(rows: Sequence[Sequence[Any]]) -> tuple[np.ndarray, np.ndarray]:
    """``(keys, vectors)`` of non-empty ``(seq, vector bytes)`` rows, in their order.

    Example:
        >>> keys, vectors = vector_batch([(3, bytes(8)), (5, bytes(8))])
        >>> keys.tolist(), vectors.shape
        ([3, 5], (2, 2))
    """
    keys = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    vectors = np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
    return keys, vectors


def vectors_in_order(rows: Iterable[Sequence[Any]], seqs: Sequence[int]) -> np.ndarray:
    """The vectors of ``(seq, vector bytes)`` rows stacked in the order of ``seqs`` (every key
    must have a row); ``(0, 0)`` for no keys.

    Example:
        >>> vectors_in_order([(3, bytes(8)), (5, bytes(4) * 2)], [5, 3, 5]).shape
        (3, 2)
    """
    found = {r[0]: np.frombuffer(r[1], dtype=np.float32) for r in rows}
    return np.stack([found[int(s)] for s in seqs]) if len(seqs) else np.zeros((0, 0))


def pool_approach_stats(
    rows: Iterable[Sequence[Any]], discount: float, window: int
) -> list[ApproachStats]:
    """Pool ``(abstraction id, approach, successes, failures)`` member rows into statistics per
    (abstraction, approach).

    Rows come newest member first within each abstraction. A rated member's feedback counts
    ``discount ** max(0, r - window)``, ``r`` the number of rated members of the same
    abstraction before it (stored after it).

    Example:
        >>> rows = [("a", 0, 1.0, 0.0), ("a", 0, 0.0, 1.0), ("a", 1, 0.0, 0.0)]
        >>> [(s.approach, s.successes, s.failures, s.members)
        ...  for s in pool_approach_stats(rows, discount=0.5, window=0)]
        [(0, 1.0, 0.5, 2), (1, 0.0, 0.0, 1)]
    """
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


def group_memberships(rows: Iterable[Sequence[Any]]) -> dict[str, list[tuple[str, int]]]:
    """``{experience id: [(abstraction id, approach), ...]}`` from ``(experience id,
    abstraction id, approach)`` rows, in their order.

    Example:
        >>> group_memberships([("e1", "a1", "2")])
        {'e1': [('a1', 2)]}
    """
    out: dict[str, list[tuple[str, int]]] = {}
    for exp, node, approach in rows:
        out.setdefault(exp, []).append((node, int(approach)))
    return out


@dataclass(frozen=True)
class RatedRecalls:
    """The recalls that received feedback, from the ledger: the ``limit`` most recently rated
    (oldest first), and for every rated recall its rewards in arrival order and its usage
    credits ``(item id, reward, weight)``."""

    last: list[str]
    rewards: defaultdict[str, list[float]]
    credits: defaultdict[str, list[tuple[str, float, float]]]


def rated_recalls(rows: Iterable[Sequence[Any]], limit: int) -> RatedRecalls:
    """Group the ledger's ``(feedback id, recall id, reward, credited item, credit weight)``
    rows (in arrival order; one per usage credit, item ``None`` for a feedback without one;
    recall ``None`` for a feedback on no recall) by recall.

    A feedback's reward counts once however many credits it gave; a recall is as recent as the
    last feedback on it.

    Example:
        >>> rows = [("f1", "r1", 1.0, "e1", 0.5), ("f1", "r1", 1.0, "e2", 0.5),
        ...         ("f2", "r2", -1.0, None, None), ("f3", None, 1.0, None, None),
        ...         ("f4", "r1", 0.0, None, None)]
        >>> rated = rated_recalls(rows, limit=5)
        >>> rated.last, rated.rewards["r1"], rated.credits["r1"]
        (['r2', 'r1'], [1.0, 0.0], [('e1', 1.0, 0.5), ('e2', 1.0, 0.5)])
        >>> rated_recalls(rows, limit=1).last
        ['r1']
    """
    rewards: defaultdict[str, list[float]] = defaultdict(list)
    credits: defaultdict[str, list[tuple[str, float, float]]] = defaultdict(list)
    counted: set[str] = set()
    order: dict[str, int] = {}
    for i, (feedback, recall, reward, item, weight) in enumerate(rows):
        if recall is None:
            continue
        order[recall] = i
        if feedback not in counted:
            counted.add(feedback)
            rewards[recall].append(float(reward))
        if item is not None:
            credits[recall].append((item, float(reward), float(weight)))
    last = sorted(order, key=order.__getitem__)[-limit:] if limit > 0 else []
    return RatedRecalls(last, rewards, credits)


def logged_recalls(
    rated: RatedRecalls, logs: dict[str, PolicyLogRow], served: Iterable[Sequence[Any]]
) -> list[LoggedRecall]:
    """The :class:`LoggedRecall` of each of ``rated.last`` that the policy logged (``logs`` by
    recall id), with its served item ids from ``(recall id, item id)`` rows in rank order.

    Example:
        >>> log = PolicyLogRow("r1", "ns", "linear", ["e1"], ["experience"], [-1],
        ...                    np.ones((1, 1)), np.ones(1), 0.0)
        >>> rated = rated_recalls([("f1", "r1", 1.0, None, None),
        ...                        ("f2", "r2", 1.0, None, None)], limit=5)
        >>> [(r.log.recall_id, r.served, r.rewards)
        ...  for r in logged_recalls(rated, {"r1": log}, [("r1", "e1")])]
        [('r1', ['e1'], [1.0])]
    """
    items: dict[str, list[str]] = defaultdict(list)
    for recall_id, item in served:
        items[recall_id].append(item)
    return [
        LoggedRecall(logs[r], items[r], rated.rewards[r], rated.credits[r])
        for r in rated.last
        if r in logs
    ]


def snapshot_from_rows(
    namespace: str,
    rows: Sequence[Sequence[Any]],
    edge_rows: Iterable[Sequence[Any]],
    members: Iterable[Sequence[Any]],
    abstractions: list[AbstractionRow],
) -> GraphSnapshot:
    """A :class:`GraphSnapshot` from the namespace's experience rows (of
    :data:`SNAPSHOT_COLUMNS`, in key order), its ``(src, type, dst, weight)`` edge rows, its
    ``(abstraction id, experience id, approach)`` membership rows and its abstractions.

    Edges between two experiences become index arrays per edge type; an ``informed_by`` edge to
    something else (a lesson) becomes an ``(experience row, lesson id)`` pair; edges leaving
    anything but an experience are left out.

    Example:
        >>> vec = bytes(8)
        >>> rows = [(1, "e1", vec, vec, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, "u", None, 0, "c", "r"),
        ...         (2, "e2", vec, vec, 2.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0, "u", None, 0, "c", "r")]
        >>> edges = [("e2", "next", "e1", 1.0), ("e2", "informed_by", "a1", 1.0)]
        >>> snap = snapshot_from_rows("ns", rows, edges, [("a1", "e1", 0)], [])
        >>> snap.contexts.shape, snap.edges["next"][0].tolist(), snap.informed_by_lessons
        ((2, 2), [1], [(1, 'a1')])
    """
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
