"""What only SQLiteStore has: a real file in WAL mode, its pragmas, query plans and migrations
of old files (the store contract itself: test_store*.py, on every store)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from absmem.errors import SchemaVersionError, StoreCorruptError
from absmem.store import ExperienceRow, GraphStore, SQLiteStore
from absmem.store.base import MembershipRow, RunLinkRow
from absmem.store.schema import MIGRATIONS, SCHEMA_VERSION

from .conftest import experience_row as _row


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SQLiteStore]:
    db = SQLiteStore(tmp_path / "absmem.db")
    db.check_embedder("toy", 4)
    yield db
    db.close()


def test_is_a_graph_store_in_wal_mode(sqlite_store: SQLiteStore) -> None:
    store = sqlite_store
    assert isinstance(store, GraphStore)
    assert store._read("PRAGMA journal_mode")[0][0] == "wal"
    assert store._read("PRAGMA synchronous")[0][0] == 2  # FULL
    assert store.schema_version == SCHEMA_VERSION


def test_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(SchemaVersionError, match="newer absmem"):
        SQLiteStore(path)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    db.close()


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreCorruptError, match="^path"):
        SQLiteStore(path)


def test_reads_by_key_use_the_primary_key(sqlite_store: SQLiteStore) -> None:
    store = sqlite_store
    store.add_experiences([_row(i, user_id="u", session_id="s") for i in range(50)], [])
    store._db.execute("ANALYZE")

    def plan(sql: str, params: tuple[str, ...]) -> str:
        return " ".join(row[3] for row in store._read(f"EXPLAIN QUERY PLAN {sql}", params))

    by_key = plan("SELECT seq FROM experiences WHERE +namespace = ? AND seq IN (1, 2)", ("ns",))
    assert "INTEGER PRIMARY KEY" in by_key
    by_recall = plan(
        "SELECT id FROM experiences WHERE namespace = ? AND recall_id = ?", ("ns", "r")
    )
    assert "experiences_recall" in by_recall


# -- migrations of old files ----------------------------------------------------------------------


def _vec(i: int) -> np.ndarray:
    vec = np.zeros(4, np.float32)
    vec[i % 4] = 1.0
    vec[(i + 1) % 4] = 0.5 * (i // 4 + 1)
    return vec


def test_a_version_1_store_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute("INSERT INTO namespaces (namespace, created_at) VALUES ('ns', 0)")
    db.execute("INSERT INTO experiences (id, namespace, context, response, created_at) "
               "VALUES ('e1', 'ns', 'old context', 'old response', 1.0)")  # fmt: skip
    db.execute("INSERT INTO experience_vectors (seq, context_vec, response_vec) VALUES (1, ?, ?)",
               (_vec(1).tobytes(), _vec(2).tobytes()))  # fmt: skip
    db.execute("PRAGMA user_version=1")
    db.commit()
    db.close()

    store = SQLiteStore(path)
    assert store.schema_version == SCHEMA_VERSION == 5
    assert store.get_run_link("ns", "any-run") is None
    assert store.policy_history("ns", limit=10) == []
    e1 = store.get_experience("ns", "e1")
    assert e1 is not None
    assert (e1.context, e1.compacted) == ("old context", False)
    assert (e1.long_term.alpha, e1.long_term.n) == (1.0, 0.0)  # version 5's columns
    assert store.abstractions("ns") == []
    snap = store.snapshot("ns")
    assert snap.ids == ["e1"]
    np.testing.assert_array_equal(snap.contexts[0], _vec(1))
    new = ExperienceRow(id="e2", namespace="ns", context="context 2", response="response 2",
                        context_vec=_vec(2), response_vec=_vec(3) * 2, created_at=2.0)  # fmt: skip
    store.add_experiences([new], [], memberships=[MembershipRow("a", "e1", 0)])
    members = {(m.abstraction_id, m.experience_id, m.approach)
               for m in store.snapshot("ns").memberships}  # fmt: skip
    assert members == {("a", "e1", 0)}
    store.close()


def test_a_version_3_store_gains_the_table(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    for script in MIGRATIONS[:3]:
        db.executescript(script)
    db.execute("PRAGMA user_version=3")
    db.commit()
    db.close()
    store = SQLiteStore(path)
    assert store.schema_version == SCHEMA_VERSION == 5
    store.put_run_link(RunLinkRow("default", "r", None, "exp", 0.0))
    assert store.get_run_link("default", "r") is not None
    store.close()
