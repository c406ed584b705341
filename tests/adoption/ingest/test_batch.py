"""`ingest_batch` on a session: validate, place, dedupe, register newcomers, store, roll up."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from adoption.ingest import batch
from adoption.ingest.batch import (
    NO_LOCAL_DAY,
    SITE_NOT_ALLOWED,
    UNKNOWN_SITE,
    ingest_batch,
    local_day_of,
)
from adoption.ingest.validation import MSG_TOO_OLD, OversizedNumber, ValidEvent
from adoption.models import DailyUsage, Employee, Event, Feature, Quarantine

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def event(n: int | str = 1, **changes: object) -> dict:
    raw: dict[str, object] = {
        "event_id": f"e-{n}",
        "user_id": "E001",
        "site_id": "S001",
        "action": "pos.sale.complete",
        "occurred_at": "2026-11-20T09:00:00Z",
        "duration_ms": 1000,
    }
    raw.update(changes)
    return raw


def nested(levels: int) -> dict:
    value: dict = {}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def stored(session) -> list[tuple[str, str, int | None]]:
    return session.execute(
        select(Event.source, Event.event_id, Event.duration_ms).order_by(Event.id)
    ).all()


@pytest.fixture
def store(make_site, make_employee):
    make_site("S001", "UTC")
    make_site("S002", "America/New_York")
    make_employee("E001", "S001")


def test_a_valid_batch_is_stored_and_rolled_up(store, session):
    result = ingest_batch(session, source="pos", events=[event(1), event(2)], now=NOW)
    assert (result.accepted, result.duplicates, result.quarantined, result.errors) == (2, 0, 0, [])
    assert stored(session) == [("pos", "e-1", 1000), ("pos", "e-2", 1000)]
    assert session.scalar(select(DailyUsage.successes)) == 2


def test_a_retried_batch_changes_nothing(store, session):
    sent = [event(1), event(2, outcome="error"), event(3, site_id="S404")]
    ingest_batch(session, source="pos", events=sent, now=NOW)
    before = (stored(session), count(session, Quarantine), count(session, DailyUsage))
    again = ingest_batch(session, source="pos", events=sent, now=NOW)
    assert (again.accepted, again.duplicates, again.quarantined) == (0, 2, 1)
    assert (stored(session), count(session, Quarantine), count(session, DailyUsage)) == before
    usage = session.execute(select(DailyUsage.successes, DailyUsage.errors)).one()
    assert tuple(usage) == (1, 1)  # counted once, not twice


def test_a_duplicate_within_a_batch_counts_once_and_the_first_wins(store, session):
    sent = [event(1, duration_ms=10), event(1, duration_ms=20), event(2)]
    result = ingest_batch(session, source="pos", events=sent, now=NOW)
    assert (result.accepted, result.duplicates) == (2, 1)
    assert stored(session) == [("pos", "e-1", 10), ("pos", "e-2", 1000)]


def test_the_same_event_id_from_another_source_is_another_event(store, session):
    ingest_batch(session, source="pos", events=[event(1)], now=NOW)
    result = ingest_batch(session, source="kiosk", events=[event(1)], now=NOW)
    assert result.accepted == 1
    assert [row[:2] for row in stored(session)] == [("pos", "e-1"), ("kiosk", "e-1")]


def test_an_unknown_user_registers_an_unrostered_employee_of_the_events_site(store, session):
    ingest_batch(
        session,
        source="pos",
        events=[event(1, user_id=" New-7 ", site_id="S002"), event(2, user_id="NEW-7")],
        now=NOW,
    )
    emp = session.scalar(select(Employee).where(Employee.external_key == "new-7"))
    assert (emp.external_id, emp.display_name, emp.role) == ("New-7", "New-7", "staff")
    assert (emp.rostered, emp.public_opt_out, emp.site.code) == (False, False, "S002")
    assert count(session, Employee) == 2
    assert set(session.scalars(select(Event.employee_id))) == {emp.id}


def test_user_and_site_ids_match_case_insensitively(store, session):
    result = ingest_batch(
        session, source="pos", events=[event(1, user_id="e001", site_id="s001")], now=NOW
    )
    assert result.accepted == 1
    assert count(session, Employee) == 1


def test_an_unknown_action_registers_an_unmapped_feature(store, session):
    ingest_batch(session, source="pos", events=[event(1, action=" Kiosk.Scan.Item ")], now=NOW)
    feature = session.scalar(select(Feature).where(Feature.action == "kiosk.scan.item"))
    assert (feature.module, feature.mapped, feature.is_core, feature.points) == (
        "kiosk",
        False,
        False,
        0,
    )


def test_an_invalid_event_is_quarantined_and_the_rest_stored(store, session):
    bad = event(2, occurred_at="2026-13-01T00:00:00Z")
    result = ingest_batch(session, source="pos", events=[event(1), bad], now=NOW)
    assert (result.accepted, result.quarantined) == (1, 1)
    assert result.errors == [
        {"index": 1, "event_id": "e-2", "details": {"occurred_at": ["Not a valid datetime."]}}
    ]
    item = session.scalar(select(Quarantine))
    assert (item.source, item.event_id, item.kind, item.status) == ("pos", "e-2", "event", "open")
    assert item.reasons == {"occurred_at": ["Not a valid datetime."]}


@pytest.mark.parametrize(
    ("site", "allowed", "reason"),
    [("S404", None, UNKNOWN_SITE), ("S002", frozenset({"s001"}), SITE_NOT_ALLOWED)],
)
def test_a_site_that_cannot_take_the_event_quarantines_it(store, session, site, allowed, reason):
    result = ingest_batch(
        session,
        source="pos",
        events=[event(1), event(2, site_id=site)],
        now=NOW,
        allowed_sites=allowed,
    )
    assert (result.accepted, result.quarantined) == (1, 1)
    assert result.errors[0]["details"] == {"site_id": [reason]}


def test_year_one_next_to_a_valid_event_is_quarantined_not_fatal(store, session):
    sent = [event(1, site_id="S002"), event(2, site_id="S002", occurred_at="0001-01-01T00:00:00Z")]
    result = ingest_batch(session, source="pos", events=sent, now=NOW)
    assert (result.accepted, result.quarantined) == (1, 1)
    assert result.errors[0]["details"] == {"occurred_at": [MSG_TOO_OLD]}
    assert count(session, Quarantine) == 1


@pytest.mark.parametrize(
    ("instant", "zone", "expected"),
    [
        (datetime(2026, 11, 3, 3, 0, tzinfo=UTC), "America/New_York", date(2026, 11, 2)),
        (datetime(2026, 11, 2, 23, 30, tzinfo=UTC), "Europe/Berlin", date(2026, 11, 3)),
        (datetime(1, 1, 1, tzinfo=UTC), "UTC", date(1, 1, 1)),
        (datetime(1, 1, 1, tzinfo=UTC), "America/New_York", None),  # year 0 there
        (datetime(9999, 12, 31, 23, 0, tzinfo=UTC), "Asia/Tokyo", None),  # year 10000 there
    ],
)
def test_the_local_day_is_none_where_a_date_cannot_hold_it(instant, zone, expected):
    assert local_day_of(instant, zone) == expected


def test_the_batch_guards_the_local_day_even_when_the_validator_lets_a_date_through(
    store, session, monkeypatch
):
    """The conversion to the site's day is guarded where it happens, not only in the validator."""
    real = batch.validate_event

    def lenient(raw, now):
        valid, errors = real(raw, now)
        if raw.get("event_id") == "e-2":  # as if the validator had no 1970 floor
            at = datetime(1, 1, 1, tzinfo=UTC)
            valid = ValidEvent("e-2", "E001", "S002", "pos.sale", at, "success", None, None)
        return valid, errors

    monkeypatch.setattr(batch, "validate_event", lenient)
    result = ingest_batch(session, source="pos", events=[event(1), event(2)], now=NOW)
    assert (result.accepted, result.quarantined) == (1, 1)
    assert result.errors[0]["details"] == {"occurred_at": [NO_LOCAL_DAY]}


def test_hostile_values_are_quarantined_and_counted(store, session):
    sent = [
        event(1),
        "not an event",
        None,
        [event(9)],
        event(2, duration_ms=OversizedNumber("9" * 5000)),
        event(3, event_id="E\udfff"),
        event(4, properties=nested(40)),
        event(5, duration_ms=float("nan")),
    ]
    result = ingest_batch(session, source="pos", events=sent, now=NOW)
    assert (result.accepted, result.duplicates, result.quarantined) == (1, 0, 7)
    assert [e["index"] for e in result.errors] == [1, 2, 3, 4, 5, 6, 7]
    assert [list(e["details"]) for e in result.errors[3:]] == [
        ["duration_ms"],
        ["event_id"],
        ["properties"],
        ["duration_ms"],
    ]
    assert count(session, Quarantine) == 7
