"""What only PostgresStore has: many connections on one database, migrations, retries, errors,
erasure on the server, and a whole memory on it (the store contract: test_store*.py)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from absmem import AbstractionMemory, ConsolidateConfig, GNNConfig
from absmem.abstraction import AbstractionConfig
from absmem.errors import (
    InvalidArgumentError,
    SchemaVersionError,
    StoreBusyError,
    StoreCorruptError,
    StoreUnavailableError,
)
from absmem.store import CreditRow, EdgeRow, ExperienceRow, FeedbackRow, GraphStore
from absmem.store import schema as sqlite_schema
from absmem.store.base import MembershipRow, RunLinkRow

from ..bench.helpers import TinyEmbedder
from .conftest import StoreFactory
from .conftest import experience_row as _row

psycopg = pytest.importorskip("psycopg")

from absmem.store import PostgresStore  # noqa: E402  (psycopg is there)
from absmem.store.postgres import _NAMESPACE  # noqa: E402
from absmem.store.postgres_conn import _LOCK_NAMESPACE  # noqa: E402
from absmem.store.postgres_schema import MIGRATIONS, SCHEMA_VERSION, statements  # noqa: E402


@pytest.fixture
def pg(postgres_dsn: str) -> Iterator[StoreFactory]:
    """PostgresStores on one new database."""
    factory = StoreFactory("postgres", postgres_dsn)
    yield factory
    factory.close_all()


def _sql(dsn: str, *statements_: str) -> list[Any]:
    """Run statements on their own connection; the last one's rows (if it returns any)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows: list[Any] = []
        for statement in statements_:
            cursor = conn.execute(statement)
            rows = cursor.fetchall() if cursor.description else []
        return rows


# -- schema and migrations ------------------------------------------------------------------------


def test_migrations_are_in_step_with_sqlite_and_split_cleanly() -> None:
    assert SCHEMA_VERSION == len(MIGRATIONS) == sqlite_schema.SCHEMA_VERSION
    for script in MIGRATIONS:
        for statement in statements(script):
            assert statement.split()[0] != "--" or "\n" in statement
            assert statement.rstrip()[-1] != ";"


def test_a_new_database_is_migrated_to_the_current_version(pg: StoreFactory) -> None:
    store = pg.open()
    assert store.schema_version == SCHEMA_VERSION == 5
    assert _sql(pg.location, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]
    tables = {r[0] for r in _sql(pg.location, "SELECT tablename FROM pg_tables "
                                              "WHERE schemaname = current_schema()")}  # fmt: skip
    assert {"experiences", "experience_vectors", "edges", "recalls", "recall_items", "feedback",
            "credits", "blobs", "meta", "namespaces", "abstractions", "memberships",
            "recall_features", "run_links", "schema_version"} <= tables  # fmt: skip
    store.close()
    again = pg.open()  # a second open finds nothing to do
    assert again.schema_version == SCHEMA_VERSION


def test_processes_opening_a_new_database_at_once_migrate_it_once(pg: StoreFactory) -> None:
    opened: list[Any] = []
    failed: list[BaseException] = []

    def open_one() -> None:
        try:
            opened.append(pg.open())
        except BaseException as err:  # reported below
            failed.append(err)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failed == []
    assert [s.schema_version for s in opened] == [SCHEMA_VERSION] * 4
    assert _sql(pg.location, "SELECT count(*) FROM schema_version") == [(1,)]


def test_a_version_1_database_is_migrated(pg: StoreFactory) -> None:
    vec = np.ones(4, np.float32).tobytes()
    with psycopg.connect(pg.location, autocommit=True) as conn:
        for statement in statements(MIGRATIONS[0]):
            conn.execute(statement)
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        conn.execute("INSERT INTO schema_version VALUES (1)")
        conn.execute("INSERT INTO namespaces (namespace, created_at) VALUES ('ns', 0)")
        conn.execute("INSERT INTO experiences (id, namespace, context, response, created_at) "
                     "VALUES ('e1', 'ns', 'old context', 'old response', 1.0)")  # fmt: skip
        conn.execute("INSERT INTO experience_vectors (seq, context_vec, response_vec) "
                     "SELECT seq, %s, %s FROM experiences", (vec, vec))  # fmt: skip
    store = pg.open()
    assert store.schema_version == SCHEMA_VERSION
    assert store.get_run_link("ns", "any-run") is None
    assert store.policy_history("ns", limit=10) == []
    e1 = store.get_experience("ns", "e1")
    assert (e1.context, e1.compacted) == ("old context", False)
    assert store.snapshot("ns").ids == ["e1"]
    (seq,) = store.add_experiences([_row(2)], [], memberships=[MembershipRow("a", "e1", 0)])
    assert seq > e1.seq
    store.put_run_link(RunLinkRow("ns", "r", None, "e1", 0.0))
    assert store.get_run_link("ns", "r") is not None


def test_a_newer_schema_is_refused_untouched(pg: StoreFactory) -> None:
    _sql(pg.location, "CREATE TABLE schema_version (version INTEGER NOT NULL)",
         f"INSERT INTO schema_version VALUES ({SCHEMA_VERSION + 1})")  # fmt: skip
    with pytest.raises(SchemaVersionError, match="newer absmem"):
        pg.open()
    assert _sql(pg.location, "SELECT version FROM schema_version") == [(SCHEMA_VERSION + 1,)]
    assert _sql(pg.location, "SELECT to_regclass('experiences')") == [(None,)]


def test_a_database_holding_other_tables_of_the_same_names(pg: StoreFactory) -> None:
    _sql(pg.location, "CREATE TABLE experiences (anything TEXT)")
    with pytest.raises(StoreCorruptError, match="^dsn: expected an absmem PostgreSQL database"):
        pg.open()
    assert _sql(pg.location, "SELECT to_regclass('meta')") == [(None,)]  # rolled back


# -- connecting -----------------------------------------------------------------------------------


def test_a_malformed_dsn_is_not_quoted() -> None:
    with pytest.raises(StoreUnavailableError, match="^dsn: expected a libpq connection") as caught:
        PostgresStore("host=127.0.0.1 password=hunter 2")
    assert "hunter" not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    with pytest.raises(InvalidArgumentError, match="^dsn"):
        PostgresStore(None)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="^vacuum"):
        PostgresStore("host=127.0.0.1", vacuum="sometimes")  # type: ignore[arg-type]


def test_an_unreachable_server_names_where_without_the_password() -> None:
    with pytest.raises(StoreUnavailableError) as caught:
        PostgresStore("host=127.0.0.1 port=1 dbname=mem user=me password=hunter2")
    message = str(caught.value)
    assert message.startswith("dsn: expected a reachable PostgreSQL server")
    assert "port=1" in message
    assert "hunter2" not in message
    assert isinstance(caught.value, ConnectionError)
    assert isinstance(caught.value.__cause__, psycopg.OperationalError)


def test_a_missing_database(postgres_server: str) -> None:
    from psycopg.conninfo import make_conninfo

    with pytest.raises(StoreUnavailableError, match="absmem_no_such_database"):
        PostgresStore(make_conninfo(postgres_server, dbname="absmem_no_such_database"))


def test_a_closed_store_refuses_calls_and_repr_hides_the_password(pg: StoreFactory) -> None:
    store = PostgresStore(pg.location + " password=hunter2 application_name=t")
    assert "hunter2" not in repr(store)
    assert repr(store).startswith("PostgresStore(")
    store.close()
    store.close()  # closing twice is harmless
    with pytest.raises(StoreUnavailableError, match="closed"):
        store.count("ns")


def test_a_lost_connection_is_reported_then_replaced(pg: StoreFactory) -> None:
    store = pg.open()
    store.add_experiences([_row(1)], [])
    pid = store._read("SELECT pg_backend_pid()")[0][0]
    _sql(pg.location, f"SELECT pg_terminate_backend({pid})")
    with pytest.raises(StoreUnavailableError, match="lost the connection"):
        store.count("ns")
    assert store.count("ns") == 1  # the next call reconnects


# -- many processes on one database ---------------------------------------------------------------


def test_two_stores_writing_at_once_lose_nothing(pg: StoreFactory) -> None:
    """Two stores (two processes) on one database, two threads each: inserts, feedback on the
    same experiences, recalls and blobs interleave; every write lands once, keys are unique."""
    first, second = pg.open(), pg.open()
    first.check_embedder("toy", 4)
    second.check_embedder("toy", 4)
    shared = first.add_experiences([_row(i, user_id="shared") for i in range(3)], [])
    batches, size = 12, 5
    keys: list[list[int]] = []
    failed: list[BaseException] = []

    def writer(store: Any, worker: int) -> None:
        try:
            for b in range(batches):
                rows = [
                    _row(1000 * (worker + 1) + 10 * b + i, user_id=f"w{worker}")
                    for i in range(size)
                ]
                keys.append(store.add_experiences(rows, [EdgeRow(rows[0].id, "e0", "similar")]))
                credits = [CreditRow(f"e{i}", "outcome", 1.0, 1.0) for i in (2, 0, 1)]
                store.add_feedback(
                    FeedbackRow(f"f{worker}-{b}", "ns", "experience", "e0", 1.0, 0.0), credits
                )
                store.put_blob("ns", f"blob-{worker}", bytes([b]), {"b": b})
        except BaseException as err:  # reported below
            failed.append(err)

    threads = [threading.Thread(target=writer, args=(store, w))
               for w, store in enumerate([first, second, first, second])]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failed == []
    flat = [k for batch in keys for k in batch]
    assert len(flat) == len(set(flat)) == 4 * batches * size
    assert all(batch == sorted(batch) for batch in keys)
    assert not set(flat) & set(shared)
    assert first.count("ns") == second.count("ns") == 3 + 4 * batches * size
    assert first.vector_version("ns") == 1 + 4 * batches  # one bump per insert, none lost
    for e in first.get_experiences("ns", shared):
        assert (e.outcome.n, e.outcome.alpha) == (4 * batches, 1 + 4 * batches)  # no lost update
    assert len(second.feedback_ids("ns", [f"f{w}-{b}" for w in range(4)
                                          for b in range(batches)])) == 4 * batches  # fmt: skip
    assert sorted(second.keys("ns").tolist()) == sorted(flat + shared)
    assert {second.get_blob("ns", f"blob-{w}")[1]["b"] for w in range(4)} == {batches - 1}


def test_a_forget_in_one_store_while_another_inserts(pg: StoreFactory) -> None:
    first, second = pg.open(), pg.open()
    first.add_experiences([_row(i, user_id="gone") for i in range(20)], [])
    failed: list[BaseException] = []

    def insert() -> None:
        try:
            for i in range(40):
                second.add_experiences([_row(100 + i, user_id="kept")], [])
        except BaseException as err:  # reported below
            failed.append(err)

    thread = threading.Thread(target=insert)
    thread.start()
    result = first.forget("ns", user_id="gone")
    thread.join()
    assert failed == []
    assert result.experiences == 20
    assert first.count("ns") == 40
    assert {e.user_id for e in first.get_experiences("ns", first.keys("ns").tolist())} == {"kept"}
    assert first.vector_version("ns") == 1 + 40 + 1


# -- retries --------------------------------------------------------------------------------------


def _failing_once(store: Any, error: type[Exception]) -> list[int]:
    """Make the store's next transaction fail once with ``error`` (as the server would)."""
    calls: list[int] = []
    original = store._conn.transaction

    def transaction(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise error("injected")
        return original(*args, **kwargs)

    store._conn.transaction = transaction
    return calls


@pytest.mark.parametrize(
    "error", ["SerializationFailure", "DeadlockDetected", "LockNotAvailable"]
)  # fmt: skip
def test_a_conflict_is_retried_inside_the_store(
    pg: StoreFactory, error: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = pg.open(seed=0)
    calls = _failing_once(store, getattr(psycopg.errors, error))
    with caplog.at_level(logging.INFO, logger="absmem.store.postgres_conn"):
        store.put_blob("ns", "gnn", b"weights", {})
    assert len(calls) == 2
    assert store.get_blob("ns", "gnn") == (b"weights", {})
    assert error in caplog.text


def test_past_the_budget_a_conflict_raises_busy(pg: StoreFactory) -> None:
    store = pg.open(busy_budget_s=0.05)
    store._conn.transaction = _always(psycopg.errors.SerializationFailure)
    with pytest.raises(StoreBusyError, match="nothing was changed") as caught:
        store.put_blob("ns", "gnn", b"weights", {})
    assert isinstance(caught.value.__cause__, psycopg.errors.SerializationFailure)


def _always(error: type[Exception]) -> Callable[..., Any]:
    def transaction(*args: Any, **kwargs: Any) -> Any:
        raise error("injected")

    return transaction


def test_a_real_deadlock_is_retried(pg: StoreFactory, caplog: pytest.LogCaptureFixture) -> None:
    """Another session holds e1's row and then waits for the namespace's lock, which the store's
    feedback transaction holds while it waits for e1: the server aborts one of the two (the
    store's, which waited longer), and the store runs its transaction again."""
    store = pg.open(seed=0)
    store.add_experiences([_row(1)], [])
    failed: list[BaseException] = []
    store_was_victim = True
    with (
        caplog.at_level(logging.INFO, logger="absmem.store.postgres_conn"),
        psycopg.connect(pg.location) as other,
    ):
        other.execute("UPDATE experiences SET out_n = out_n WHERE id = 'e1'")

        def rate() -> None:
            try:
                store.add_feedback(FeedbackRow("f1", "ns", "experience", "e1", 1.0, 0.0),
                                   [CreditRow("e1", "outcome", 1.0, 1.0)])  # fmt: skip
            except BaseException as err:  # reported below
                failed.append(err)

        thread = threading.Thread(target=rate)
        thread.start()
        for _ in range(500):  # until the store waits for e1
            if _sql(pg.location, "SELECT count(*) FROM pg_locks WHERE NOT granted")[0][0]:
                break
            threading.Event().wait(0.01)
        try:  # close the cycle: the namespace's advisory lock, exclusive
            other.execute(f"SELECT pg_advisory_xact_lock({_LOCK_NAMESPACE}, hashtext('ns'))")
            other.commit()
        except psycopg.errors.DeadlockDetected:  # (only if this machine is very slow)
            other.rollback()
            store_was_victim = False
        thread.join()
    assert failed == []
    e1 = store.get_experience("ns", "e1")
    assert (e1.outcome.n, e1.outcome.alpha) == (1.0, 2.0)
    assert store.feedback_ids("ns", ["f1"]) == {"f1"}
    if store_was_victim:
        assert "busy (DeadlockDetected)" in caplog.text


# -- query plans ----------------------------------------------------------------------------------


def test_reads_by_key_use_the_primary_key_without_statistics(pg: StoreFactory) -> None:
    """Before autovacuum has analysed a new table, the planner would walk a (namespace, ...)
    index over the whole namespace for a read by key; the store's namespace test avoids it."""
    store = pg.open()
    store.add_experiences([_row(i, user_id="u", session_id="s") for i in range(3000)], [])

    def plan(sql: str) -> str:
        return " ".join(r[0] for r in store._read(f"EXPLAIN {sql}", ("ns", [5, 600])))

    assert "experiences_pkey" in plan(
        f"SELECT seq FROM experiences WHERE {_NAMESPACE} AND seq = ANY(%s)"
    )
    assert store.ids_for("ns", [5, 600, 10**9]) == {5: "e4", 600: "e599"}


# -- text and erasure on the server ---------------------------------------------------------------


def test_nul_characters_are_refused_with_nothing_stored(pg: StoreFactory) -> None:
    store = pg.open()
    with pytest.raises(InvalidArgumentError, match="NUL"):
        store.add_experiences([_row(1, session_id="s\x00")], [])
    assert store.count("ns") == 0
    assert store.vector_version("ns") == 0


def _heap_bytes(dsn: str, table: str) -> bytes:
    """The bytes of ``table``'s data file, after a checkpoint (needs a superuser)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        if not conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
                            ).fetchall()[0][0]:  # fmt: skip
            pytest.skip("reading data files needs a superuser")
        conn.execute("CHECKPOINT")
        path = conn.execute("SELECT pg_relation_filepath(%s)", (table,)).fetchall()[0][0]
        return bytes(conn.execute("SELECT pg_read_binary_file(%s)", (path,)).fetchall()[0][0])


@pytest.mark.parametrize("vacuum", ["plain", "full", "off"])
def test_forget_deletes_then_vacuums(pg: StoreFactory, vacuum: str) -> None:
    store = pg.open(vacuum=vacuum)
    secret = "Zanzibar-Quintessa"
    store.add_experiences([_row(i, user_id="u") for i in range(5)], [])
    store.add_experiences([ExperienceRow("x", "ns", f"{secret} has a fever", "call the vet",
                                         np.ones(4, np.float32), np.ones(4, np.float32), 0.0,
                                         user_id="gone")], [])  # fmt: skip
    assert secret.encode() in _heap_bytes(pg.location, "experiences")
    assert store.forget("ns", user_id="gone").experiences == 1
    vacuumed = _sql(pg.location, "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables "
                                 "WHERE relname = 'experiences'")  # fmt: skip
    assert vacuumed == [(vacuum == "plain",)]  # (VACUUM FULL does not count as a vacuum)
    assert store.count("ns") == 5
    if vacuum == "full":  # the table was rewritten: the text left the data file
        assert secret.encode() not in _heap_bytes(pg.location, "experiences")


# -- a whole memory on PostgreSQL -----------------------------------------------------------------


def test_a_memory_round_trip_on_postgres(pg: StoreFactory) -> None:
    """remember, recall, feedback, consolidate, forget, with a second memory on the same
    database standing for another process."""
    consolidation = ConsolidateConfig(gnn=GNNConfig(hidden=8, epochs=3, finetune_epochs=1),
                                      abstraction=AbstractionConfig(fine_size=10))  # fmt: skip
    embedder = TinyEmbedder()
    store = pg.open()
    assert isinstance(store, GraphStore)
    mem = AbstractionMemory(store, embedder, consolidation=consolidation)
    other = AbstractionMemory(pg.open(), embedder, consolidation=consolidation)
    try:
        ids = []
        for i in range(24):
            good = i % 2 == 0
            reply = "Use the app: Cards > Reset PIN." if good else "Visit a branch."
            ids.append(mem.remember(f"reset my card pin please {i}", reply,
                                    user_id=f"u{i % 3}", session_id=f"s{i % 4}"))  # fmt: skip
            mem.feedback(ids[-1], reward=1.0 if good else -1.0)
        assert other.count() == 24  # the other process sees every write
        recall = other.recall("reset my card pin please 3", k=3, user_id="u9")
        assert recall.items
        assert {item.id for item in recall.items} <= set(ids)
        other.feedback(recall.id, reward=1.0)
        report = mem.consolidate()
        assert report.experiences == 24
        assert report.abstractions >= 1
        assert len(store.abstractions("default")) >= report.abstractions
        forgotten = mem.forget(user_id="u0")
        assert forgotten.experiences == 8
        gone = set(ids[0::3])
        assert all(other.get(i) is None for i in gone)
        again = other.recall("reset my card pin please 3", k=10)
        assert not {item.id for item in again.items} & gone
        assert other.count() == 16
    finally:
        mem.close()
        other.close()


def _url(dsn: str) -> str:
    """A ``postgresql://`` URL of a key=value connection string (what ``open`` recognises)."""
    from psycopg.conninfo import conninfo_to_dict

    parts = conninfo_to_dict(dsn)
    auth = parts.get("user", "") + (f":{parts['password']}" if parts.get("password") else "")
    where = f"{parts.get('host', '127.0.0.1')}:{parts.get('port', 5432)}"
    return f"postgresql://{auth}@{where}/{parts['dbname']}"


def test_open_takes_a_postgresql_url(postgres_dsn: str) -> None:
    with AbstractionMemory.open(_url(postgres_dsn), embedder=TinyEmbedder()) as mem:
        eid = mem.remember("where is my parcel", "track it on the site")
        assert mem._engine.index_dir is None  # no index files: each process rebuilds its own
    with AbstractionMemory.open(_url(postgres_dsn), embedder=TinyEmbedder()) as again:
        assert again.get(eid) is not None
        assert [item.id for item in again.recall("where is my parcel", k=1).items] == [eid]


def test_processes_under_mixed_load_lose_nothing(postgres_dsn: str) -> None:
    from absmem.bench.load import LoadParams, run_load

    result = run_load(LoadParams(processes=2, seconds=3.0), target=_url(postgres_dsn))
    assert result["store"] == "PostgreSQL"
    assert result["errors"] == []
    assert result["crashes"] == []
    assert result["consistency"]["ok"], result["consistency"]["problems"]
    assert result["consistency"]["checked"]["remember"] > 0
