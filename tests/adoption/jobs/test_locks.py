"""The run-once lock: PostgreSQL advisory lock, SQLite lock row with stale-lock takeover."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from adoption.db import make_engine, make_sessionmaker
from adoption.jobs.locks import advisory_key, run_once
from adoption.jobs.models import JobLock

NOW = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def factories(database_url):
    """Two session factories on separate engines: two processes as far as the database knows."""
    engines = [make_engine(database_url) for _ in range(2)]
    yield [make_sessionmaker(engine) for engine in engines]
    for engine in engines:
        engine.dispose()


@pytest.fixture
def sqlite_only(backend):
    if backend != "sqlite":
        pytest.skip("the lock row is SQLite's; PostgreSQL uses an advisory lock")


def lock_rows(factory) -> list[tuple[str, str]]:
    with factory() as session:
        return session.execute(select(JobLock.job, JobLock.holder)).all()


def test_only_one_of_two_racing_processes_gets_the_lock(factories):
    start = threading.Barrier(2, timeout=10)
    loser_tried = threading.Event()
    got: dict[str, bool] = {}

    def contend(name: str, factory) -> None:
        start.wait()
        with run_once(factory, "snapshots", now=NOW, holder=name, ttl=HOUR) as acquired:
            got[name] = acquired
            if acquired:
                loser_tried.wait(timeout=10)  # hold the lock until the other has tried
            else:
                loser_tried.set()

    threads = [
        threading.Thread(target=contend, args=(f"worker-{i}", f)) for i, f in enumerate(factories)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(got.values()) == [False, True]


def test_lock_is_free_again_once_released(factories):
    first, second = factories
    with run_once(first, "badges", now=NOW, holder="a", ttl=HOUR) as acquired:
        assert acquired
    with run_once(second, "badges", now=NOW, holder="b", ttl=HOUR) as acquired:
        assert acquired


def test_locks_of_different_jobs_do_not_exclude_each_other(factories):
    first, second = factories
    with (
        run_once(first, "rollups", now=NOW, holder="a", ttl=HOUR) as rollups,
        run_once(second, "badges", now=NOW, holder="b", ttl=HOUR) as badges,
    ):
        assert (rollups, badges) == (True, True)


def test_lock_is_released_when_the_job_raises(factories):
    first, second = factories
    with (
        pytest.raises(RuntimeError),
        run_once(first, "points", now=NOW, holder="a", ttl=HOUR),
    ):
        raise RuntimeError("job failed")
    with run_once(second, "points", now=NOW, holder="b", ttl=HOUR) as acquired:
        assert acquired


def test_advisory_key_is_a_stable_signed_64_bit_number():
    key = advisory_key("snapshots")
    assert key == advisory_key("snapshots") != advisory_key("rollups")
    assert -(2**63) <= key < 2**63


def test_postgres_lock_dies_with_a_crashed_holders_connection(factories, backend):
    if backend != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    engine = factories[0].kw["bind"]
    crashed = engine.connect()
    crashed.execute(text("SELECT pg_advisory_lock(:k)"), {"k": advisory_key("badges")})
    with run_once(factories[1], "badges", now=NOW, holder="b", ttl=HOUR) as acquired:
        assert not acquired
    crashed.invalidate()  # the process is gone: its database session ends …
    for _ in range(50):  # … as soon as the server notices the socket closed (ms, under load more)
        with run_once(factories[1], "badges", now=NOW, holder="b", ttl=HOUR) as acquired:
            if acquired:
                break
        time.sleep(0.1)
    assert acquired


def test_postgres_lock_writes_no_lock_row(factories, backend):
    if backend != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    with run_once(factories[0], "badges", now=NOW, holder="a", ttl=HOUR) as acquired:
        assert acquired
        assert lock_rows(factories[1]) == []


def test_sqlite_lock_row_names_its_holder_and_is_deleted_on_release(factories, sqlite_only):
    with run_once(factories[0], "snapshots", now=NOW, holder="host:42:main", ttl=HOUR):
        assert lock_rows(factories[1]) == [("snapshots", "host:42:main")]
    assert lock_rows(factories[1]) == []


def test_sqlite_lock_row_of_a_crashed_process_blocks_until_it_expires(factories, sqlite_only):
    with factories[0].begin() as session:  # left behind by a process that died mid-run
        session.add(
            JobLock(job="snapshots", holder="crashed", acquired_at=NOW, expires_at=NOW + HOUR)
        )
    later = NOW + timedelta(minutes=59)
    with run_once(factories[1], "snapshots", now=later, holder="b", ttl=HOUR) as acquired:
        assert not acquired
    assert lock_rows(factories[1]) == [("snapshots", "crashed")]


def test_sqlite_stale_lock_row_is_taken_over_once_expired(factories, sqlite_only):
    with factories[0].begin() as session:
        session.add(
            JobLock(job="snapshots", holder="crashed", acquired_at=NOW, expires_at=NOW + HOUR)
        )
    with run_once(factories[1], "snapshots", now=NOW + HOUR, holder="b", ttl=HOUR) as acquired:
        assert acquired
        assert lock_rows(factories[0]) == [("snapshots", "b")]
    assert lock_rows(factories[0]) == []


def test_sqlite_overdue_holder_does_not_release_its_successors_lock(factories, sqlite_only):
    slow, other = factories
    with run_once(slow, "rollups", now=NOW, holder="slow", ttl=HOUR) as slow_got:
        # The slow run outlives its ttl; another process takes over two hours later.
        takeover = run_once(other, "rollups", now=NOW + 2 * HOUR, holder="next", ttl=HOUR)
        other_got = takeover.__enter__()
    assert (slow_got, other_got) == (True, True)
    assert lock_rows(other) == [("rollups", "next")]
    takeover.__exit__(None, None, None)
    assert lock_rows(other) == []
