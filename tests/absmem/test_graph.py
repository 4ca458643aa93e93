"""Edge construction at insert and extraction of hand-built snapshots into ``HeteroData``."""

from __future__ import annotations

import numpy as np
from torch_geometric.data import HeteroData

from absmem.graph import (
    ABSTRACTION,
    EXPERIENCE,
    EXPERIENCE_RELATIONS,
    insert_edges,
    neighbourhood,
    same_approach_edges,
    to_hetero,
)
from absmem.store.base import AbstractionRow, GraphSnapshot, MembershipRow
from absmem.types import EdgeType


def test_insert_edges_types_and_weights() -> None:
    edges = insert_edges("new", [("a", 0.9), ("new", 1.0), ("b", 0.5)], "prev", ["a", "c"])
    assert [(e.src, e.type, e.dst, e.weight) for e in edges] == [
        ("new", EdgeType.SIMILAR.value, "a", 0.9),
        ("new", EdgeType.SIMILAR.value, "b", 0.5),
        ("prev", EdgeType.NEXT.value, "new", 1.0),
        ("new", EdgeType.INFORMED_BY.value, "a", 1.0),
        ("new", EdgeType.INFORMED_BY.value, "c", 1.0),
    ]


def test_first_of_session_without_recall_has_only_similar_edges() -> None:
    assert insert_edges("x", [], None, []) == []


def test_led_to_rides_beside_next() -> None:
    edges = insert_edges("new", [], "prev", [], led_to=True)
    assert [(e.src, e.type, e.dst, e.weight) for e in edges] == [
        ("prev", EdgeType.NEXT.value, "new", 1.0),
        ("prev", EdgeType.LED_TO.value, "new", 1.0),
    ]
    assert insert_edges("new", [], None, [], led_to=True) == []  # no previous turn, no reply


# -- extraction -------------------------------------------------------------------------------

DIM = 4
NOW = 1000.0


def _abstraction(i: int, level: int = 0, parent: str | None = None) -> AbstractionRow:
    """Abstraction ``a{i}``: prototype, mean response, one centroid, one exemplar vector."""
    vectors = np.arange(4 * DIM, dtype=np.float32).reshape(4, DIM) + 100 * i
    return AbstractionRow(
        id=f"a{i}", namespace="ns", level=level, parent_id=parent, support=3 + i,
        situation=f"situation {i}", lesson=f"lesson {i}",
        data={"approaches": [{"exemplar": "do it", "exemplar_id": "e0", "members": 2}]},
        vectors=vectors, created_at=0.0, updated_at=0.0,
    )  # fmt: skip


def _edges(*pairs: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.array([p[0] for p in pairs], dtype=np.int64),
        np.array([p[1] for p in pairs], dtype=np.int64),
        np.linspace(0.9, 0.5, len(pairs)).astype(np.float32),
    )


def _snapshot(
    n: int = 5,
    edges: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None,
    memberships: list[MembershipRow] | None = None,
    lessons: list[tuple[int, str]] | None = None,
) -> GraphSnapshot:
    """``n`` experiences with one-hot contexts; ``a0`` (specific) refines ``a1`` (broad)."""
    contexts = np.eye(n, DIM, dtype=np.float32) + np.eye(n, DIM, k=-DIM, dtype=np.float32)
    responses = np.roll(contexts, 1, axis=1)
    outcome = np.tile([1.0, 1.0, 0.0], (n, 1))  # unrated
    outcome[0] = [2.5, 1.5, 2.0]  # 1.5 successes of 2
    outcome[1] = [1.0, 2.0, 1.0]  # one failure
    return GraphSnapshot(
        namespace="ns", seqs=np.arange(1, n + 1), ids=[f"e{i}" for i in range(n)],
        contexts=contexts, responses=responses, outcome=outcome,
        usage=np.tile([1.0, 1.0, 0.0], (n, 1)), created_at=np.full(n, NOW),
        users=[None] * n, sessions=[None] * n, compacted=np.zeros(n, dtype=bool),
        edges={} if edges is None else edges,
        informed_by_lessons=[] if lessons is None else lessons,
        abstractions=[_abstraction(0, parent="a1"), _abstraction(1, level=1)],
        memberships=[] if memberships is None else memberships,
    )  # fmt: skip


def _pairs(data: HeteroData, relation: tuple[str, str, str]) -> list[tuple[int, int]]:
    s, d = data[relation].edge_index.tolist()
    return list(zip(s, d, strict=True))


def test_to_hetero_features_and_targets() -> None:
    data = to_hetero(_snapshot(), now=NOW)
    assert set(data.node_types) == {EXPERIENCE, ABSTRACTION}
    exp = data[EXPERIENCE]
    assert exp.num_nodes == 5
    assert tuple(exp.x.shape) == (5, 2 * DIM + 5)
    assert tuple(data[ABSTRACTION].x.shape) == (2, 2 * DIM + 2)
    snap = _snapshot()
    np.testing.assert_array_equal(exp.x[:, :DIM].numpy(), snap.contexts)
    np.testing.assert_array_equal(exp.x[:, DIM : 2 * DIM].numpy(), snap.responses)
    # outcome mean - 0.5 and log1p(n) / 3; usage unrated; recency 1 at creation time
    stats = [2.5 / 4 - 0.5, np.log1p(2) / 3, 0.0, 0.0, 1.0]
    np.testing.assert_allclose(exp.x[0, 2 * DIM :].numpy(), stats, rtol=1e-6)
    assert exp.y.tolist() == [0.75, 0.0, 0.5, 0.5, 0.5]  # (alpha - 1) / n; unrated: 0.5
    assert exp.weight.tolist() == [2.0, 1.0, 0.0, 0.0, 0.0]
    a0 = data[ABSTRACTION].x[0].numpy()
    np.testing.assert_array_equal(a0[: 2 * DIM], _abstraction(0).vectors[:2].ravel())
    np.testing.assert_allclose(a0[2 * DIM :], [0.0, np.log1p(3) / 3], rtol=1e-6)


def test_recency_decays_over_thirty_days() -> None:
    data = to_hetero(_snapshot(), now=NOW + 30 * 86400.0)
    np.testing.assert_allclose(data[EXPERIENCE].x[:, -1].numpy(), np.exp(-1.0), rtol=1e-6)


def test_every_relation_and_its_reverse_is_present_even_when_empty() -> None:
    data = to_hetero(_snapshot(), same_approach_k=0, now=NOW)
    for kind in EXPERIENCE_RELATIONS:
        for name in (kind, f"rev_{kind}"):
            assert tuple(data[EXPERIENCE, name, EXPERIENCE].edge_index.shape) == (2, 0)
    for src, kind, dst in (
        (EXPERIENCE, "member_of", ABSTRACTION),
        (EXPERIENCE, "informed_by", ABSTRACTION),
    ):
        assert tuple(data[src, kind, dst].edge_index.shape) == (2, 0)
        assert tuple(data[dst, f"rev_{kind}", src].edge_index.shape) == (2, 0)
    assert _pairs(data, (ABSTRACTION, "refines", ABSTRACTION)) == [(0, 1)]  # from parent_id
    assert _pairs(data, (ABSTRACTION, "rev_refines", ABSTRACTION)) == [(1, 0)]


def test_typed_edges_with_weights_and_reverses() -> None:
    edges = {
        EdgeType.SIMILAR.value: _edges((1, 0), (2, 0)),
        EdgeType.NEXT.value: _edges((0, 1)),
        EdgeType.LED_TO.value: _edges((0, 1)),
        EdgeType.INFORMED_BY.value: _edges((3, 2)),
    }
    data = to_hetero(_snapshot(edges=edges), same_approach_k=0, now=NOW)
    similar = (EXPERIENCE, "similar", EXPERIENCE)
    assert _pairs(data, similar) == [(1, 0), (2, 0)]
    assert _pairs(data, (EXPERIENCE, "rev_similar", EXPERIENCE)) == [(0, 1), (0, 2)]
    np.testing.assert_allclose(data[similar].edge_weight.numpy(), [0.9, 0.5])
    assert _pairs(data, (EXPERIENCE, "led_to", EXPERIENCE)) == [(0, 1)]
    assert _pairs(data, (EXPERIENCE, "rev_next", EXPERIENCE)) == [(1, 0)]
    assert _pairs(data, (EXPERIENCE, "informed_by", EXPERIENCE)) == [(3, 2)]


def test_abstraction_edges_from_memberships_parents_and_lessons() -> None:
    memberships = [
        MembershipRow("a0", "e0", 0),
        MembershipRow("a0", "e1", 1),
        MembershipRow("a1", "e2", 0),
        MembershipRow("a0", "forgotten", 0),  # an experience the snapshot no longer holds
        MembershipRow("gone", "e3", 0),  # an abstraction it no longer holds
    ]
    lessons = [(4, "a1"), (3, "retired")]
    data = to_hetero(_snapshot(memberships=memberships, lessons=lessons), now=NOW)
    assert _pairs(data, (EXPERIENCE, "member_of", ABSTRACTION)) == [(0, 0), (1, 0), (2, 1)]
    assert _pairs(data, (ABSTRACTION, "rev_member_of", EXPERIENCE)) == [(0, 0), (0, 1), (1, 2)]
    assert _pairs(data, (EXPERIENCE, "informed_by", ABSTRACTION)) == [(4, 1)]
    assert _pairs(data, (ABSTRACTION, "rev_informed_by", EXPERIENCE)) == [(1, 4)]
    assert _pairs(data, (ABSTRACTION, "refines", ABSTRACTION)) == [(0, 1)]


def test_same_approach_edges_from_responses() -> None:
    data = to_hetero(_snapshot(), same_approach_k=2, now=NOW)
    pairs = _pairs(data, (EXPERIENCE, "same_approach", EXPERIENCE))
    assert all(s != d for s, d in pairs)
    assert np.bincount([s for s, _ in pairs]).tolist() == [2] * 5
    assert data[EXPERIENCE, "same_approach", EXPERIENCE].edge_weight.tolist() == [1.0] * 10


def test_empty_snapshot_extracts_an_empty_graph() -> None:
    empty = GraphSnapshot("ns", np.zeros(0, np.int64), [], np.zeros((0, DIM), np.float32),
                          np.zeros((0, DIM), np.float32), np.zeros((0, 3)), np.zeros((0, 3)),
                          np.zeros(0), [], [], np.zeros(0, bool), {}, [], [], [])  # fmt: skip
    data = to_hetero(empty, now=NOW)
    assert data[EXPERIENCE].num_nodes == 0
    assert data[ABSTRACTION].num_nodes == 0
    assert tuple(data[EXPERIENCE, "similar", EXPERIENCE].edge_index.shape) == (2, 0)


def test_same_approach_is_the_k_nearest_responses_without_self() -> None:
    angles = np.array([0.0, 0.1, 0.25, 1.5, 1.6])
    responses = np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
    src, dst = same_approach_edges(responses, k=1)
    assert list(zip(src.tolist(), dst.tolist(), strict=True)) == [
        (0, 1), (1, 0), (2, 1), (3, 4), (4, 3)
    ]  # fmt: skip
    src, dst = same_approach_edges(responses, k=2)
    assert sorted(dst[src == 2].tolist()) == [0, 1]
    assert len(same_approach_edges(responses, k=10)[0]) == 5 * 4  # capped at the others
    assert len(same_approach_edges(responses[:1], k=3)[0]) == 0
    assert len(same_approach_edges(responses, k=0)[0]) == 0


def test_identical_responses_still_get_at_most_k_neighbours() -> None:
    responses = np.array([[1, 0], [1, 0], [1, 0], [0, 1]], dtype=np.float32)
    src, _ = same_approach_edges(responses, k=1)
    assert np.bincount(src, minlength=4).max() <= 1


def _chain(n: int = 6) -> HeteroData:
    """``e0 -next-> e1 -next-> ... e{n-1}``; e0, e3 in a0 and e5 in a1; no same_approach."""
    next_edges = _edges(*[(i, i + 1) for i in range(n - 1)])
    members = [MembershipRow("a0", "e0", 0), MembershipRow("a0", "e3", 0),
               MembershipRow("a1", "e5", 0)]  # fmt: skip
    snap = _snapshot(n, edges={EdgeType.NEXT.value: next_edges}, memberships=members)
    return to_hetero(snap, same_approach_k=0, now=NOW)


def test_neighbourhood_keeps_experiences_within_hops_and_their_abstractions() -> None:
    data = _chain()
    sub = neighbourhood(data, [0], hops=2)
    assert sub[EXPERIENCE].n_id.tolist() == [0, 1, 2]
    assert sub[ABSTRACTION].n_id.tolist() == [0]
    assert sub[EXPERIENCE].num_nodes == 3
    assert _pairs(sub, (EXPERIENCE, "next", EXPERIENCE)) == [(0, 1), (1, 2)]
    assert _pairs(sub, (EXPERIENCE, "member_of", ABSTRACTION)) == [(0, 0)]
    np.testing.assert_array_equal(sub[EXPERIENCE].x.numpy(), data[EXPERIENCE].x[:3].numpy())


def test_neighbourhood_walks_both_ways_and_renumbers() -> None:
    data = _chain()
    sub = neighbourhood(data, [3], hops=1)  # reverse edges reach the predecessor
    assert sub[EXPERIENCE].n_id.tolist() == [2, 3, 4]
    assert sub[ABSTRACTION].n_id.tolist() == [0]
    assert _pairs(sub, (EXPERIENCE, "member_of", ABSTRACTION)) == [(1, 0)]
    assert neighbourhood(data, [0, 5], hops=0)[EXPERIENCE].n_id.tolist() == [0, 5]
    far = neighbourhood(data, [5], hops=1)
    assert far[EXPERIENCE].n_id.tolist() == [4, 5]
    assert far[ABSTRACTION].n_id.tolist() == [1]
