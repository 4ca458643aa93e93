"""Results built from fetched rows (absmem.store.assemble), on hand-made rows."""

from __future__ import annotations

import numpy as np
import pytest

from absmem.store.assemble import (
    SNAPSHOT_COLUMNS,
    experiences_in_order,
    logged_recalls,
    pool_approach_stats,
    rated_recalls,
    snapshot_from_rows,
    vector_batch,
    vectors_in_order,
)
from absmem.store.base import ApproachStats, MembershipRow, PolicyLogRow


def _vec(*values: float) -> bytes:
    return np.array(values, dtype=np.float32).tobytes()


def test_experiences_come_in_the_order_asked() -> None:
    rows = [(seq, f"e{seq}", "ns", "c", "r", 0.0, None, None, None, "{}",
             1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0, 1.0, 1.0, 0.0) for seq in (1, 2)]  # fmt: skip
    assert [e.id for e in experiences_in_order(rows, [2, 9, 1])] == ["e2", "e1"]


def test_vectors_come_in_the_order_asked() -> None:
    rows = [(1, _vec(1, 0)), (2, _vec(0, 1))]
    assert vectors_in_order(rows, [2, 1, 2]).tolist() == [[0, 1], [1, 0], [0, 1]]
    assert vectors_in_order([], []).shape == (0, 0)
    with pytest.raises(KeyError):
        vectors_in_order(rows, [3])
    keys, vectors = vector_batch(rows)
    assert (keys.dtype, keys.tolist(), vectors.shape) == (np.int64, [1, 2], (2, 2))


def test_pooling_discounts_older_rated_members_past_the_window() -> None:
    # Newest first: a's rated members weigh 1, 1 (window), then 0.5; b is pooled apart.
    rows = [("a", 0, 1.0, 0.0), ("a", 0, 0.0, 1.0), ("a", 1, 0.0, 0.0), ("a", 1, 2.0, 0.0),
            ("b", 0, 1.0, 1.0)]  # fmt: skip
    stats = pool_approach_stats(rows, discount=0.5, window=1)
    assert stats == [ApproachStats("a", 0, 1.0, 1.0, 2), ApproachStats("a", 1, 1.0, 0.0, 2),
                     ApproachStats("b", 0, 1.0, 1.0, 1)]  # fmt: skip
    assert pool_approach_stats(rows, discount=1.0, window=0)[1].successes == 2.0


def test_rated_recalls_count_each_feedback_once_in_arrival_order() -> None:
    rows = [("f1", "r1", 1.0, "e1", 0.5), ("f1", "r1", 1.0, "e2", 0.5),
            ("f2", "r2", -1.0, None, None), ("f3", None, 1.0, None, None),
            ("f4", "r1", 0.0, None, None)]  # fmt: skip
    rated = rated_recalls(rows, limit=10)
    assert rated.last == ["r2", "r1"]  # r1 was rated last
    assert (rated.rewards["r1"], rated.rewards["r2"]) == ([1.0, 0.0], [-1.0])
    assert rated.credits["r1"] == [("e1", 1.0, 0.5), ("e2", 1.0, 0.5)]
    assert rated_recalls(rows, limit=0).last == []


def test_logged_recalls_keep_the_logged_ones_with_their_served_items() -> None:
    log = PolicyLogRow("r2", "ns", "linear", ["e1", "e2"], ["experience"] * 2, [-1, -1],
                       np.ones((2, 1)), np.ones(2) / 2, 0.0)  # fmt: skip
    rated = rated_recalls([("f1", "r1", 1.0, None, None), ("f2", "r2", 0.5, "e2", 1.0)], 10)
    served = [("r2", "e2"), ("r2", "e1"), ("r1", "e9")]
    (only,) = logged_recalls(rated, {"r2": log}, served)
    assert (only.log, only.served, only.rewards, only.credits) == (
        log, ["e2", "e1"], [0.5], [("e2", 0.5, 1.0)])  # fmt: skip


def test_a_snapshot_indexes_edges_by_row() -> None:
    assert len(SNAPSHOT_COLUMNS.split(", ")) == 16
    rows = [(5, "e1", _vec(1, 0), _vec(2, 0), 2.0, 1.0, 1.0, 1.0, 1.0, 0.0, 10.0, "u", "s", 0,
             "c1", "r1"),
            (9, "e2", _vec(0, 1), _vec(0, 2), 1.0, 1.0, 0.0, 1.0, 2.0, 1.0, 11.0, None, "s", 1,
             "", "")]  # fmt: skip
    edges = [("e2", "next", "e1", 1.0), ("e1", "similar", "e2", 0.25),
             ("e2", "informed_by", "a1", 1.0), ("a1", "next", "e1", 1.0),
             ("e1", "similar", "gone", 1.0)]  # fmt: skip
    snap = snapshot_from_rows("ns", rows, edges, [("a1", "e1", "1")], [])
    assert snap.seqs.tolist() == [5, 9]
    assert snap.contexts.tolist() == [[1, 0], [0, 1]]
    assert snap.outcome.tolist()[0] == [2.0, 1.0, 1.0]
    assert snap.usage.tolist()[1] == [1.0, 2.0, 1.0]
    assert snap.users == ["u", None]
    assert snap.compacted.tolist() == [False, True]
    src, dst, weight = snap.edges["similar"]
    assert (src.tolist(), dst.tolist(), weight.dtype) == ([0], [1], np.float32)
    assert set(snap.edges) == {"next", "similar"}
    assert snap.informed_by_lessons == [(1, "a1")]
    assert snap.memberships == [MembershipRow("a1", "e1", 1)]
    assert (snap.contexts_text, snap.responses_text) == (["c1", ""], ["r1", ""])


def test_an_empty_snapshot_has_empty_arrays() -> None:
    snap = snapshot_from_rows("ns", [], [("e1", "next", "e2", 1.0)], [], [])
    assert len(snap) == 0
    assert (snap.contexts.shape, snap.outcome.shape, snap.edges) == ((0, 0), (0, 3), {})
