"""The COPY path of ingest (`copy=True`, what `uptake import events` takes on PostgreSQL): the
same rows, rollups, newcomers and guarantees as the multi-row path. SQLite has no COPY and
takes the multi-row path whatever `copy` says, so these tests run on PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import given
from sqlalchemy import delete, select, text

from adoption.db import make_engine, make_sessionmaker
from adoption.ingest import pgcopy
from adoption.ingest.batch import ingest_batch
from adoption.models import DailyUsage, Employee, Event, EventKey, Feature, Quarantine
from tests.adoption.ingest.test_bulk import (
    DB_EXAMPLES,
    NOW,
    assert_rollups_recount,
    batches,
    rollups,
    seed,
)


@pytest.fixture
def pg(backend) -> None:
    if backend != "postgresql":
        pytest.skip("the COPY path writes on PostgreSQL only")


@pytest.fixture
def store(pg, make_site, make_employee, session):
    seed(make_site, make_employee, session)


def event(n: int, **changes) -> dict:
    raw = {"event_id": f"e-{n}", "user_id": "E001", "site_id": "S001", "action": "pos.sale",
           "occurred_at": "2026-11-20T09:00:00Z", "duration_ms": 1000 + n}  # fmt: skip
    return {**raw, **changes}


def wipe(session) -> None:
    """No events, rollups, keys, quarantine or newcomers: the master data of `store` only."""
    session.rollback()
    for model in (DailyUsage, Event, EventKey, Quarantine):
        session.execute(delete(model))
    session.execute(delete(Employee).where(Employee.rostered.is_(False)))
    session.execute(delete(Feature).where(Feature.mapped.is_(False)))
    session.commit()


def snapshot(session) -> tuple:
    """What the events, rollups, keys, quarantine and newcomers hold, as the database holds it
    (ids left out: the sequences move on between runs; event rows in id order)."""
    events = session.execute(
        text(
            "SELECT e.source, e.event_id, emp.external_key, e.site_id, f.action,"
            " CAST(e.occurred_at AS TEXT), CAST(e.local_day AS TEXT), e.outcome, e.duration_ms,"
            " CAST(e.properties AS TEXT), CAST(e.received_at AS TEXT) FROM event e"
            " JOIN employee emp ON emp.id = e.employee_id JOIN feature f ON f.id = e.feature_id"
            " ORDER BY e.id"
        )
    ).all()
    keys = session.execute(select(EventKey.source, EventKey.event_id).order_by("event_id")).all()
    held = session.execute(
        select(Quarantine.source, Quarantine.dedup_key, Quarantine.reasons).order_by("dedup_key")
    ).all()
    newcomers = session.execute(
        select(Employee.external_key, Employee.external_id, Employee.site_id)
        .where(Employee.rostered.is_(False))
        .order_by(Employee.external_key)
    ).all()
    unmapped = session.scalars(
        select(Feature.action).where(Feature.mapped.is_(False)).order_by(Feature.action)
    ).all()
    usage = session.execute(text("SELECT CAST(dur_log_sum AS TEXT) FROM daily_usage")).all()
    return events, keys, held, newcomers, unmapped, rollups(session), sorted(usage)


def ingest_all(session, sent: list[list], *, copy: bool) -> list[tuple]:
    counts = []
    for batch in sent:
        result = ingest_batch(session, source="pos", events=batch, now=NOW, copy=copy)
        session.commit()
        counts.append((result.accepted, result.duplicates, result.quarantined, result.errors))
    return counts


@DB_EXAMPLES
@given(sent=batches())
def test_copy_stores_what_the_multi_row_path_stores(store, session, sent):
    sent = [[*batch, {"event_id": "bad", "occurred_at": "soon"}] for batch in sent]
    wipe(session)
    by_rows = ingest_all(session, sent, copy=False), snapshot(session)
    wipe(session)
    by_copy = ingest_all(session, sent, copy=True), snapshot(session)
    assert by_copy == by_rows


@DB_EXAMPLES
@given(sent=batches())
def test_copy_rollups_equal_a_recount_of_the_events(store, session, sent):
    wipe(session)
    accepted = sum(counts[0] for counts in ingest_all(session, sent, copy=True))
    assert_rollups_recount(session, sent, accepted)


def test_a_retried_batch_changes_nothing(store, session):
    sent = [event(1), event(2, outcome="error"), event(3, site_id="S404"), event(1)]
    first = ingest_batch(session, source="pos", events=sent, now=NOW, copy=True)
    session.commit()
    before = snapshot(session)
    again = ingest_batch(session, source="pos", events=sent, now=NOW, copy=True)
    session.commit()
    assert (first.accepted, first.duplicates, first.quarantined) == (2, 1, 1)
    assert (again.accepted, again.duplicates, again.quarantined) == (0, 3, 1)
    assert snapshot(session) == before


def test_a_failure_after_the_copy_leaves_no_half_batch(store, session, monkeypatch):
    def fail(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pgcopy, "upsert_arrays", fail)  # the rollups, after keys and events
    with pytest.raises(RuntimeError, match="disk full"):
        ingest_batch(session, source="pos", events=[event(1), event(2)], now=NOW, copy=True)
    session.rollback()
    assert session.scalars(select(Event.event_id)).all() == []
    assert session.scalars(select(EventKey.event_id)).all() == []
    monkeypatch.undo()
    result = ingest_batch(session, source="pos", events=[event(1), event(2)], now=NOW, copy=True)
    assert result.accepted == 2


def test_concurrent_batches_store_each_event_once(store, session, database_url):
    """The second batch waits on the keys the first holds, then finds them stored."""
    engine = make_engine(database_url)
    other = make_sessionmaker(engine)()
    outcome = {}

    def second() -> None:
        try:
            sent = [event(2), event(3), event(4)]
            outcome["result"] = ingest_batch(other, source="pos", events=sent, now=NOW, copy=True)
            other.commit()
        except BaseException as exc:  # reported by the assertion below
            outcome["error"] = exc
            other.rollback()

    try:
        first = ingest_batch(
            session, source="pos", events=[event(1), event(2), event(3)], now=NOW, copy=True
        )
        thread = threading.Thread(target=second)
        thread.start()
        waited = _wait_for_a_lock_wait(session, thread)
        session.commit()
        thread.join(timeout=30)
    finally:
        other.close()
        engine.dispose()
    assert waited, "the second batch never waited on the first"
    assert "error" not in outcome, outcome.get("error")
    result = outcome["result"]
    assert (first.accepted, result.accepted, result.duplicates) == (3, 1, 2)
    assert sorted(session.scalars(select(Event.event_id))) == ["e-1", "e-2", "e-3", "e-4"]
    assert sum(session.scalars(select(DailyUsage.successes))) == 4


def _wait_for_a_lock_wait(session, thread: threading.Thread) -> bool:
    """Whether another backend waits on a lock (within 10 s) while `thread` runs; asked on a
    connection of its own, outside the test session's transaction."""
    engine = make_engine(session.get_bind().url.render_as_string(hide_password=False))
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and thread.is_alive():
            with engine.connect() as conn:
                waiting = conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND wait_event_type = 'Lock'"
                    )
                )
            if waiting:
                return True
            time.sleep(0.05)
        return False
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "event_id",
    ['q"uote', "back\\slash", "{brace}", "a,b", " spaced ", "NULL", "ünï cödé", '\\"', "x" * 128],
)
def test_keys_that_need_quoting_in_an_array_are_stored_as_sent(store, session, event_id):
    sent = [event(1, event_id=event_id), event(2)]
    first = ingest_batch(session, source="pos", events=sent, now=NOW, copy=True)
    again = ingest_batch(session, source="pos", events=sent, now=NOW, copy=True)
    assert (first.accepted, again.accepted, again.duplicates) == (2, 0, 2)
    stored = set(session.scalars(select(EventKey.event_id)))
    assert stored == {event_id.strip(), "e-2"}
    assert set(session.scalars(select(Event.event_id))) == stored
