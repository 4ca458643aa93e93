"""Stores under test: every contract test runs on SQLiteStore and on PostgresStore.

PostgreSQL comes from the environment variable ``ABSMEM_TEST_POSTGRES``: a libpq connection
string of a server where the tests may create and drop databases (``.ci/run`` starts one). Each
test gets a new, empty database, dropped afterwards. Without the variable the PostgreSQL cases
are skipped, except when ``CI=true``: there they fail, so that CI really runs them.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from absmem.store import ExperienceRow, GraphStore, SQLiteStore

POSTGRES_ENV = "ABSMEM_TEST_POSTGRES"
"""The environment variable holding the test server's connection string."""

BACKENDS = ["sqlite", "postgres"]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI=true, where the PostgreSQL tests must run")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The test server's connection string; skips (fails under ``CI=true``) without one."""
    dsn = os.environ.get(POSTGRES_ENV, "")
    if not dsn:
        _unavailable(
            f"PostgreSQL tests need {POSTGRES_ENV}, a libpq connection string of a server where "
            "the tests may create databases (e.g. 'host=127.0.0.1 port=55432 user=postgres')"
        )
    try:
        import psycopg
    except ImportError:
        _unavailable("PostgreSQL tests need psycopg: pip install 'absmem[postgres]'")
    try:
        with psycopg.connect(_admin(dsn), autocommit=True, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as err:
        pytest.fail(f"{POSTGRES_ENV} is set but its server cannot be used: {err}")
    return dsn


def _admin(dsn: str) -> str:
    """The connection string of the server's maintenance database ``postgres``."""
    from psycopg.conninfo import make_conninfo

    return make_conninfo(dsn, dbname="postgres")


@pytest.fixture
def postgres_dsn(postgres_server: str) -> Iterator[str]:
    """A new, empty database on the test server (dropped after the test); its DSN."""
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    name = f"absmem_test_{os.getpid()}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin(postgres_server), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_conninfo(postgres_server, dbname=name)
    finally:
        with psycopg.connect(_admin(postgres_server), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


class StoreFactory:
    """Opens stores of one kind on one location (a file, or a database); closes them at the end.

    Every store it opens sees the same data: a second one stands for another process.
    """

    def __init__(self, kind: str, location: str) -> None:
        self.kind = kind
        self.location = location
        self.opened: list[GraphStore] = []

    def open(self, **options: Any) -> Any:
        """A new store (a new connection) on the factory's location."""
        if self.kind == "sqlite":
            store: GraphStore = SQLiteStore(self.location, **options)
        else:
            from absmem.store import PostgresStore

            store = PostgresStore(self.location, **options)
        self.opened.append(store)
        return store

    def close_all(self) -> None:
        """Close every store opened (those a test closed already are skipped)."""
        for store in self.opened:
            with contextlib.suppress(sqlite3.ProgrammingError):  # closed by the test
                store.close()


@pytest.fixture(params=BACKENDS)
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """A factory of stores of each kind on one fresh location (SQLite file or PostgreSQL
    database)."""
    if request.param == "sqlite":
        factory = StoreFactory("sqlite", str(tmp_path / "absmem.db"))
    else:
        factory = StoreFactory("postgres", request.getfixturevalue("postgres_dsn"))
    yield factory
    factory.close_all()


@pytest.fixture
def store(stores: StoreFactory) -> Any:
    """An open store of each kind, recording the 4-dimensional embedder ``"toy"``."""
    db = stores.open()
    db.check_embedder("toy", 4)
    return db


def experience_row(i: int, namespace: str = "ns", **extra: object) -> ExperienceRow:
    """Experience ``e<i>`` with 4-dimensional one-hot vectors (axis ``i % 4``)."""
    vec = np.zeros(4, np.float32)
    vec[i % 4] = 1.0
    return ExperienceRow(id=f"e{i}", namespace=namespace, context=f"context {i}",
                         response=f"response {i}", context_vec=vec, response_vec=vec,
                         created_at=float(i), **extra)  # type: ignore[arg-type]  # fmt: skip
