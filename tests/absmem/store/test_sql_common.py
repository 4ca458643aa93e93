"""What the SQL stores share: one implementation of every method, each store's own statements,
and reads of long lists of keys (SQLite splits them under its bound on parameters)."""

from __future__ import annotations

import typing
from typing import Any

import numpy as np
import pytest

from absmem.store import CreditRow, ExperienceRow, FeedbackRow, GraphStore, SQLiteStore
from absmem.store.base import MembershipRow
from absmem.store.sql_base import SQLBase
from absmem.store.sql_graph import SQLAbstractionTables
from absmem.store.sql_policy import SQLPolicyTables
from absmem.store.sql_runs import SQLRunLinkTables
from absmem.store.sql_store import SQLStore

SHARED = (SQLBase, SQLStore, SQLAbstractionTables, SQLPolicyTables, SQLRunLinkTables)


def _store_classes() -> list[type]:
    classes: list[type] = [SQLiteStore]
    try:
        from absmem.store import PostgresStore
    except ImportError:  # psycopg is an extra
        return classes
    return [*classes, PostgresStore]


def _statements() -> list[str]:
    return sorted(
        name
        for shared in SHARED
        for name, kind in typing.get_type_hints(shared).items()
        if typing.get_origin(kind) is typing.ClassVar
    )


def _protocol_methods() -> list[str]:
    return sorted(
        n for n in vars(GraphStore) if not n.startswith("_") and callable(getattr(GraphStore, n))
    )


@pytest.mark.parametrize("store_class", _store_classes(), ids=lambda c: c.__name__)
def test_every_store_writes_every_statement(store_class: type) -> None:
    declared = _statements()
    assert {"_EXPERIENCES_IN", "_RUN_LINK", "_SNAPSHOT_EDGES"} <= set(declared)
    for name in declared:
        value = getattr(store_class, name)
        if name == "_IN_BATCH":
            assert value is None or value > 0
            continue
        assert isinstance(value, str), f"{store_class.__name__}.{name}"
        assert ("{many}" in value) == name.endswith("_IN"), f"{store_class.__name__}.{name}"


@pytest.mark.parametrize("store_class", _store_classes(), ids=lambda c: c.__name__)
def test_every_method_but_compaction_is_written_once(store_class: type) -> None:
    for name in _protocol_methods():
        method = getattr(store_class, name)
        shared = next((getattr(c, name) for c in SHARED if name in vars(c)), None)
        if name in ("compact", "close"):  # compaction differs; closing is the connection's
            assert shared is None
        else:
            assert method is shared, f"{store_class.__name__}.{name} is not the shared method"


def _row(i: int) -> ExperienceRow:
    vec = np.full(4, float(i), np.float32)
    return ExperienceRow(id=f"e{i}", namespace="ns", context=f"context {i}",
                         response=f"response {i}", context_vec=vec, response_vec=vec * 2,
                         created_at=float(i), session_id=f"s{i % 700}")  # fmt: skip


N = 1201  # more than two of SQLite's batches of 500


def test_long_lists_of_keys_read_whole(store: Any) -> None:
    members = [MembershipRow("a1", f"e{i}", i % 2) for i in range(N)]
    seqs = store.add_experiences([_row(i) for i in range(N)], [], members)
    asked = [*reversed(seqs), -5]
    assert [e.id for e in store.get_experiences("ns", asked)] == [
        f"e{i}" for i in reversed(range(N))
    ]
    assert len(store.candidate_stats("ns", asked)) == N
    assert store.ids_for("ns", asked) == {s: f"e{i}" for i, s in enumerate(seqs)}
    vectors = store.get_response_vectors("ns", list(reversed(seqs)))
    assert vectors[:, 0].tolist() == [2.0 * i for i in reversed(range(N))]
    turns = store.last_turns("ns", [f"s{i}" for i in range(800)])
    assert len(turns) == 700
    assert turns["s3"] == ("e703", 703.0)  # the later of e3 and e703
    joined = store.memberships_of("ns", [f"e{i}" for i in range(N)])
    assert len(joined) == N
    assert joined["e7"] == [("a1", 1)]
    for i in range(3):
        store.add_feedback(FeedbackRow(f"f{i}", "ns", "experience", f"e{i}", 1.0, 0.0),
                           [CreditRow(f"e{i}", "usage", 1.0, 1.0)])  # fmt: skip
    asked_ids = [f"f{i}" for i in range(N)]
    assert store.feedback_ids("ns", asked_ids) == {"f0", "f1", "f2"}
    assert set(store.item_usage("ns", [f"e{i}" for i in range(N)])) == {"e0", "e1", "e2"}
