"""The abstraction tables of every store: snapshots, abstractions, memberships, compaction."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from absmem.store import CreditRow, EdgeRow, ExperienceRow, FeedbackRow
from absmem.store.base import AbstractionRow, ApproachStats, MembershipRow

DIM = 4


def _vec(i: int) -> np.ndarray:
    vec = np.zeros(DIM, np.float32)
    vec[i % DIM] = 1.0
    vec[(i + 1) % DIM] = 0.5 * (i // DIM + 1)
    return vec


def _row(i: int, namespace: str = "ns", **extra: object) -> ExperienceRow:
    return ExperienceRow(id=f"e{i}", namespace=namespace, context=f"context {i}",
                         response=f"response {i}", context_vec=_vec(i),
                         response_vec=_vec(i + 1) * 2, created_at=float(i),
                         metadata={"turn": i}, **extra)  # type: ignore[arg-type]  # fmt: skip


def _abstraction(
    name: str, namespace: str = "ns", level: int = 0, parent: str | None = None, k: int = 2
) -> AbstractionRow:
    """Prototype, mean response, ``k`` centroids and ``k`` exemplar vectors."""
    rng = np.random.default_rng(sum(name.encode()))
    return AbstractionRow(
        id=name, namespace=namespace, level=level, parent_id=parent, support=5,
        situation=f"when {name}", lesson=f"do {name}",
        data={"approaches": [{"exemplar": f"reply {a}", "exemplar_id": f"e{a}", "members": a + 1}
                             for a in range(k)], "advice": 0, "parents": {"0": 1}},
        vectors=rng.standard_normal((2 + 2 * k, DIM)).astype(np.float32),
        created_at=1.0, updated_at=2.0,
    )  # fmt: skip


def _outcome(store: Any, fid: str, item: str, reward: float, ns: str = "ns") -> None:
    store.add_feedback(FeedbackRow(fid, ns, "experience", item, reward, 0.0),
                       [CreditRow(item, "outcome", reward, 1.0)])  # fmt: skip


def _members(store: Any, namespace: str = "ns") -> set[tuple[str, str, int]]:
    snap = store.snapshot(namespace)
    return {(m.abstraction_id, m.experience_id, m.approach) for m in snap.memberships}


# -- snapshot -----------------------------------------------------------------------------------


def test_snapshot_holds_experiences_in_key_order(store: Any) -> None:
    seqs = store.add_experiences([_row(1, user_id="u", session_id="s"), _row(2)], [])
    seqs += store.add_experiences([_row(3, session_id="s")], [])
    store.add_experiences([_row(9, "other")], [])
    _outcome(store, "f1", "e2", 1.0)
    _outcome(store, "f2", "e2", 0.0)
    snap = store.snapshot("ns")
    assert len(snap) == 3
    assert snap.namespace == "ns"
    assert snap.seqs.tolist() == seqs == sorted(seqs)
    assert snap.ids == ["e1", "e2", "e3"]
    assert snap.contexts.dtype == np.float32
    np.testing.assert_array_equal(snap.contexts, np.stack([_vec(i) for i in (1, 2, 3)]))
    np.testing.assert_array_equal(snap.responses, np.stack([_vec(i + 1) * 2 for i in (1, 2, 3)]))
    assert snap.contexts_text == ["context 1", "context 2", "context 3"]
    assert snap.responses_text == ["response 1", "response 2", "response 3"]
    assert snap.outcome.tolist() == [[1, 1, 0], [2.5, 1.5, 2], [1, 1, 0]]
    assert snap.usage.tolist() == [[1, 1, 0]] * 3
    assert snap.created_at.tolist() == [1.0, 2.0, 3.0]
    assert snap.users == ["u", None, None]
    assert snap.sessions == ["s", None, "s"]
    assert snap.compacted.tolist() == [False] * 3
    assert snap.abstractions == []
    assert snap.memberships == []


def test_snapshot_edges_are_typed_row_pairs(store: Any) -> None:
    store.add_experiences([_row(1), _row(2)], [EdgeRow("e2", "e1", "similar", 0.7)])
    store.add_experiences(
        [_row(3)],
        [EdgeRow("e3", "e1", "similar", 0.4), EdgeRow("e3", "e2", "similar", 0.6),
         EdgeRow("e2", "e3", "next"), EdgeRow("e2", "e3", "led_to"),
         EdgeRow("e3", "e1", "informed_by"), EdgeRow("e3", "lesson-a", "informed_by"),
         EdgeRow("e3", "ghost", "similar", 0.9)],
    )  # fmt: skip
    snap = store.snapshot("ns")
    assert set(snap.edges) == {"similar", "next", "led_to", "informed_by"}

    def triples(kind: str) -> set[tuple[int, int, float]]:
        s, d, w = snap.edges[kind]
        assert (s.dtype, d.dtype, w.dtype) == (np.dtype(np.int64),) * 2 + (np.dtype(np.float32),)
        return {(int(a), int(b), round(float(c), 4)) for a, b, c in zip(s, d, w, strict=True)}

    assert triples("similar") == {(1, 0, 0.7), (2, 0, 0.4), (2, 1, 0.6)}  # "ghost" dropped
    assert triples("next") == {(1, 2, 1.0)}
    assert triples("led_to") == {(1, 2, 1.0)}
    assert triples("informed_by") == {(2, 0, 1.0)}
    assert snap.informed_by_lessons == [(2, "lesson-a")]  # an abstraction, by id


def test_snapshot_of_an_empty_namespace(store: Any) -> None:
    snap = store.snapshot("nothing")
    assert len(snap) == 0
    assert snap.outcome.shape == (0, 3)
    assert snap.edges == {}


# -- abstractions and memberships -------------------------------------------------------------


def test_replace_abstractions_round_trips_and_swaps_everything(store: Any) -> None:
    store.add_experiences([_row(i) for i in range(4)], [])
    first = [_abstraction("b", level=1), _abstraction("a", parent="b", k=3)]
    store.replace_abstractions(
        "ns", first, [MembershipRow("a", "e0", 0), MembershipRow("a", "e1", 2)],
        [("gnn", b"weights-1", {"epochs": 1}), ("approaches", b"map-1", {})],
    )  # fmt: skip
    got = store.abstractions("ns")
    assert [a.id for a in got] == ["a", "b"]  # specific ones first
    for row, want in zip(got, [first[1], first[0]], strict=True):
        assert row.vectors.dtype == np.float32
        assert row.vectors.shape == want.vectors.shape
        np.testing.assert_array_equal(row.vectors, want.vectors)
        assert row.data == want.data
        assert (row.level, row.parent_id, row.support, row.situation, row.lesson) == (
            want.level, want.parent_id, want.support, want.situation, want.lesson
        )  # fmt: skip
        assert (row.created_at, row.updated_at, row.namespace) == (1.0, 2.0, "ns")
    assert got[0].vectors.shape == (2 + 2 * 3, DIM)
    assert _members(store) == {("a", "e0", 0), ("a", "e1", 2)}

    store.replace_abstractions("ns", [_abstraction("c")], [MembershipRow("c", "e3", 1)],
                               [("gnn", b"weights-2", {"epochs": 2})])  # fmt: skip
    assert [a.id for a in store.abstractions("ns")] == ["c"]
    assert _members(store) == {("c", "e3", 1)}
    assert store.get_blob("ns", "gnn") == (b"weights-2", {"epochs": 2})
    assert [a.id for a in store.snapshot("ns").abstractions] == ["c"]


def test_replace_abstractions_is_one_transaction(store: Any) -> None:
    store.add_experiences([_row(0)], [])
    store.replace_abstractions("ns", [_abstraction("a")], [MembershipRow("a", "e0", 0)],
                               [("gnn", b"old", {})])  # fmt: skip
    with pytest.raises(TypeError):  # the last write (blob metadata) fails after the deletes
        store.replace_abstractions("ns", [_abstraction("b")], [MembershipRow("b", "e0", 0)],
                                   [("gnn", b"new", {"bad": object()})])  # fmt: skip
    assert [a.id for a in store.abstractions("ns")] == ["a"]
    assert _members(store) == {("a", "e0", 0)}
    assert store.get_blob("ns", "gnn") == (b"old", {})


def test_replace_abstractions_leaves_other_namespaces(store: Any) -> None:
    store.replace_abstractions("ns", [_abstraction("a")], [MembershipRow("a", "e0", 0)])
    store.replace_abstractions("other", [_abstraction("x", "other")],
                               [MembershipRow("x", "e9", 0)])  # fmt: skip
    store.replace_abstractions("ns", [], [])
    assert store.abstractions("ns") == []
    assert [a.id for a in store.abstractions("other")] == ["x"]
    assert store._read("SELECT abstraction_id FROM memberships") == [("x",)]


def test_put_abstraction_replaces_one(store: Any) -> None:
    store.replace_abstractions("ns", [_abstraction("a"), _abstraction("b")],
                               [MembershipRow("a", "e0", 1)])  # fmt: skip
    old = store.abstractions("ns")[0]
    new = AbstractionRow(
        id="a", namespace="ns", level=0, parent_id=None, support=9, situation="new",
        lesson="rewritten", data={"approaches": []}, vectors=np.ones((3, DIM), np.float32),
        created_at=old.created_at, updated_at=5.0,
    )  # fmt: skip
    store.put_abstraction(new)
    a, b = store.abstractions("ns")
    assert (a.id, a.lesson, a.support, a.updated_at, a.data) == ("a", "rewritten", 9, 5.0,
                                                                 {"approaches": []})  # fmt: skip
    np.testing.assert_array_equal(a.vectors, np.ones((3, DIM), np.float32))
    assert b.lesson == "do b"
    assert store._read("SELECT abstraction_id, experience_id, approach FROM memberships") == [
        ("a", "e0", 1)
    ]
    store.put_abstraction(_abstraction("c"))  # and inserts a new one
    assert [x.id for x in store.abstractions("ns")] == ["a", "b", "c"]


def test_memberships_at_insert_and_online(store: Any) -> None:
    members = [MembershipRow("a", "e0", 0), MembershipRow("a", "e1", 1)]
    store.add_experiences([_row(0), _row(1)], [], memberships=members)
    store.add_memberships("ns", [MembershipRow("b", "e1", 0)])
    store.add_memberships("ns", [])
    assert _members(store) == {("a", "e0", 0), ("a", "e1", 1), ("b", "e1", 0)}
    store.add_memberships("ns", [MembershipRow("a", "e1", 2)])  # re-assigned approach
    assert _members(store) == {("a", "e0", 0), ("a", "e1", 2), ("b", "e1", 0)}
    assert _members(store, "other") == set()


# -- statistics ---------------------------------------------------------------------------------


def test_approach_stats_pool_the_members_outcomes(store: Any) -> None:
    store.add_experiences(
        [_row(i) for i in range(5)], [],
        memberships=[MembershipRow("a", "e0", 0), MembershipRow("a", "e1", 0),
                     MembershipRow("a", "e2", 1), MembershipRow("b", "e3", 0),
                     MembershipRow("c", "e4", 0)],
    )  # fmt: skip
    store.add_experiences([_row(9, "other")], [], memberships=[MembershipRow("a", "e9", 0)])
    _outcome(store, "f1", "e0", 1.0)
    _outcome(store, "f2", "e1", -1.0)
    _outcome(store, "f3", "e1", 1.0)
    _outcome(store, "f4", "e2", 0.0)
    _outcome(store, "f5", "e9", 1.0, ns="other")
    store.add_feedback(FeedbackRow("f6", "ns", "recall", "r1", 1.0, 0.0),
                       [CreditRow("e2", "usage", 1.0, 1.0)])  # usage is not outcome  # fmt: skip
    stats = sorted(store.approach_stats("ns", ["a", "b"]), key=lambda s: (s.abstraction_id,
                                                                          s.approach))  # fmt: skip
    assert stats == [
        ApproachStats("a", 0, successes=2.0, failures=1.0, members=2),
        ApproachStats("a", 1, successes=0.5, failures=0.5, members=1),
        ApproachStats("b", 0, successes=0.0, failures=0.0, members=1),
    ]
    assert store.approach_stats("other", ["a"]) == [ApproachStats("a", 0, 1.0, 0.0, 1)]
    assert store.approach_stats("ns", []) == []
    assert store.approach_stats("ns", ["unknown"]) == []


def test_approach_stats_discount_older_members(store: Any) -> None:
    """Newest first: e2 (rated) counts fully, e1 (rated) once discounted, e0 twice."""
    members = [MembershipRow("a", f"e{i}", 0) for i in range(3)]
    store.add_experiences([_row(i) for i in range(3)], [], memberships=members)
    for i, reward in enumerate((1.0, 1.0, -1.0)):
        _outcome(store, f"f{i}", f"e{i}", reward)
    (stat,) = store.approach_stats("ns", ["a"], discount=0.5)
    assert (stat.successes, stat.failures, stat.members) == (0.25 + 0.5, 1.0, 3)
    (windowed,) = store.approach_stats("ns", ["a"], discount=0.5, window=1)
    assert (windowed.successes, windowed.failures) == (0.5 + 1.0, 1.0)
    assert store.approach_stats("ns", ["a"]) == [ApproachStats("a", 0, 2.0, 1.0, 3)]


def test_item_usage_sums_the_usage_credits_of_lessons(store: Any) -> None:
    store.add_feedback(
        FeedbackRow("f1", "ns", "recall", "r1", 1.0, 0.0),
        [CreditRow("L1", "usage", 1.0, 1.0), CreditRow("L1", "outcome", 1.0, 1.0)],
    )
    store.add_feedback(
        FeedbackRow("f2", "ns", "recall", "r2", -1.0, 0.0),
        [CreditRow("L1", "usage", -1.0, 0.5), CreditRow("L2", "usage", 0.0, 2.0)],
    )
    store.add_feedback(FeedbackRow("f3", "other", "recall", "r3", 1.0, 0.0),
                       [CreditRow("L1", "usage", 1.0, 4.0)])  # fmt: skip
    usage = store.item_usage("ns", ["L1", "L2", "L3"])
    assert set(usage) == {"L1", "L2"}
    assert (usage["L1"].alpha, usage["L1"].beta, usage["L1"].n) == (2.0, 1.5, 1.5)
    assert (usage["L2"].alpha, usage["L2"].beta, usage["L2"].n) == (2.0, 2.0, 2.0)
    assert store.item_usage("other", ["L1"])["L1"].n == 4.0
    assert store.item_usage("ns", []) == {}


def test_abstractions_of_a_user_or_session(store: Any) -> None:
    store.add_experiences(
        [_row(1, user_id="u1", session_id="s1"), _row(2, user_id="u1", session_id="s2"),
         _row(3, user_id="u2", session_id="s2")], [],
        memberships=[MembershipRow("a1", "e1", 0), MembershipRow("a0", "e2", 0),
                     MembershipRow("a2", "e3", 0), MembershipRow("a0", "e3", 1)],
    )  # fmt: skip
    store.add_experiences([_row(9, "other", user_id="u1")], [],
                          memberships=[MembershipRow("x", "e9", 0)])  # fmt: skip
    assert store.abstractions_of("ns", user_id="u1") == ["a0", "a1"]
    assert store.abstractions_of("ns", user_id="u2") == ["a0", "a2"]
    assert store.abstractions_of("ns", session_id="s2") == ["a0", "a2"]
    assert store.abstractions_of("ns", user_id="nobody") == []
    assert store.abstractions_of("other", user_id="u1") == ["x"]


# -- compaction and erasure ---------------------------------------------------------------------


def test_compact_erases_text_but_keeps_statistics_and_vectors(store: Any) -> None:
    seqs = store.add_experiences([_row(1), _row(2), _row(3)], [EdgeRow("e2", "e1", "similar")],
                                 memberships=[MembershipRow("a", "e1", 0)])  # fmt: skip
    _outcome(store, "f1", "e1", 1.0)
    version = store.vector_version("ns")
    assert store.compact("ns", ["e1", "e2", "ghost"]) == seqs[:2]
    assert store.vector_version("ns") > version
    e1 = store.get_experience("ns", "e1")
    assert e1 is not None
    assert (e1.context, e1.response, e1.metadata, e1.compacted) == ("", "", {}, True)
    assert (e1.outcome.alpha, e1.outcome.n) == (2.0, 1.0)
    assert store.count("ns") == 3
    assert store.keys("ns").tolist() == [seqs[2]]
    assert [k.tolist() for k, _ in store.iter_vectors("ns")] == [[seqs[2]]]
    np.testing.assert_array_equal(store.get_vectors("ns", seqs[:1]), _vec(1)[None])
    snap = store.snapshot("ns")
    assert snap.ids == ["e1", "e2", "e3"]
    assert snap.compacted.tolist() == [True, True, False]
    assert snap.contexts_text == ["", "", "context 3"]
    np.testing.assert_array_equal(snap.contexts[0], _vec(1))
    assert snap.outcome[0].tolist() == [2.0, 1.0, 1.0]
    assert "similar" in snap.edges
    assert store.approach_stats("ns", ["a"]) == [ApproachStats("a", 0, 1.0, 0.0, 1)]

    version = store.vector_version("ns")
    assert store.compact("ns", ["e1"]) == []  # already compacted
    assert store.compact("other", ["e3"]) == []  # not this namespace's
    assert store.vector_version("ns") == version
    e3 = store.get_experience("ns", "e3")
    assert e3 is not None
    assert e3.context == "context 3"


def test_forget_deletes_the_users_memberships(store: Any) -> None:
    store.add_experiences(
        [_row(1, user_id="u1"), _row(2, user_id="u2")], [],
        memberships=[MembershipRow("a", "e1", 0), MembershipRow("a", "e2", 0),
                     MembershipRow("b", "e1", 1)],
    )  # fmt: skip
    _outcome(store, "f1", "e1", 1.0)
    result = store.forget("ns", user_id="u1")
    assert result.experiences == 1
    assert _members(store) == {("a", "e2", 0)}
    assert store.abstractions_of("ns", user_id="u1") == []
    assert store.approach_stats("ns", ["a", "b"]) == [ApproachStats("a", 0, 0.0, 0.0, 1)]
