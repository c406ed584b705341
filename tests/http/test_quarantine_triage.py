"""The quarantine at scale over HTTP: filters on the list, GET /quarantine/summary, and bulk
POST /quarantine/replay and /quarantine/discard with a required dry_run."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from adoption.identity.models import ROLES
from adoption.models import AuditLog, Event, Quarantine
from tests.helpers import event

NEGATIVE = "duration_ms: Must be greater than or equal to 0 and less than or equal to 86400000."


@pytest.fixture
def admin(make_site, make_employee, make_token, send_events):
    """5 quarantined events: 3 name the unknown site S404, 2 have a negative duration."""
    make_site("S001", "UTC")
    make_employee("E001", "S001")
    unknown = [event(n, site_id="S404") for n in (1, 2, 3)]
    negative = [event(n, duration_ms=-1) for n in (4, 5)]
    assert send_events([*unknown, *negative]).get_json()["quarantined"] == 5
    return make_token("admin", name="ops-admin")


def quarantined_ids(session) -> list[int]:
    session.rollback()
    return list(session.scalars(select(Quarantine.id)))


def open_ids(session) -> list[str]:
    session.rollback()
    stmt = select(Quarantine.event_id).where(Quarantine.status == "open").order_by(Quarantine.id)
    return list(session.scalars(stmt))


def test_the_list_takes_the_filters_and_items_carry_reason_and_site(client, admin):
    response = client.get("/api/v1/quarantine", query_string={"site": "s404"}, headers=admin)
    assert response.status_code == 200
    assert [(i["event_id"], i["site"], i["reason"]) for i in response.json] == [
        (f"e-{n}", "S404", "site_id: Unknown site.") for n in (1, 2, 3)
    ]
    by_reason = client.get(
        "/api/v1/quarantine", query_string={"reason": NEGATIVE, "limit": 1}, headers=admin
    )
    assert [i["event_id"] for i in by_reason.json] == ["e-4"]
    assert (
        'rel="next"' in by_reason.headers["Link"]
        and "reason=duration_ms" in (by_reason.headers["Link"])
    )
    none = client.get(
        "/api/v1/quarantine", query_string={"received_to": "2000-01-01"}, headers=admin
    )
    assert none.json == []


def test_the_summary_totals_by_reason_and_by_source(client, admin):
    response = client.get("/api/v1/quarantine/summary", headers=admin)
    assert response.status_code == 200
    assert response.json == {
        "total": 5,
        "by_reason": [
            {"reason": "site_id: Unknown site.", "count": 3},
            {"reason": NEGATIVE, "count": 2},
        ],
        "by_source": [{"source": "pos", "count": 5}],
    }
    narrowed = client.get(
        "/api/v1/quarantine/summary", query_string={"source": "crm"}, headers=admin
    )
    assert narrowed.json["total"] == 0 and narrowed.json["by_source"] == [
        {"source": "pos", "count": 5}
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"received_from": "2026-13-01"}, "received_from"),
        ({"received_from": "2026-12-02", "received_to": "2026-12-01"}, "received_to"),
        ({"status": "closed"}, "status"),
        ({"reason": "x" * 201}, "reason"),
        ({"site": "   "}, "site"),
    ],
)
def test_a_bad_filter_is_a_422_naming_the_field(client, admin, query, field):
    for path in ("/api/v1/quarantine", "/api/v1/quarantine/summary"):
        response = client.get(path, query_string=query, headers=admin)
        assert response.status_code == 422, (path, response.json)
        assert field in str(response.json["error"]["details"])


def test_bulk_replay_dry_run_then_for_real(client, admin, make_site, session):
    make_site("S404", "UTC")
    dry = client.post("/api/v1/quarantine/replay", json={"dry_run": True}, headers=admin)
    assert dry.status_code == 200
    assert dry.json == {
        "dry_run": True,
        "matched": 5,
        "passed": 3,
        "failing": 2,
        "failing_by_reason": [{"reason": NEGATIVE, "count": 2}],
        "accepted": 0,
        "duplicates": 0,
        "more": False,
        "last_id": max(quarantined_ids(session)),
    }
    assert len(open_ids(session)) == 5
    done = client.post("/api/v1/quarantine/replay", json={"dry_run": False}, headers=admin)
    assert (done.json["passed"], done.json["accepted"], done.json["failing"]) == (3, 3, 2)
    assert open_ids(session) == ["e-4", "e-5"]
    assert sorted(session.scalars(select(Event.event_id))) == ["e-1", "e-2", "e-3"]
    again = client.post("/api/v1/quarantine/replay", json={"dry_run": False}, headers=admin)
    assert (again.json["matched"], again.json["passed"], again.json["accepted"]) == (2, 0, 0)
    audited = session.execute(
        select(AuditLog.actor, AuditLog.action).where(AuditLog.target_type == "quarantine")
    ).all()
    assert audited == [("ops-admin", "quarantine.bulk_replay")]


def test_bulk_discard_of_a_filtered_set(client, admin, session):
    body = {"reason": NEGATIVE, "dry_run": False}
    done = client.post("/api/v1/quarantine/discard", json=body, headers=admin)
    assert (done.status_code, done.json["matched"], done.json["passed"]) == (200, 2, 2)
    assert open_ids(session) == ["e-1", "e-2", "e-3"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "dry_run"),
        ({"dry_run": "true"}, "dry_run"),
        ({"dry_run": True, "status": "all"}, "status"),  # bulk actions take open items only
        ({"dry_run": True, "received_to": "yesterday"}, "received_to"),
    ],
)
def test_a_bulk_body_without_an_explicit_dry_run_or_with_a_bad_field_is_a_422(
    client, admin, body, field, session
):
    for action in ("replay", "discard"):
        response = client.post(f"/api/v1/quarantine/{action}", json=body, headers=admin)
        assert response.status_code == 422
        assert field in response.json["error"]["details"]
    assert len(open_ids(session)) == 5


@pytest.mark.parametrize("role", sorted(set(ROLES) - {"admin"}))
def test_only_admins_reach_the_summary_and_bulk_actions(client, admin, make_token, role):
    token = make_token(role, sites=["S001"], user_id="E001")
    assert client.get("/api/v1/quarantine/summary", headers=token).status_code == 403
    for action in ("replay", "discard"):
        response = client.post(
            f"/api/v1/quarantine/{action}", json={"dry_run": True}, headers=token
        )
        assert response.status_code == 403


@pytest.mark.parametrize(
    ("query", "field"),
    [({"reason": "a\x00b"}, "reason"), ({"received_to": "9999-12-31"}, "received_to")],
)
def test_a_filter_no_database_takes_is_a_422_not_a_500(client, admin, query, field):
    response = client.get("/api/v1/quarantine", query_string=query, headers=admin)
    assert response.status_code == 422
    assert field in response.json["error"]["details"]


def test_up_to_id_takes_the_set_a_dry_run_counted(client, admin, send_events, session):
    body = {"reason": NEGATIVE, "dry_run": True}
    dry = client.post("/api/v1/quarantine/discard", json=body, headers=admin).json
    send_events([event(6, duration_ms=-7)])
    body |= {"dry_run": False, "up_to_id": dry["last_id"]}
    done = client.post("/api/v1/quarantine/discard", json=body, headers=admin).json
    assert (done["matched"], done["last_id"]) == (2, dry["last_id"])
    assert open_ids(session) == ["e-1", "e-2", "e-3", "e-6"]
