"""/api/v1/notifications: subscriptions, a test message and the delivery log (admin only)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adoption.notify.events import QUARANTINE_GROWING
from adoption.notify.outbox import emit
from adoption.notify.sender import SendPolicy, deliver_due
from tests.adoption.notify.receivers import http_receiver

SECRET = "a-webhook-secret-of-some-length"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def admin(make_token, make_site, make_employee):
    make_site("S001")
    make_employee("E001", "S001")
    return make_token("admin", name="admin-ops")


def create(client, admin, **body):
    body = {"event": QUARANTINE_GROWING, "channel": "https://hooks.example.com/x", **body}
    return client.post("/api/v1/notifications", json=body, headers=admin)


def test_an_admin_subscribes_lists_and_removes(client, admin):
    made = create(client, admin, channel="https://u:pw@hooks.example.com/t?k=1", secret=SECRET)
    assert made.status_code == 201
    body = made.json
    assert body["channel"] == "https://hooks.example.com/…" and body["signed"] is True
    assert body["created_by"] == "admin-ops" and "secret" not in body
    person = create(
        client, admin, event="person.badge", channel="mailto:ann@example.com", user_id="e001"
    )
    assert person.status_code == 201 and person.json["user_id"] == "E001"
    listed = client.get("/api/v1/notifications", headers=admin).json
    assert [s["id"] for s in listed] == [body["id"], person.json["id"]]
    assert SECRET not in str(listed) and "pw" not in str(listed)
    gone = client.delete(f"/api/v1/notifications/{body['id']}", headers=admin)
    assert gone.status_code == 200 and gone.json["removed_at"] is not None
    assert client.delete(f"/api/v1/notifications/{body['id']}", headers=admin).status_code == 404
    assert [s["id"] for s in client.get("/api/v1/notifications", headers=admin).json] == [
        person.json["id"]
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"event": "month.opened"}, "event"),
        ({"channel": "slack"}, "channel"),
        ({"channel": "   "}, "channel"),
        ({"channel": "mailto:hr@example.com", "secret": SECRET}, "secret"),
        ({"secret": "short"}, "secret"),
        ({"site_id": "S999"}, "site_id"),
        ({"role": "ingest"}, "role"),
        ({"role": "boss"}, "role"),
        ({"event": "month.closed", "user_id": "E999"}, "user_id"),
        ({"event": "person.badge"}, "user_id"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_422_naming_the_field(client, admin, body, field):
    response = create(client, admin, **body)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["details"]


def test_an_id_beyond_the_column_is_422_and_an_unknown_one_404(client, admin):
    assert client.delete("/api/v1/notifications/99", headers=admin).status_code == 404
    huge = client.post(f"/api/v1/notifications/{2**40}/test", headers=admin)
    assert huge.status_code in (404, 422)


def test_a_test_message_says_whether_the_channel_took_it(client, admin):
    with http_receiver([500]) as receiver:
        made = create(client, admin, channel=receiver.url, secret=SECRET).json
        failed = client.post(f"/api/v1/notifications/{made['id']}/test", headers=admin)
        ok = client.post(f"/api/v1/notifications/{made['id']}/test", headers=admin)
    assert failed.status_code == 200
    assert failed.json["ok"] is False and failed.json["status_code"] == 500
    assert ok.json == {"ok": True, "status_code": 200, "error": None}
    assert "X-Uptake-Signature" in receiver.requests[0].headers


def test_the_delivery_log_shows_each_attempt(app, client, admin, session):
    with http_receiver([500]) as receiver:
        create(client, admin, channel=receiver.url)
        emit(session, QUARANTINE_GROWING, "q:100", {"open": 120, "threshold": 100}, now=NOW)
        session.commit()
        sessions = app.extensions["uptake"].sessions
        policy = SendPolicy(timeout=5, backoff_seconds=0)
        deliver_due(sessions, NOW, policy)
        deliver_due(sessions, NOW, policy)
    log = client.get("/api/v1/notifications/deliveries?status=delivered", headers=admin)
    assert log.status_code == 200
    [row] = log.json
    assert (row["status"], row["attempts"], row["event"]) == ("delivered", 2, QUARANTINE_GROWING)
    assert [t["status_code"] for t in row["tries"]] == [500, 200]
    assert row["channel"].startswith("http://127.0.0.1:")
    assert client.get("/api/v1/notifications/deliveries?status=failed", headers=admin).json == []
    bad = client.get("/api/v1/notifications/deliveries?status=lost", headers=admin)
    assert bad.status_code == 422 and "status" in bad.json["error"]["details"]
    bad = client.get("/api/v1/notifications/deliveries?limit=0", headers=admin)
    assert bad.status_code == 422 and "limit" in bad.json["error"]["details"]


@pytest.mark.parametrize("role", ["hr", "rollout_lead", "manager"])
def test_only_admins_manage_notifications(client, admin, make_token, role):
    scope = {"manager": {"sites": ["S001"]}, "employee": {"user_id": "E001"}}.get(role, {})
    headers = make_token(role, name=f"{role}-x", **scope)
    assert client.get("/api/v1/notifications", headers=headers).status_code == 403
    assert create(client, headers).status_code == 403


def test_a_person_opts_in_and_out_of_their_own_messages_by_e_mail(client, admin, make_token):
    """An employee sees, adds and removes only their own subscriptions: person.badge or
    month.closed, to one e-mail address (never a URL the server would call)."""
    others = create(client, admin, event="quarantine.growing", channel="mailto:ops@example.com")
    assert others.status_code == 201
    clerk = make_token("employee", name="clerk", user_id="E001")
    mine = create(client, clerk, event="person.badge", channel="mailto:me@example.com")
    assert mine.status_code == 201, mine.json
    assert mine.json["user_id"] == "E001" and mine.json["role"] == "employee"
    listed = client.get("/api/v1/notifications", headers=clerk).json
    assert [s["id"] for s in listed] == [mine.json["id"]]
    refused = {
        "someone else": ({"user_id": "E002"}, 403, "user_id"),
        "a webhook": ({"channel": "https://hooks.example.com/x"}, 422, "channel"),
        "two addresses": ({"channel": "mailto:a@example.com,b@example.com"}, 422, "channel"),
        "a chain event": ({"event": "site.behind"}, 422, "event"),
        "a site": ({"site_id": "S001"}, 422, "site_id"),
    }
    for what, (change, status, field) in refused.items():
        body = {"event": "person.badge", "channel": "mailto:me@example.com", **change}
        response = create(client, clerk, **body)
        assert response.status_code == status, what
        assert field in response.json["error"]["details"], what
    gone = client.delete(f"/api/v1/notifications/{others.json['id']}", headers=clerk)
    assert gone.status_code == 404
    assert (
        client.delete(f"/api/v1/notifications/{mine.json['id']}", headers=clerk).status_code == 200
    )
    test = client.post(f"/api/v1/notifications/{mine.json['id']}/test", headers=clerk)
    assert test.status_code == 403
    assert client.get("/api/v1/notifications/deliveries", headers=clerk).status_code == 403
