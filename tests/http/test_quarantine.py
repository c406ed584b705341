"""The quarantine for admins (CONTRACT.md "Events"): list, replay (maybe corrected), discard."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from adoption.identity.models import ROLES
from adoption.models import AuditLog, DailyUsage, Event, Quarantine
from tests.helpers import event


@pytest.fixture
def store(make_site, make_employee):
    make_site("S001", "UTC")
    make_employee("E001", "S001")


@pytest.fixture
def admin(make_token):
    return make_token("admin", name="ops-admin")


def fresh(session) -> None:
    """End the test session's transaction: under SQLite WAL a transaction keeps its first view."""
    session.rollback()


def quarantined_ids(session) -> list[int]:
    fresh(session)
    return list(session.scalars(select(Quarantine.id).order_by(Quarantine.id)))


def item(session, item_id: int) -> Quarantine:
    fresh(session)
    return session.get(Quarantine, item_id)


def events(session) -> list[tuple[str, str, int | None]]:
    fresh(session)
    return session.execute(
        select(Event.source, Event.event_id, Event.duration_ms).order_by(Event.id)
    ).all()


def audit_rows(session) -> list[tuple[str, str, str]]:
    fresh(session)
    return session.execute(
        select(AuditLog.actor, AuditLog.action, AuditLog.target)
        .where(AuditLog.target_type == "quarantine")
        .order_by(AuditLog.id)
    ).all()


def replay(client, admin, item_id, body=None):
    kwargs = {} if body is None else {"json": body}
    return client.post(f"/api/v1/quarantine/{item_id}/replay", headers=admin, **kwargs)


@pytest.fixture
def bad_date(store, send_events, session) -> int:
    """One event the POS (source `pos`) sent with an impossible date."""
    send_events([event(1, occurred_at="2026-13-01T00:00:00Z")])
    return quarantined_ids(session)[0]


@pytest.fixture
def three_items(store, send_events, client, admin, session) -> list[int]:
    """Three quarantined events: the first replayed, the second discarded, the third open."""
    send_events([event(n, site_id="S404") for n in (1, 2, 3)])
    first, second, third = quarantined_ids(session)
    client.put("/api/v1/sites/S404", json={"name": "Late store"}, headers=admin)
    assert replay(client, admin, first).status_code == 200
    assert client.post(f"/api/v1/quarantine/{second}/discard", headers=admin).status_code == 200
    return [first, second, third]


@pytest.mark.parametrize(
    ("status", "expected"),
    [("open", [2]), ("replayed", [0]), ("discarded", [1]), ("all", [0, 1, 2])],
)
def test_list_filters_by_status(three_items, client, admin, status, expected):
    response = client.get(f"/api/v1/quarantine?status={status}", headers=admin)
    assert [i["id"] for i in response.json] == [three_items[n] for n in expected]


def test_list_defaults_to_open_items(three_items, client, admin):
    response = client.get("/api/v1/quarantine", headers=admin)
    assert [i["status"] for i in response.json] == ["open"]


def test_list_with_unknown_status_is_422(client, admin):
    response = client.get("/api/v1/quarantine?status=closed", headers=admin)
    assert response.status_code == 422
    assert "status" in response.json["error"]["details"]


def test_list_item_shows_source_reasons_and_payload(bad_date, client, admin):
    [shown] = client.get("/api/v1/quarantine", headers=admin).json
    assert shown["source"] == "pos" and shown["event_id"] == "e-1" and shown["kind"] == "event"
    assert shown["reasons"] == {"occurred_at": ["Not a valid datetime."]}
    assert '"2026-13-01T00:00:00Z"' in shown["payload"]


def test_list_pages_with_a_link_header(store, send_events, client, admin, session):
    send_events([event(n, occurred_at="bad") for n in range(5)])
    ids = quarantined_ids(session)
    seen, url, pages = [], "/api/v1/quarantine?limit=2", 0
    while url:
        response = client.get(url, headers=admin)
        seen += [i["id"] for i in response.json]
        pages += 1
        link = response.headers.get("Link")
        url = link[link.index("<") + 1 : link.index(">")] if link else None
    assert seen == ids
    assert pages == 3  # 2 + 2 + 1


def test_replay_with_corrected_event_is_accepted_under_the_original_source(
    bad_date, client, admin, session
):
    response = replay(client, admin, bad_date, event(1, duration_ms=900))
    assert response.status_code == 200
    assert response.json["accepted"] == 1 and response.json["duplicates"] == 0
    assert response.json["item"]["status"] == "replayed"
    assert events(session) == [("pos", "e-1", 900)]  # the POS token's name, not the admin's


def test_replay_marks_the_item_replayed_by_the_admin(bad_date, client, admin, session):
    replay(client, admin, bad_date, event(1))
    replayed = item(session, bad_date)
    assert (replayed.status, replayed.resolved_by) == ("replayed", "ops-admin")
    assert replayed.resolved_at is not None


def test_replay_writes_an_audit_row(bad_date, client, admin, session):
    replay(client, admin, bad_date, event(1))
    assert audit_rows(session) == [("ops-admin", "quarantine.replay", str(bad_date))]


def test_replay_without_body_after_the_site_is_created_is_accepted(
    store, send_events, client, admin, session
):
    send_events([event(1, site_id="S002")])
    [item_id] = quarantined_ids(session)
    client.put("/api/v1/sites/S002", json={"name": "New store"}, headers=admin)
    response = replay(client, admin, item_id)
    assert response.status_code == 200 and response.json["accepted"] == 1
    assert events(session) == [("pos", "e-1", 1200)]


def test_replay_that_still_fails_is_422_with_details(bad_date, client, admin):
    response = replay(client, admin, bad_date, event(1, occurred_at="2026-02-30T00:00:00Z"))
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"
    assert response.json["error"]["details"] == {"occurred_at": ["Not a valid datetime."]}


def test_replay_that_still_fails_leaves_the_item_open(bad_date, client, admin, session):
    replay(client, admin, bad_date)  # the stored event is as bad as ever
    assert item(session, bad_date).status == "open"
    assert events(session) == [] and audit_rows(session) == []


def test_replaying_a_replayed_item_is_409(bad_date, client, admin):
    replay(client, admin, bad_date, event(1))
    response = replay(client, admin, bad_date, event(1))
    assert response.status_code == 409
    assert response.json["error"]["code"] == "conflict"


def test_replaying_a_discarded_item_is_409(bad_date, client, admin):
    client.post(f"/api/v1/quarantine/{bad_date}/discard", headers=admin)
    assert replay(client, admin, bad_date, event(1)).status_code == 409


def test_replaying_an_unknown_item_is_404(client, admin):
    assert replay(client, admin, 999_999).status_code == 404


def test_replay_with_a_body_that_is_not_json_is_400(bad_date, client, admin):
    response = client.post(
        f"/api/v1/quarantine/{bad_date}/replay",
        data=b"{oops",
        headers={**admin, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "malformed_body"


def test_replay_of_an_event_item_with_a_batch_is_422(bad_date, client, admin, session):
    response = replay(client, admin, bad_date, [event(1), event(2)])
    assert response.status_code == 422
    assert item(session, bad_date).status == "open" and events(session) == []


def test_discard_marks_the_item_discarded(bad_date, client, admin, session):
    response = client.post(f"/api/v1/quarantine/{bad_date}/discard", headers=admin)
    assert response.status_code == 200 and response.json["status"] == "discarded"
    discarded = item(session, bad_date)
    assert (discarded.status, discarded.resolved_by) == ("discarded", "ops-admin")


def test_discard_writes_an_audit_row(bad_date, client, admin, session):
    client.post(f"/api/v1/quarantine/{bad_date}/discard", headers=admin)
    assert audit_rows(session) == [("ops-admin", "quarantine.discard", str(bad_date))]


def test_discarding_twice_is_409(bad_date, client, admin):
    client.post(f"/api/v1/quarantine/{bad_date}/discard", headers=admin)
    response = client.post(f"/api/v1/quarantine/{bad_date}/discard", headers=admin)
    assert response.status_code == 409


@pytest.fixture
def bad_body(store, send_events, session) -> int:
    """A request body that was not JSON at all."""
    send_events(raw=b'[{"event_id": "e-1", oops')
    return quarantined_ids(session)[0]


def test_replay_of_an_unparseable_body_without_correction_is_422(bad_body, client, admin, session):
    response = replay(client, admin, bad_body)
    assert response.status_code == 422
    assert "body" in response.json["error"]["details"]
    assert item(session, bad_body).status == "open"


def test_replay_of_an_unparseable_body_with_a_corrected_batch_is_accepted(
    bad_body, client, admin, session
):
    response = replay(client, admin, bad_body, [event(1), event(2)])
    assert response.status_code == 200 and response.json["accepted"] == 2
    assert [(source, event_id) for source, event_id, _ in events(session)] == [
        ("pos", "e-1"),
        ("pos", "e-2"),
    ]


def test_replay_of_a_body_accepts_the_events_object_form(bad_body, client, admin):
    response = replay(client, admin, bad_body, {"events": [event(1)]})
    assert response.status_code == 200 and response.json["accepted"] == 1


def test_corrected_batch_with_a_bad_event_is_422_and_stores_nothing(
    bad_body, client, admin, session
):
    response = replay(client, admin, bad_body, [event(1), event(2, duration_ms=-1)])
    assert response.status_code == 422
    assert list(response.json["error"]["details"]) == ["1"]  # keyed by index in the batch
    assert events(session) == [] and item(session, bad_body).status == "open"


def test_corrected_batch_repeating_an_event_counts_it_once(bad_body, client, admin, session):
    response = replay(client, admin, bad_body, [event(1), event(1, duration_ms=5)])
    assert (response.json["accepted"], response.json["duplicates"]) == (1, 1)
    fresh(session)
    # One success counted in the daily rollup, not two.
    assert session.scalar(select(func.sum(DailyUsage.successes))) == 1


def test_replayed_event_already_stored_counts_as_a_duplicate(
    store, send_events, client, admin, session
):
    send_events([event(1, site_id="S002")])
    [item_id] = quarantined_ids(session)
    client.put("/api/v1/sites/S002", json={"name": "New store"}, headers=admin)
    send_events([event(1, site_id="S002")])  # meanwhile the POS re-sent it and it landed
    response = replay(client, admin, item_id)
    assert response.status_code == 200
    assert (response.json["accepted"], response.json["duplicates"]) == (0, 1)
    assert response.json["item"]["status"] == "replayed"
    assert len(events(session)) == 1


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
@pytest.mark.parametrize("action", ["list", "replay", "discard"])
def test_non_admin_roles_get_403(bad_date, client, make_token, session, role, action):
    headers = make_token(role, sites=["S001"], user_id="E001")
    if action == "list":
        response = client.get("/api/v1/quarantine", headers=headers)
    else:
        response = client.post(f"/api/v1/quarantine/{bad_date}/{action}", headers=headers)
    assert response.status_code == 403
    assert item(session, bad_date).status == "open"


@pytest.mark.parametrize(
    "raw",
    [
        b'[{"event_id": "\\ud800", "user_id": "E001"}]',  # a lone surrogate
        b'[{"event_id": "a\\u0000b", "user_id": "E001"}]',  # PostgreSQL text takes no NUL
        b'[{"event_id": "e-1", "user_id": "\\udfff"}]',
    ],
    ids=["surrogate event_id", "nul event_id", "surrogate user_id"],
)
def test_event_with_text_no_database_stores_is_still_quarantined(store, send_events, session, raw):
    response = send_events(raw=raw)
    assert response.status_code == 200 and response.json["quarantined"] == 1
    assert send_events(raw=raw).json["quarantined"] == 1  # re-sent: still one row
    assert len(quarantined_ids(session)) == 1


def test_quarantined_lone_surrogate_is_kept_as_a_json_escape(store, send_events, client, admin):
    send_events(raw=b'[{"event_id": "e-1", "user_id": "\\udfff"}]')
    [shown] = client.get("/api/v1/quarantine", headers=admin).json
    assert json.loads(shown["payload"]) == {"event_id": "e-1", "user_id": "\udfff"}


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"[" * 3000, 400), (b"[" * 3000 + b"]" * 3000, 400), (b"9" * 5000, 422)],
)
def test_a_hostile_correction_is_refused_not_a_500(bad_date, client, admin, session, body, status):
    response = client.post(
        f"/api/v1/quarantine/{bad_date}/replay",
        data=body,
        headers={**admin, "Content-Type": "application/json"},
    )
    assert response.status_code == status
    assert item(session, bad_date).status == "open"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[" * 3000, "The body's JSON is nested too deeply."),
        (b"[" * 3000 + b"]" * 3000, "The body's JSON is nested too deeply."),
        (b"\xff\xfe\xfa", "The body is not valid JSON: "),
    ],
    ids=["3000 nested, unclosed", "3000 nested", "invalid UTF-8"],
)
def test_replaying_a_stored_body_that_cannot_be_read_is_422_with_the_reason(
    store, send_events, client, admin, session, body, reason
):
    assert send_events(raw=body).status_code == 400
    [item_id] = quarantined_ids(session)
    response = replay(client, admin, item_id)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"
    [message] = response.json["error"]["details"]["body"]
    assert message.startswith(reason) and message.endswith("Send a corrected event to replay it.")
    assert item(session, item_id).status == "open"


def test_replaying_a_stored_5000_digit_body_is_422_naming_the_event(
    store, send_events, client, admin, session
):
    send_events(raw=b"9" * 5000)
    [item_id] = quarantined_ids(session)
    response = replay(client, admin, item_id)
    assert response.status_code == 422
    assert response.json["error"]["details"] == {"0": {"_schema": ["Invalid input type."]}}
    assert item(session, item_id).status == "open"


def test_replaying_a_lone_surrogate_user_id_as_stored_is_422_and_stays_open(
    store, send_events, client, admin, session
):
    send_events([event(1, user_id="E\udfff")])
    [item_id] = quarantined_ids(session)
    response = replay(client, admin, item_id)
    assert response.status_code == 422
    assert response.json["error"]["details"] == {"user_id": ["Not a valid string."]}
    assert item(session, item_id).status == "open"


def test_a_correction_that_is_not_json_names_the_body(bad_date, client, admin, session):
    response = client.post(
        f"/api/v1/quarantine/{bad_date}/replay",
        data=b"[" * 3000,
        headers={**admin, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json["error"]["details"] == {"body": ["The body's JSON is nested too deeply."]}
    assert item(session, bad_date).status == "open"
