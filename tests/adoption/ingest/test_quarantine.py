"""The quarantine on a session: keep bad input once, replay it (as stored or corrected), discard."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from adoption.errors import Conflict, Invalid, NotFound
from adoption.ingest import quarantine
from adoption.ingest.batch import ingest_batch
from adoption.ingest.validation import OversizedNumber, read_json
from adoption.masterdata import records
from adoption.models import AuditLog, Event, Quarantine

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


def event(n: int | str = 1, **changes: object) -> dict:
    raw: dict[str, object] = {
        "event_id": f"e-{n}",
        "user_id": "E001",
        "site_id": "S001",
        "action": "pos.sale.complete",
        "occurred_at": "2026-11-20T09:00:00Z",
    }
    raw.update(changes)
    return raw


def stored(session) -> list[tuple[str, str, int | None]]:
    return session.execute(
        select(Event.source, Event.event_id, Event.duration_ms).order_by(Event.id)
    ).all()


def audit_rows(session) -> list[tuple[str, str, str, dict]]:
    return session.execute(
        select(AuditLog.actor, AuditLog.action, AuditLog.target, AuditLog.details)
        .where(AuditLog.target_type == "quarantine")
        .order_by(AuditLog.id)
    ).all()


@pytest.fixture
def store(make_site, make_employee):
    make_site("S001", "UTC")
    make_employee("E001", "S001")


def quarantine_one(session, raw: object, source: str = "pos") -> Quarantine:
    result = ingest_batch(session, source=source, events=[raw], now=NOW)
    assert result.quarantined == 1
    return session.scalars(select(Quarantine).order_by(Quarantine.id.desc())).first()


def test_the_same_bad_event_is_kept_once(store, session):
    for _ in range(2):
        quarantine_one(session, event(1, occurred_at="bad"))
    quarantine.store_events(session, "pos", [("no id at all", {"_schema": ["x"]})] * 2, NOW)
    rows = session.execute(
        select(Quarantine.dedup_key, Quarantine.event_id).order_by(Quarantine.id)
    ).all()
    assert len(rows) == 2
    assert rows[0] == ("e:e-1", "e-1")
    assert rows[1][0].startswith("h:") and rows[1][1] is None


def test_a_batchs_bad_events_are_written_in_key_order(store, session):
    # Two batches quarantining the same events in other orders must lock rows in one order
    # (PostgreSQL would otherwise deadlock them); ids show the order rows were written in.
    batch = [event(n, occurred_at="bad") for n in (3, 1, 2)]
    assert ingest_batch(session, source="pos", events=batch, now=NOW).quarantined == 3
    keys = session.scalars(select(Quarantine.dedup_key).order_by(Quarantine.id)).all()
    assert keys == ["e:e-1", "e:e-2", "e:e-3"]


def test_a_body_is_kept_byte_for_byte_once(session):
    for _ in range(2):
        quarantine.store_body(session, "pos", b"\xff{oops", {"body": ["not JSON"]}, NOW)
    item = session.scalar(select(Quarantine))
    assert (item.kind, item.payload, item.event_id) == ("body", b"\xff{oops", None)
    assert session.scalar(select(func.count()).select_from(Quarantine)) == 1


def test_replay_as_stored_after_the_site_exists_keeps_the_source(store, session):
    item = quarantine_one(session, event(1, site_id="S002", duration_ms=5), source="kiosk")
    records.put_site(session, "S002", {"name": "Late"}, now=NOW, actor="t", default_tz="UTC")
    outcome = quarantine.replay(session, item.id, now=LATER, actor="ops")
    assert (outcome.accepted, outcome.duplicates) == (1, 0)
    assert stored(session) == [("kiosk", "e-1", 5)]
    assert (item.status, item.resolved_at, item.resolved_by) == ("replayed", LATER, "ops")
    assert audit_rows(session) == [
        (
            "ops",
            "quarantine.replay",
            str(item.id),
            {"accepted": 1, "duplicates": 0, "corrected": False},
        )
    ]


def test_replay_with_a_correction_stores_the_corrected_event(store, session):
    item = quarantine_one(session, event(1, occurred_at="2026-13-01T00:00:00Z"))
    corrected = event(1, duration_ms=77)
    outcome = quarantine.replay(session, item.id, now=LATER, actor="ops", corrected=corrected)
    assert outcome.accepted == 1
    assert stored(session) == [("pos", "e-1", 77)]
    assert audit_rows(session)[0][3]["corrected"] is True


def test_replay_that_still_fails_raises_with_reasons_and_leaves_the_item_open(store, session):
    item = quarantine_one(session, event(1, occurred_at="bad"))
    with pytest.raises(Invalid) as caught:
        quarantine.replay(session, item.id, now=LATER, actor="ops")
    assert caught.value.details == {"occurred_at": ["Not a valid datetime."]}
    assert item.status == "open" and stored(session) == [] and audit_rows(session) == []


def test_replaying_an_event_already_stored_counts_a_duplicate(store, session):
    item = quarantine_one(session, event(1, site_id="S404"))
    ingest_batch(session, source="pos", events=[event(1)], now=NOW)
    outcome = quarantine.replay(session, item.id, now=LATER, actor="ops", corrected=event(1))
    assert (outcome.accepted, outcome.duplicates) == (0, 1)


def test_a_corrected_event_item_must_be_one_object(store, session):
    item = quarantine_one(session, event(1, occurred_at="bad"))
    with pytest.raises(Invalid):
        quarantine.replay(session, item.id, now=LATER, actor="ops", corrected=[event(1)])


def test_discard_closes_the_item_and_is_audited(store, session):
    item = quarantine_one(session, event(1, occurred_at="bad"))
    quarantine.discard(session, item.id, now=LATER, actor="ops")
    assert (item.status, item.resolved_at, item.resolved_by) == ("discarded", LATER, "ops")
    assert audit_rows(session) == [("ops", "quarantine.discard", str(item.id), {})]


@pytest.mark.parametrize("first", ["replay", "discard"])
def test_a_closed_item_cannot_be_replayed_or_discarded_again(store, session, first):
    item = quarantine_one(session, event(1, occurred_at="bad"))
    if first == "replay":
        quarantine.replay(session, item.id, now=LATER, actor="ops", corrected=event(1))
    else:
        quarantine.discard(session, item.id, now=LATER, actor="ops")
    with pytest.raises(Conflict):
        quarantine.replay(session, item.id, now=LATER, actor="ops")
    with pytest.raises(Conflict):
        quarantine.discard(session, item.id, now=LATER, actor="ops")


def test_an_unknown_item_is_not_found(session):
    with pytest.raises(NotFound):
        quarantine.replay(session, 999, now=LATER, actor="ops")
    with pytest.raises(NotFound):
        quarantine.discard(session, 999, now=LATER, actor="ops")


def test_a_body_replays_as_a_corrected_batch(store, session):
    quarantine.store_body(session, "pos", b"{oops", {"body": ["x"]}, NOW)
    item = session.scalar(select(Quarantine))
    with pytest.raises(Invalid):  # the stored bytes are no JSON
        quarantine.replay(session, item.id, now=LATER, actor="ops")
    outcome = quarantine.replay(
        session, item.id, now=LATER, actor="ops", corrected={"events": [event(1), event(2)]}
    )
    assert outcome.accepted == 2
    assert [row[:2] for row in stored(session)] == [("pos", "e-1"), ("pos", "e-2")]


def nested_list(levels: int) -> list:
    value: list = []
    for _ in range(levels - 1):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"b": 1, "a": "é"}, '{"b":1,"a":"é"}'.encode()),
        ({"x": float("nan")}, b'{"x":NaN}'),
        ({"e": "E\udfff", "a": "é"}, b'{"e":"E\\udfff","a":"\\u00e9"}'),
        ({"d": OversizedNumber("9" * 5000)}, b'{"d":' + b"9" * 5000 + b"}"),
        (nested_list(5000), b"[" * 5000 + b"]" * 5000),
    ],
)
def test_the_payload_keeps_whatever_the_body_held(raw, expected):
    assert quarantine.payload_bytes(raw) == expected


def test_a_stored_oversized_number_reads_back_and_still_fails_on_replay(store, session):
    raw = read_json(
        b'{"event_id":"e-1","user_id":"E001","site_id":"S001","action":"a",'
        b'"occurred_at":"2026-11-20T09:00:00Z","duration_ms":' + b"9" * 5000 + b"}"
    )
    item = quarantine_one(session, raw)
    with pytest.raises(Invalid) as caught:
        quarantine.replay(session, item.id, now=LATER, actor="ops")
    assert list(caught.value.details) == ["duration_ms"]


def test_a_stored_payload_too_deep_to_read_asks_for_a_correction(store, session):
    item = quarantine_one(session, event(1, properties={"a": nested_list(5000)}))
    with pytest.raises(Invalid) as caught:
        quarantine.replay(session, item.id, now=LATER, actor="ops")
    assert list(caught.value.details) == ["body"]


def test_a_stored_body_too_deep_to_read_is_refused_with_the_reason_and_stays_open(session):
    quarantine.store_body(session, "pos", b"[" * 3000, {"body": ["nested"]}, NOW)
    item = session.scalar(select(Quarantine))
    with pytest.raises(Invalid) as caught:
        quarantine.replay(session, item.id, now=LATER, actor="ops")
    assert caught.value.details == {
        "body": ["The body's JSON is nested too deeply. Send a corrected event to replay it."]
    }
    assert item.status == "open"
