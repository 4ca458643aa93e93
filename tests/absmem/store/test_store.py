"""The store contract on every store (SQLite file, PostgreSQL database): keys, durability,
ledger, erasure, blobs."""

from __future__ import annotations

from typing import Any

import pytest

from absmem.errors import EmbedderMismatchError, InvalidArgumentError, UnknownTargetError
from absmem.store import (
    CreditRow,
    EdgeRow,
    FeedbackRow,
    GraphStore,
    RecallItemRow,
    RecallRow,
)
from absmem.store.schema import SCHEMA_VERSION

from .conftest import StoreFactory
from .conftest import experience_row as _row


def test_is_a_graph_store_at_the_current_schema(store: Any) -> None:
    assert isinstance(store, GraphStore)
    assert store.schema_version == SCHEMA_VERSION


def test_insert_read_and_order(store: Any) -> None:
    seqs = store.add_experiences([_row(1, session_id="s"), _row(2, session_id="s")],
                                 [EdgeRow("e2", "e1", "similar", 0.7)])  # fmt: skip
    assert seqs == sorted(seqs)
    got = store.get_experiences("ns", list(reversed(seqs)))
    assert [e.id for e in got] == ["e2", "e1"]
    assert store.get_experiences("other", seqs) == []
    assert store.last_turns("ns", ["s", "s", "none"]) == {"s": ("e2", 2.0)}
    assert store.last_turns("other", ["s"]) == {}
    assert store.edges("ns", "e2") == [EdgeRow("e2", "e1", "similar", 0.7)]
    assert store.ids_for("ns", seqs) == {seqs[0]: "e1", seqs[1]: "e2"}
    assert store.count("ns") == 2
    assert store.namespaces() == ["ns"]
    keys, vectors = next(store.iter_vectors("ns"))
    assert keys.tolist() == seqs
    assert vectors.shape == (2, 4)


def test_keys_are_never_reused_after_forget(stores: StoreFactory, store: Any) -> None:
    first = store.add_experiences([_row(i, user_id="gone") for i in range(3)], [])
    store.forget("ns", user_id="gone")  # the highest keys are gone too
    assert store.count("ns") == 0
    again = store.add_experiences([_row(i + 10) for i in range(2)], [])
    assert min(again) > max(first)
    store.close()
    reopened = stores.open()
    later = reopened.add_experiences([_row(20, namespace="other")], [])
    assert later[0] > max(again)  # keys are unique across namespaces and reopenings
    reopened.close()


def test_a_write_is_durable_when_it_returns(stores: StoreFactory, store: Any) -> None:
    store.add_experiences([_row(1)], [])
    # A second, independent connection sees the row without any close or checkpoint.
    other = stores.open()
    assert other._read("SELECT context FROM experiences") == [("context 1",)]
    other.close()


def test_vector_version_moves_with_the_vectors(store: Any) -> None:
    assert store.vector_version("ns") == 0
    store.add_experiences([_row(1, user_id="u")], [])
    after_add = store.vector_version("ns")
    store.forget("ns", user_id="nobody")
    assert store.vector_version("ns") == after_add
    store.forget("ns", user_id="u")
    assert store.vector_version("ns") > after_add


def test_feedback_ledger_and_recompute_on_erasure(store: Any) -> None:
    store.add_experiences([_row(1, user_id="a"), _row(2, user_id="b")], [])
    store.log_recall(RecallRow("r1", "ns", "query text", 0.0, "p", user_id="c"),
                     [RecallItemRow(0, "e1", "experience", 0.9, 1.0, 0.9),
                      RecallItemRow(1, "e2", "experience", 0.8, 1.0, 0.8)])  # fmt: skip
    store.add_feedback(
        FeedbackRow("f1", "ns", "recall", "r1", 1.0, 1.0, user_id="c"),
        [CreditRow("e1", "usage", 1.0, 1.0), CreditRow("e2", "usage", 1.0, 0.5)],
    )
    store.add_feedback(FeedbackRow("f2", "ns", "experience", "e2", -1.0, 2.0, user_id="b"),
                       [CreditRow("e2", "outcome", -1.0, 1.0)])  # fmt: skip
    e2 = store.get_experience("ns", "e2")
    assert e2 is not None
    assert (e2.usage.alpha, e2.usage.n, e2.outcome.beta) == (1.5, 0.5, 2.0)
    result = store.forget("ns", user_id="c")  # the user who asked and rated the recall
    assert (result.experiences, result.recalls, result.feedback) == (0, 1, 1)
    e1, e2 = store.get_experience("ns", "e1"), store.get_experience("ns", "e2")
    assert e1 is not None
    assert e2 is not None
    assert (e1.usage.alpha, e1.usage.n) == (1.0, 0.0)
    assert (e2.usage.n, e2.outcome.beta) == (0.0, 2.0)  # b's own feedback stays
    with pytest.raises(UnknownTargetError):
        store.get_recall("ns", "r1")


def test_session_credits_are_kept_apart_and_recomputed(store: Any) -> None:
    store.add_experiences([_row(1, session_id="s"), _row(2, session_id="s"),
                           _row(3, session_id="t")], [])  # fmt: skip
    assert store.session_keys("ns", "s") == [k for k in store.keys("ns")][:2]
    assert store.session_keys("ns", "none") == []
    credits = [CreditRow("e1", "session", 1.0, 0.8), CreditRow("e1", "outcome", 1.0, 0.4),
               CreditRow("e3", "usage", 1.0, 0.5)]  # fmt: skip
    store.add_feedback(FeedbackRow("f1", "ns", "session", "s", 1.0, 1.0, session_id="s"), credits)
    store.add_feedback(FeedbackRow("f2", "ns", "experience", "e3", -1.0, 2.0, session_id="t"),
                       [CreditRow("e3", "outcome", -1.0, 1.0)])  # fmt: skip
    e1, e3 = store.get_experience("ns", "e1"), store.get_experience("ns", "e3")
    assert (e1.long_term.alpha, e1.long_term.n, e1.outcome.n) == pytest.approx((1.8, 0.8, 0.4))
    assert (e3.long_term.n, e3.usage.n, e3.outcome.n) == pytest.approx((0.0, 0.5, 1.0))
    store.forget("ns", session_id="s")
    e3 = store.get_experience("ns", "e3")
    assert (e3.usage.n, e3.outcome.n) == pytest.approx((0.0, 1.0))


def test_feedback_many_is_one_transaction_of_one_namespace(store: Any) -> None:
    store.add_experiences([_row(1), _row(2)], [])
    entries = [(FeedbackRow("f1", "ns", "session", "s", 1.0, 1.0),
                [CreditRow("e1", "session", 1.0, 1.0)]),
               (FeedbackRow("f2", "ns", "session_recall", "r1", 1.0, 1.0),
                [CreditRow("e2", "usage", 1.0, 0.5)])]  # fmt: skip
    store.add_feedback_many(entries)
    assert [f.id for f in store.feedback_log("ns")] == ["f1", "f2"]
    e2 = store.get_experience("ns", "e2")
    assert e2.usage.n == pytest.approx(0.5)
    mixed = [(FeedbackRow("f3", "ns", "experience", "e1", 1.0, 2.0), []),
             (FeedbackRow("f4", "other", "experience", "e1", 1.0, 2.0), [])]  # fmt: skip
    with pytest.raises(InvalidArgumentError, match="entries"):
        store.add_feedback_many(mixed)
    assert [f.id for f in store.feedback_log("ns")] == ["f1", "f2"]  # nothing of it written
    store.add_feedback_many([])


def test_typed_edges_both_ways(store: Any) -> None:
    edges = [EdgeRow("e1", "e2", "next"), EdgeRow("e1", "e2", "led_to"),
             EdgeRow("e2", "e3", "next"), EdgeRow("e3", "e1", "similar", 0.5)]  # fmt: skip
    store.add_experiences([_row(1), _row(2), _row(3)], edges)
    out = store.typed_edges("ns", ["e1", "e2", "e1"], "next")
    assert [(e.src, e.dst) for e in out] == [("e1", "e2"), ("e2", "e3")]
    into = store.typed_edges("ns", ["e2", "e1"], "led_to", incoming=True)
    assert [(e.src, e.dst, e.type) for e in into] == [("e1", "e2", "led_to")]
    assert store.typed_edges("ns", ["e1"], "similar", incoming=True)[0].weight == 0.5
    assert store.typed_edges("ns", [], "next") == []
    assert store.typed_edges("other", ["e1"], "next") == []


def test_feedback_log_in_arrival_order_by_target_and_window(store: Any) -> None:
    store.add_experiences([_row(1), _row(2)], [])
    for i, (target, when) in enumerate([("e2", 3.0), ("e1", 1.0), ("e1", 2.0)]):
        store.add_feedback(FeedbackRow(f"f{i}", "ns", "experience", target, i - 1.0, when), [])
    store.add_feedback(FeedbackRow("other", "ns2", "experience", "e1", 1.0, 0.5), [])
    # arrival order (the ledger's), not the clocks' (f0 came first with a later time)
    assert [f.id for f in store.feedback_log("ns")] == ["f0", "f1", "f2"]
    assert store.feedback_log("ns")[1] == FeedbackRow("f1", "ns", "experience", "e1", 0.0, 1.0)
    assert [f.id for f in store.feedback_log("ns", targets=["e1", "e9"])] == ["f1", "f2"]
    assert [f.id for f in store.feedback_log("ns", since=2.0)] == ["f0", "f2"]
    assert [f.id for f in store.feedback_log("ns", targets=["e1"], until=2.0)] == ["f1"]
    assert store.feedback_log("ns", targets=[]) == []
    assert [f.id for f in store.feedback_log("ns2")] == ["other"]


def test_forget_clears_references_from_other_users(store: Any) -> None:
    store.add_experiences([_row(1, user_id="a")], [])
    store.log_recall(RecallRow("r1", "ns", "q", 0.0, "p", user_id="a"),
                     [RecallItemRow(0, "e1", "experience", 0.9, 1.0)])  # fmt: skip
    store.add_experiences([_row(2, user_id="b", recall_id="r1")],
                          [EdgeRow("e2", "e1", "informed_by")])  # fmt: skip
    store.forget("ns", user_id="a")
    e2 = store.get_experience("ns", "e2")
    assert e2 is not None
    assert e2.recall_id is None
    assert store.edges("ns", "e2") == []


def test_forget_needs_one_selector(store: Any) -> None:
    with pytest.raises(InvalidArgumentError):
        store.forget("ns")


def test_embedder_is_recorded_and_checked(store: Any) -> None:
    store.check_embedder("toy", 4)
    with pytest.raises(EmbedderMismatchError, match="^embedder: expected 'toy'"):
        store.check_embedder("toy", 8)


def test_blobs(store: Any) -> None:
    assert store.get_blob("ns", "gnn") is None
    store.put_blob("ns", "gnn", b"\x00weights", {"epochs": 3})
    store.put_blob("ns", "gnn", b"\x01weights", {"epochs": 4})
    assert store.get_blob("ns", "gnn") == (b"\x01weights", {"epochs": 4})
    assert store.get_blob("other", "gnn") is None


def test_one_namespace_per_insert(store: Any) -> None:
    with pytest.raises(InvalidArgumentError, match="^rows"):
        store.add_experiences([_row(1, "a"), _row(2, "b")], [])
    assert store.count("a") == 0


def test_reopen_keeps_everything(stores: StoreFactory) -> None:
    db = stores.open()
    db.check_embedder("toy", 4)
    db.add_experiences([_row(1)], [])
    db.close()
    db = stores.open()
    assert db.count("ns") == 1
    db.check_embedder("toy", 4)
    db.close()


def test_vectors_by_key_in_the_order_given(store: Any) -> None:
    seqs = store.add_experiences([_row(1), _row(2)], [])
    contexts = store.get_vectors("ns", list(reversed(seqs)))
    responses = store.get_response_vectors("ns", seqs)
    assert contexts.tolist() == [[0, 0, 1, 0], [0, 1, 0, 0]]
    assert responses.tolist() == [[0, 1, 0, 0], [0, 0, 1, 0]]
