"""Two batches naming the same new people in other orders, at once, on PostgreSQL: the second
waits for the first instead of deadlocking (the registry inserts newcomers in key order).

The interleaving that deadlocked is forced: a trigger holds up the insert of one person, the
first batch is held up there before the second starts, and the first commits only once the
second waits for it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, Engine

from adoption.db import make_engine, make_sessionmaker, unit_of_work
from adoption.ingest import registry
from adoption.masterdata import records

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
HELD_UP = "n-a"  # the newcomer whose insert the trigger holds up


@pytest.fixture
def engine(backend, database_url) -> Iterator[Engine]:
    if backend != "postgresql":
        pytest.skip("row locks and deadlocks are PostgreSQL's; SQLite has one writer")
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@contextmanager
def insert_held_up(engine: Engine, key: str) -> Iterator[None]:
    """A trigger that holds up each insert of employee `key` for half a second."""
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE FUNCTION test_hold_up() RETURNS trigger AS $$ BEGIN "
            f"IF NEW.external_key = '{key}' THEN PERFORM pg_sleep(0.5); END IF; "
            "RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        conn.exec_driver_sql(
            "CREATE TRIGGER test_hold_up BEFORE INSERT ON employee "
            "FOR EACH ROW EXECUTE FUNCTION test_hold_up()"
        )
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TRIGGER test_hold_up ON employee")
            conn.exec_driver_sql("DROP FUNCTION test_hold_up()")


def backend_pid(session) -> int:
    return session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar_one()


def wait_until(watcher: Connection, pid: int, waits_for: str, give_up=lambda: False) -> None:
    """Until backend `pid` waits for `waits_for` (a wait_event_type, e.g. Lock), or `give_up()`."""
    deadline = time.monotonic() + 10
    while not give_up():
        kind = watcher.exec_driver_sql(
            f"SELECT wait_event_type FROM pg_stat_activity WHERE pid = {pid}"
        ).scalar()
        if kind == waits_for:
            return
        assert time.monotonic() < deadline, f"backend {pid} never waited for {waits_for}"
        time.sleep(0.01)


def test_batches_naming_the_same_newcomers_in_other_orders_wait_instead_of_deadlocking(engine):
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        site, _ = records.put_site(
            session, "S001", {"name": "S"}, now=NOW, actor="t", default_tz="UTC"
        )
        session.flush()
        site_id = site.id
    first, second = factory(), factory()
    pids = backend_pid(first), backend_pid(second)

    def register(session, order: list[str]) -> dict[str, int]:
        return registry.ensure_employees(session, {k: (k, site_id) for k in order}, NOW)

    with (
        insert_held_up(engine, HELD_UP),
        engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watcher,
    ):
        pool = ThreadPoolExecutor(2)
        try:
            one = pool.submit(register, first, [HELD_UP, "n-b"])
            wait_until(watcher, pids[0], "Timeout")  # held up at n-a (pg_sleep)
            other = pool.submit(register, second, ["n-b", HELD_UP])
            ids = one.result(timeout=10)
            wait_until(watcher, pids[1], "Lock", give_up=other.done)  # waits for the first
            first.commit()
            assert other.result(timeout=10) == ids
            second.commit()
        except BaseException:  # end both transactions, whatever they wait for, then report
            for pid in pids:
                watcher.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
            raise
        finally:
            pool.shutdown()
            first.close()
            second.close()
