"""POST /api/v1/events: every ingestion rule of CONTRACT.md "Events"."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from adoption.models import DailyUsage, Employee, Event, Feature, Quarantine
from api.schemas.events import EventBatchSchema, EventSchema, IngestResultSchema
from tests.helpers import event


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def store(make_site, make_employee):
    make_site("S001", "UTC")
    make_employee("E001", "S001")


def test_valid_batch_is_accepted_and_stored(store, send_events, session):
    response = send_events([event(1), event(2)])
    assert response.status_code == 200
    assert response.json == {"accepted": 2, "duplicates": 0, "quarantined": 0, "errors": []}
    assert count(session, Event) == 2


def test_object_body_with_events_key_is_accepted(store, send_events):
    response = send_events({"events": [event(1)]})
    assert response.json["accepted"] == 1


def test_retried_batch_changes_nothing(store, send_events, session):
    batch = [event(1), event(2), event(3, occurred_at="yesterday")]
    first = send_events(batch)
    rollup_before = session.execute(select(DailyUsage.successes, DailyUsage.dur_n)).all()
    second = send_events(batch)
    assert first.json["accepted"] == 2 and first.json["quarantined"] == 1
    assert second.json == {**first.json, "accepted": 0, "duplicates": 2}
    assert count(session, Event) == 2
    assert count(session, Quarantine) == 1
    session.expire_all()
    assert session.execute(select(DailyUsage.successes, DailyUsage.dur_n)).all() == rollup_before


def test_duplicate_within_a_batch_counts_once(store, send_events, session):
    response = send_events([event(1), event(1, duration_ms=5), event(2)])
    assert response.json["accepted"] == 2 and response.json["duplicates"] == 1
    stored = session.scalar(select(Event.duration_ms).where(Event.event_id == "e-1"))
    assert stored == 1200  # the first occurrence wins


def test_same_event_id_from_another_source_is_a_different_event(
    store, send_events, make_token, session
):
    send_events([event(1)])
    other = send_events([event(1)], auth=make_token("ingest", name="backoffice"))
    assert other.json["accepted"] == 1
    assert count(session, Event) == 2


def test_mixed_batch_accepts_good_and_quarantines_bad(store, send_events, session):
    batch = [event(1), event(2, occurred_at="2026-13-01T00:00:00Z"), event(3), {"nope": 1}]
    response = send_events(batch)
    body = response.json
    assert (body["accepted"], body["duplicates"], body["quarantined"]) == (2, 0, 2)
    assert body["errors"][0] == {
        "index": 1,
        "event_id": "e-2",
        "details": {"occurred_at": ["Not a valid datetime."]},
    }
    assert body["errors"][1]["index"] == 3 and body["errors"][1]["event_id"] is None
    assert body["errors"][1]["details"]["event_id"] == ["Missing data for required field."]
    reasons = session.scalars(select(Quarantine.reasons).order_by(Quarantine.id)).all()
    assert reasons[0] == {"occurred_at": ["Not a valid datetime."]}


def test_unknown_site_is_quarantined_with_reason(store, send_events, session):
    response = send_events([event(1, site_id="S999")])
    assert response.json["quarantined"] == 1
    assert response.json["errors"][0]["details"] == {"site_id": ["Unknown site."]}
    assert session.scalar(select(Quarantine.event_id)) == "e-1"


def test_site_scoped_token_quarantines_other_sites(store, make_site, send_events, make_token):
    make_site("S002")
    headers = make_token("ingest", name="pos-s1", sites=["S001"])
    response = send_events([event(1), event(2, site_id="s002")], auth=headers)
    assert response.json["accepted"] == 1
    assert response.json["errors"][0]["details"]["site_id"][0].startswith("site_not_allowed")


def test_unknown_user_registers_an_unrostered_employee(store, send_events, session):
    send_events([event(1, user_id="  NEW-7 ")])
    emp = session.scalar(select(Employee).where(Employee.external_key == "new-7"))
    assert emp is not None and emp.rostered is False and emp.external_id == "NEW-7"


def test_user_and_site_ids_match_case_insensitively(store, send_events, session):
    response = send_events([event(1, user_id="e001", site_id="s001")])
    assert response.json["accepted"] == 1
    assert count(session, Employee) == 1


def test_unknown_action_registers_an_unmapped_feature(store, send_events, session):
    send_events([event(1, action="POS.Gift.Card ")])
    feature = session.scalar(select(Feature).where(Feature.action == "pos.gift.card"))
    assert feature.mapped is False and feature.points == 0 and feature.is_core is False
    assert feature.module == "pos"


def test_gzip_body_is_accepted(store, send_events):
    response = send_events([event(1), event(2)], gzipped=True)
    assert response.json["accepted"] == 2


def test_corrupt_gzip_is_400_and_kept_in_quarantine(store, send_events, session):
    response = send_events(raw=b"\x1f\x8b\x08garbage")
    assert response.status_code == 400  # not gzip-labelled: invalid JSON
    response = send_events(raw=b"\x1f\x8b\x08rubbish", extra={"Content-Encoding": "gzip"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "malformed_body"
    bodies = session.scalars(select(Quarantine.payload).order_by(Quarantine.id)).all()
    assert bodies == [b"\x1f\x8b\x08garbage", b"\x1f\x8b\x08rubbish"]  # kept as sent


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b"{not json", "not JSON"),
        (b'"a string"', "a JSON string"),
        (b'{"evts": []}', "an object without events"),
        (b'{"events": {"a": 1}}', "events not a list"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"9" * 5000, "a JSON integer of 5,000 digits"),
        (b"[" * 3000, "3,000 nested arrays, unclosed"),
        (b"[" * 3000 + b"]" * 3000, "3,000 nested arrays"),
        (b'{"events": ' + b"[" * 3000 + b"]" * 3000 + b"}", "events nested 3,000 deep"),
    ],
)
def test_malformed_body_is_400_and_raw_body_quarantined(store, send_events, session, raw, why):
    response = send_events(raw=raw)
    assert response.status_code == 400, why
    assert response.json["error"]["code"] == "malformed_body"
    item = session.scalar(select(Quarantine))
    assert item.kind == "body" and item.payload == raw


def test_malformed_body_sent_twice_is_quarantined_once(store, send_events, session):
    send_events(raw=b"{oops")
    send_events(raw=b"{oops")
    assert count(session, Quarantine) == 1


def test_too_many_events_is_413_and_nothing_stored(store, send_events, session):
    response = send_events([event(i) for i in range(10_001)])
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"
    assert count(session, Event) == 0 and count(session, Quarantine) == 0


def test_ten_thousand_events_is_the_limit_and_accepted(store, send_events, session):
    response = send_events([event(i) for i in range(10_000)], gzipped=True)
    assert response.json["accepted"] == 10_000


def test_body_over_10_mb_decompressed_is_413(store, send_events, session):
    big = json.dumps([event(1, properties={"pad": "x" * 4000})] * 2700).encode()
    assert len(big) > 10 * 1024 * 1024
    response = send_events(raw=gzip.compress(big), extra={"Content-Encoding": "gzip"})
    assert response.status_code == 413
    assert count(session, Event) == 0 and count(session, Quarantine) == 0


def test_unsupported_content_encoding_is_415(store, send_events):
    response = send_events(raw=b"[]", extra={"Content-Encoding": "br"})
    assert response.status_code == 415


def test_future_event_is_quarantined(store, send_events):
    soon = (datetime.now(UTC) + timedelta(minutes=10)).isoformat()
    response = send_events([event(1, occurred_at=soon)])
    assert response.json["errors"][0]["details"] == {
        "occurred_at": ["Must not be more than 5 minutes in the future."]
    }


@pytest.mark.parametrize(
    ("timezone", "occurred_at", "local_day"),
    [
        # 23:30 UTC is already the next day in Berlin (UTC+1 in winter).
        ("Europe/Berlin", "2026-11-02T23:30:00Z", date(2026, 11, 3)),
        ("Europe/Berlin", "2026-11-02T22:59:59Z", date(2026, 11, 2)),
        # 03:00 UTC is still the previous evening in New York (UTC-5 in November).
        ("America/New_York", "2026-11-03T03:00:00Z", date(2026, 11, 2)),
        ("America/New_York", "2026-11-03T05:00:00Z", date(2026, 11, 3)),
        # DST ends 2026-10-25 in Berlin at 01:00 UTC: 22:30 UTC on the 24th is 00:30 CEST.
        ("Europe/Berlin", "2026-10-24T22:30:00Z", date(2026, 10, 25)),
        ("Europe/Berlin", "2026-10-24T21:59:00Z", date(2026, 10, 24)),
        # DST starts 2026-03-08 in New York: 04:59 UTC is 23:59 EST on the 7th.
        ("America/New_York", "2026-03-08T04:59:00Z", date(2026, 3, 7)),
        ("America/New_York", "2026-03-08T05:00:00Z", date(2026, 3, 8)),
        # An offset in the event does not decide the day: the site's zone does.
        ("UTC", "2026-11-03T00:30:00+02:00", date(2026, 11, 2)),
    ],
)
def test_local_day_is_the_sites_calendar_day(
    make_site, make_employee, send_events, session, timezone, occurred_at, local_day
):
    make_site("S001", timezone)
    make_employee("E001", "S001")
    send_events([event(1, occurred_at=occurred_at)])
    assert session.scalar(select(Event.local_day)) == local_day


def test_rollups_follow_accepted_events(store, send_events, session):
    send_events(
        [
            event(1, duration_ms=1000),
            event(2, duration_ms=None),
            event(3, outcome="error", duration_ms=50),
            event(4, duration_ms=0),
        ]
    )
    row = session.scalar(select(DailyUsage))
    # successes 1, 2, 4 (timed: 1 and 4, ln 1000 + ln max(0, 1)); one error, its time ignored
    assert (row.successes, row.errors, row.dur_n) == (3, 1, 2)
    assert row.dur_log_sum == pytest.approx(6.907755279)


def test_alias_rolls_up_under_the_canonical_feature(
    store, send_events, client, make_token, session
):
    admin = make_token("admin", name="admin")
    client.put("/api/v1/features/pos.refund", json={"is_core": True}, headers=admin)
    client.put("/api/v1/features/pos.refund.v2", json={"alias_of": "pos.refund"}, headers=admin)
    send_events([event(1, action="pos.refund"), event(2, action="pos.refund.v2")])
    canonical = session.scalar(select(Feature.id).where(Feature.action == "pos.refund"))
    rows = session.execute(select(DailyUsage.feature_id, DailyUsage.successes)).all()
    assert rows == [(canonical, 2)]


def test_batch_is_atomic_when_the_database_fails_mid_batch(
    store, app, send_events, session, monkeypatch
):

    def explode(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("adoption.ingest.batch.add_to_rollups", explode)
    response = send_events([event(1), event(2), event(3, occurred_at="bad")])
    assert response.status_code == 500
    assert response.json["error"]["code"] == "internal_error"
    assert "disk full" not in response.get_data(as_text=True)
    assert count(session, Event) == 0 and count(session, Quarantine) == 0


def test_empty_batch_is_fine(store, send_events):
    assert send_events([]).json == {"accepted": 0, "duplicates": 0, "quarantined": 0, "errors": []}


def test_unrostered_employee_is_stored_as_first_seen_in_the_batch(
    store, make_site, send_events, session
):
    make_site("S002")
    send_events([event(1, user_id="new-7"), event(2, user_id="NEW-7", site_id="S002")])
    emp = session.scalar(select(Employee).where(Employee.external_key == "new-7"))
    assert (emp.external_id, emp.site.code) == ("new-7", "S001")


def test_a_5000_digit_duration_quarantines_that_event_only(store, send_events, session):
    good = json.dumps(event(1)).encode()
    bad = (
        json.dumps(event(2, duration_ms=0))
        .encode()
        .replace(b'"duration_ms": 0', b'"duration_ms": ' + b"9" * 5000)
    )
    response = send_events(raw=b"[" + good + b"," + bad + b"]")
    assert response.status_code == 200
    assert response.json["accepted"] == 1 and response.json["quarantined"] == 1
    assert list(response.json["errors"][0]["details"]) == ["duration_ms"]


def test_year_one_next_to_a_valid_event_is_quarantined_not_a_500(
    make_site, make_employee, send_events, session
):
    make_site("S001", "America/New_York")
    make_employee("E001", "S001")
    response = send_events([event(1), event(2, occurred_at="0001-01-01T00:00:00Z")])
    assert response.status_code == 200
    assert response.json["errors"] == [
        {
            "index": 1,
            "event_id": "e-2",
            "details": {"occurred_at": ["Must not be before 1970-01-01T00:00:00Z."]},
        }
    ]
    assert count(session, Event) == 1 and count(session, Quarantine) == 1


def test_the_event_schema_only_describes_and_refuses_to_validate():
    with pytest.raises(TypeError, match="validate_event"):
        EventSchema().load(event(1))
    with pytest.raises(TypeError, match="validate_event"):
        EventBatchSchema().validate({"events": []})


def test_the_result_schema_dumps_the_outcome_as_sent():
    result = {
        "accepted": 1,
        "duplicates": 0,
        "quarantined": 1,
        "errors": [
            {"index": 1, "event_id": None, "details": {"occurred_at": ["Not a valid datetime."]}}
        ],
    }
    assert IngestResultSchema().dump(result) == result


def test_a_token_revoked_while_its_batch_is_checked_stores_nothing(
    session, make_site, send_events, monkeypatch
):
    """The token is read before the body is checked and again in the transaction that stores
    it: a revocation in between answers 401 and nothing lands."""
    from adoption.identity import credentials
    from api.http import events as view

    make_site("S001")
    check = view.check_events

    def revoking(batch, now):
        credentials.revoke_token(session, "pos", now=now)
        session.commit()
        return check(batch, now)

    monkeypatch.setattr(view, "check_events", revoking)
    response = send_events([event(1)])
    assert response.status_code == 401
    assert session.scalar(select(func.count()).select_from(Event)) == 0
