"""Schema migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from absmem.store import SQLiteStore
from absmem.store.schema import MIGRATIONS, SCHEMA_VERSION


def test_a_new_file_is_migrated_to_the_current_version(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "x.db")
    store.close()
    db = sqlite3.connect(tmp_path / "x.db")
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == len(MIGRATIONS)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"experiences", "edges", "recalls", "recall_items", "feedback", "credits",
            "blobs", "meta", "namespaces"} <= tables  # fmt: skip
    db.close()


def test_every_migration_is_plain_sql_that_applies(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "y.db")
    for script in MIGRATIONS:
        db.executescript(script)
    db.close()
