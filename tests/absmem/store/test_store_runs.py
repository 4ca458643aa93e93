"""The run_links table of SQLiteStore: upsert, namespaces, migration from version 3."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from absmem.store import SQLiteStore
from absmem.store.base import RunLinkRow
from absmem.store.schema import MIGRATIONS, SCHEMA_VERSION


def test_a_link_is_replaced_and_kept_per_namespace(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.db")
    store.put_run_link(RunLinkRow("a", "run", "rec_1", None, 1.0))
    store.put_run_link(RunLinkRow("a", "run", "rec_1", "exp_1", 2.0))
    store.put_run_link(RunLinkRow("b", "run", "rec_2", None, 3.0))
    assert store.get_run_link("a", "run") == RunLinkRow("a", "run", "rec_1", "exp_1", 2.0)
    assert store.get_run_link("b", "run") == RunLinkRow("b", "run", "rec_2", None, 3.0)
    assert store.get_run_link("c", "run") is None
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
    assert store.schema_version == SCHEMA_VERSION == 4
    store.put_run_link(RunLinkRow("default", "r", None, "exp", 0.0))
    assert store.get_run_link("default", "r") is not None
    store.close()
