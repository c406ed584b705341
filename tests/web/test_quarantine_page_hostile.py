"""The admin quarantine page (`/admin/quarantine`) with hostile items: whatever the POS sent and the
quarantine kept, the page lists it and a replay answers with reasons, never a 500."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import func, select

from adoption.models import Quarantine
from tests.helpers import event
from tests.http.test_hostile_events import SITES, batches, encode
from tests.web.html import csrf_token, visible_text

QUARANTINE = "/admin/quarantine"


@pytest.fixture
def admin(make_site, make_employee, sign_in):
    for code, zone in SITES.items():
        make_site(code, zone)
    make_employee("E001", "S001")
    return sign_in("admin")


def quarantined(session) -> list[int]:
    session.rollback()  # a new transaction sees what the requests committed
    return list(session.scalars(select(Quarantine.id).order_by(Quarantine.id)))


def status_of(session, item_id: int) -> str:
    session.rollback()
    return session.get(Quarantine, item_id).status


def replay(client, item_id: int, **fields):
    token = csrf_token(client.get(QUARANTINE).text)
    path = f"{QUARANTINE}/{item_id}/replay"
    return client.post(path, data={"csrf_token": token, "confirm": "yes", **fields})


def test_an_item_with_a_lone_surrogate_user_id_is_listed_as_its_escape(admin, send_events, session):
    # the original report: "E\udfff" made the page answer 500 (no page can encode it)
    send_events([event(1, user_id="E\udfff")])
    assert admin.get(QUARANTINE).status_code == 200
    response = admin.get(f"{QUARANTINE}/{quarantined(session)[0]}")
    assert response.status_code == 200
    assert '"user_id": "E\\udfff"' in visible_text(response.text)


def test_an_item_with_a_5000_digit_number_is_listed_with_its_digits(admin, send_events, session):
    body = encode([event(1, duration_ms=0)]).replace(
        b'"duration_ms": 0', b'"duration_ms": ' + b"9" * 5000
    )
    send_events(raw=body)
    assert admin.get(QUARANTINE).status_code == 200
    response = admin.get(f"{QUARANTINE}/{quarantined(session)[0]}")
    assert response.status_code == 200
    assert "9" * 5000 in response.text


@pytest.mark.parametrize(
    "body",
    [b"[" * 3000, b"[" * 3000 + b"]" * 3000, b"\xff\xfe\xfa", b"9" * 5000, b"[NaN, Infinity"],
    ids=["3000 nested, unclosed", "3000 nested", "invalid UTF-8", "5000 digits", "NaN, unclosed"],
)
def test_an_unreadable_body_is_listed(admin, send_events, session, body):
    send_events(raw=body)
    response = admin.get(QUARANTINE)
    assert response.status_code == 200
    assert '<span class="pill">body</span>' in response.text
    assert admin.get(f"{QUARANTINE}/{quarantined(session)[0]}").status_code == 200


def test_a_body_longer_than_the_page_shows_is_listed_truncated(admin, send_events, session):
    send_events(raw=b'{"junk": "' + b"x" * 30_000)
    assert admin.get(QUARANTINE).status_code == 200
    response = admin.get(f"{QUARANTINE}/{quarantined(session)[0]}")
    assert response.status_code == 200
    assert "(truncated)" in visible_text(response.text)


def test_replaying_a_body_nested_3000_deep_shows_the_reason_and_stays_open(
    admin, send_events, session
):
    send_events(raw=b"[" * 3000)
    [item_id] = quarantined(session)
    response = replay(admin, item_id)
    assert response.status_code == 422
    assert "The body's JSON is nested too deeply. Send a corrected event" in (
        visible_text(response.text)
    )
    assert status_of(session, item_id) == "open"


@pytest.mark.parametrize(
    ("corrected", "reason"),
    [
        ("9" * 5000, "A corrected event must be one JSON object."),
        ("[" * 3000, "The correction is not valid JSON. The body's JSON is nested too deeply."),
        ('{"event_id": "\\udfff"}', "event_id: Not a valid string."),
        ('{"a": NaN}', "Not replayed."),
    ],
    ids=["5000 digits", "3000 nested", "lone surrogate", "NaN"],
)
def test_a_hostile_correction_is_refused_with_its_reason_and_the_draft_kept(
    admin, send_events, session, corrected, reason
):
    send_events([event(1, site_id="S404")])
    [item_id] = quarantined(session)
    response = replay(admin, item_id, corrected=corrected)
    assert response.status_code == 422
    assert reason in visible_text(response.text)
    assert status_of(session, item_id) == "open"


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=batches())
def test_the_page_lists_whatever_hostile_events_were_quarantined(
    admin, send_events, session, drawn
):
    session.rollback()
    before = session.scalar(select(func.max(Quarantine.id))) or 0
    assert send_events(raw=encode(drawn[0])).status_code == 200
    response = admin.get(f"{QUARANTINE}?after={before}")  # this example's items
    assert response.status_code == 200
    for item_id in (i for i in quarantined(session) if i > before):
        assert admin.get(f"{QUARANTINE}/{item_id}").status_code == 200
