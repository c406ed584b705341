"""SQLite's one write lock: a request that writes begins IMMEDIATE, so it waits for the lock up
to the busy timeout and only then answers 503 with Retry-After; a GET that writes after all runs
again as a writer (`api.database`, `adoption.db.make_sessionmaker`)."""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from adoption.masterdata import records
from adoption.models import Site
from api import database as request_db
from tests.helpers import event


@pytest.fixture
def sqlite_only(backend):
    if backend != "sqlite":
        pytest.skip("SQLite's one write lock")


@pytest.fixture
def short_busy_timeout(monkeypatch):
    """A busy timeout of 1 s for the app made after this fixture."""
    monkeypatch.setattr("adoption.db.SQLITE_BUSY_TIMEOUT_S", 1)
    return 1


@contextmanager
def write_lock_held(database_url: str):
    """Another connection holds SQLite's write lock until the block ends (or `release` is
    called); yields `release`."""
    other = sqlite3.connect(
        database_url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False
    )
    other.execute("BEGIN IMMEDIATE")
    released = threading.Event()

    def release() -> None:
        if not released.is_set():
            released.set()
            other.execute("COMMIT")

    try:
        yield release
    finally:
        release()
        other.close()


def test_a_write_request_waits_for_the_write_lock_instead_of_failing(
    sqlite_only, database_url, make_site, send_events
):
    make_site("S001")
    with write_lock_held(database_url) as release:
        threading.Timer(0.3, release).start()  # let go while the request waits for it
        response = send_events([event(1)])
    assert response.status_code == 200
    assert response.json["accepted"] == 1


def test_a_lock_held_past_the_busy_timeout_answers_503_with_retry_after(
    sqlite_only, short_busy_timeout, database_url, make_site, send_events
):
    make_site("S001")
    with write_lock_held(database_url):
        started = time.monotonic()
        response = send_events([event(1)])
        waited = time.monotonic() - started
    assert response.status_code == 503
    assert response.json["error"]["code"] == "unavailable"
    assert response.headers["Retry-After"] == "1"
    assert waited >= short_busy_timeout
    assert send_events([event(1)]).json["accepted"] == 1  # sent again, as asked


def test_a_get_that_writes_runs_again_as_a_writer_when_sqlite_refuses_it_the_lock(
    sqlite_only, app, client, database_url, make_site, session
):
    make_site("S001")
    runs = []

    def read_then_write():
        db = request_db.session()
        db.scalar(select(func.count()).select_from(Site))  # a reader's snapshot
        runs.append(len(runs) + 1)
        if len(runs) == 1:  # another connection commits a write: the snapshot can no longer
            with sqlite3.connect(database_url.removeprefix("sqlite:///")) as other:
                other.execute("UPDATE site SET name = 'Elsewhere' WHERE code = 'S001'")
        now = datetime.now(UTC)
        records.put_site(db, f"W{len(runs)}", {"name": "w"}, now=now, actor="t", default_tz="UTC")
        db.flush()
        return {"runs": len(runs)}

    app.add_url_rule("/api/v1/test-read-then-write", "read_then_write", read_then_write)
    response = client.get("/api/v1/test-read-then-write")
    assert response.status_code == 200
    assert runs == [1, 2]
    assert {"W1", "W2"} & set(session.scalars(select(Site.code))) == {"W2"}


def test_a_batch_is_parsed_and_validated_before_its_sender_waits_for_the_lock(
    sqlite_only, database_url, make_site, send_events, monkeypatch
):
    """POST /events reads its token and checks every event in a reader's transaction; only
    placing and storing the batch waits for (and holds) the write lock."""
    from api.http import events as view

    make_site("S001")
    released = threading.Event()
    checked_while_locked = []
    check = view.check_events

    def recording(batch, now):
        checked_while_locked.append(not released.is_set())
        return check(batch, now)

    monkeypatch.setattr(view, "check_events", recording)
    with write_lock_held(database_url) as release:

        def let_go():
            released.set()
            release()

        threading.Timer(0.5, let_go).start()
        response = send_events([event(1), {"event_id": "bad"}])
    assert response.status_code == 200
    assert (response.json["accepted"], response.json["quarantined"]) == (1, 1)
    assert checked_while_locked == [True]
