"""GET /employees/{user_id}/points, POST /employees/{user_id}/awards and /points/configs.

The team is tests/web/team.py (NOW Fri 2026-11-20 12:00 UTC): A made 2 sales (2 points each) on
11-17 at S1; X's home is S2.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from adoption.models import AccessLog, AuditLog
from rewards.models import ChampionPeriod
from tests.adoption.scoring.test_proficiency import NOW
from tests.web.team import build_team

SCOPES = {
    "manager": {"sites": ["S1"]},
    "other_manager": {"sites": ["S2"]},
    "employee": {"user_id": "A"},
    "employee_b": {"user_id": "B"},
}
GOOD = {"points": 15, "reason": "Trained two new colleagues"}


@pytest.fixture
def settings(settings):
    return replace(settings, access_log=True)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("api.http.points.utcnow", lambda: NOW)
    monkeypatch.setattr("api.http.leaderboards.utcnow", lambda: NOW)


@pytest.fixture
def call(session, client, make_token):
    build_team(session)
    tokens: dict[str, dict] = {}

    def request(who: str, method: str, path: str, body=None):
        if who not in tokens:
            role = {"other_manager": "manager", "employee_b": "employee"}.get(who, who)
            tokens[who] = make_token(role, name=f"{who}-t", **SCOPES.get(who, {}))
        send = getattr(client, method)
        return send(f"/api/v1{path}", headers=tokens[who], json=body)

    return request


def test_the_person_reads_their_rows_with_the_events_behind_them(call):
    response = call("employee", "get", "/employees/A/points")
    assert response.status_code == 200, response.json
    body = response.json
    assert {k: body[k] for k in ("user_id", "site_id", "from", "to", "total")} == {
        "user_id": "A",
        "site_id": "S1",
        "from": "2026-11-01",
        "to": "2026-11-20",
        "total": 4,
    }
    assert body["days"] == [{"local_day": "2026-11-17", "points": 4}]
    (row,) = body["rows"]
    assert row["events"]["count"] == 2 and len(row["events"]["event_ids"]) == 2
    assert {k: row[k] for k in ("local_day", "site_id", "feature", "points", "rule")} == {
        "local_day": "2026-11-17",
        "site_id": "S1",
        "feature": {"action": "pos.sale", "title": None},
        "points": 4,
        "rule": "feature_points",
    }
    assert (row["config_version"], row["given_by"], row["provisional"]) == (1, None, False)


@pytest.mark.parametrize(("who", "status"), [("manager", 200), ("hr", 200), ("admin", 200)])
def test_the_home_manager_hr_and_admin_read_them_and_it_is_logged(call, session, who, status):
    assert call(who, "get", "/employees/A/points").status_code == status
    logged = session.scalars(select(AccessLog)).one()
    assert (logged.what, logged.viewer) == ("points", f"{who}-t")


@pytest.mark.parametrize(
    ("who", "status"), [("employee_b", 404), ("other_manager", 404), ("rollout_lead", 403)]
)
def test_nobody_else_reads_them(call, who, status):
    response = call(who, "get", "/employees/A/points")
    assert response.status_code == status
    if status == 404:  # as an unknown id: nothing tells that A exists
        unknown = call(who, "get", "/employees/NOPE/points").json["error"]
        assert response.json["error"] == {
            **unknown,
            "message": "No employee 'A'.",
            "details": {"user_id": "A"},
        }


@pytest.mark.parametrize(
    ("query", "field"),
    [("from=2026-11-02&to=2026-11-01", "from"), ("from=2025-01-01&to=2026-01-02", "to")],
)
def test_a_bad_window_is_422_naming_the_field(call, query, field):
    response = call("hr", "get", f"/employees/A/points?{query}")
    assert response.status_code == 422
    assert list(response.json["error"]["details"]) == [field]


def test_a_manager_awards_its_people_and_gets_the_row(call, session):
    response = call("manager", "post", "/employees/A/awards", GOOD)
    assert response.status_code == 201, response.json
    row = response.json
    assert {k: row[k] for k in ("local_day", "site_id", "feature", "points", "rule")} == {
        "local_day": "2026-11-20",
        "site_id": "S1",
        "feature": None,
        "points": 15,
        "rule": "award",
    }
    assert (row["reason"], row["given_by"], row["events"]) == (GOOD["reason"], "manager-t", None)
    statement = call("employee", "get", "/employees/A/points").json
    assert statement["total"] == 19 and statement["rows"][-1]["id"] == row["id"]
    assert session.scalars(select(AuditLog).where(AuditLog.action == "points.award")).one()


def test_awards_and_penalties_count_on_the_board(call):
    call("manager", "post", "/employees/A/awards", {"points": 10, "reason": "Great week"})
    call("hr", "post", "/employees/B/awards", {"points": -8, "reason": "Skipped training"})
    board = call("hr", "get", "/leaderboards?scope=site:S1&period=2026-11").json
    values = {e["user_id"]: e["value"] for e in board["entries"]}
    assert (values["A"], values["B"]) == (4 + 10, 8 - 8)


@pytest.mark.parametrize(
    ("who", "status"),
    [("employee", 403), ("rollout_lead", 403), ("other_manager", 404), ("hr", 201)],
)
def test_who_may_give_awards(call, who, status):
    assert call(who, "post", "/employees/A/awards", GOOD).status_code == status


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"points": 0, "reason": "Nothing"}, {"points"}),
        ({"points": 1001, "reason": "Too much"}, {"points"}),
        ({"points": "5", "reason": "A string"}, {"points"}),
        ({"points": 5}, {"reason"}),
        ({"points": 5, "reason": " x "}, {"reason"}),
        ({"points": 5, "reason": "Fine", "badge": "wizard"}, {"badge"}),
        ({"points": 5, "reason": "Fine", "extra": 1}, {"extra"}),
    ],
)
def test_a_bad_award_is_422_naming_the_field(call, body, fields):
    response = call("hr", "post", "/employees/A/awards", body)
    assert response.status_code == 422, response.json
    assert set(response.json["error"]["details"]) == fields


def test_over_the_monthly_cap_is_422_with_what_is_left(call):
    assert (
        call("hr", "post", "/employees/A/awards", {"points": 90, "reason": "Big help"}).status_code
        == 201
    )
    response = call("hr", "post", "/employees/A/awards", {"points": -11, "reason": "Penalty"})
    assert response.status_code == 422
    (message,) = response.json["error"]["details"]["points"]
    assert "10 left" in message


def test_a_penalty_in_a_closed_month_is_409(call, session):
    session.add(
        ChampionPeriod(month="2026-11", version=1, status="closed", created_at=NOW, created_by="hr")
    )
    session.commit()
    response = call("hr", "post", "/employees/A/awards", {"points": -5, "reason": "Late"})
    assert response.status_code == 409
    assert response.json["error"]["details"] == {"month": "2026-11"}
    assert call("hr", "get", "/employees/A/points").json["total"] == 4


def test_a_badge_already_held_is_409(call):
    body = {**GOOD, "badge": "streak"}
    assert call("hr", "post", "/employees/A/awards", body).status_code == 201
    badges = call("hr", "get", "/employees/A/badges").json
    assert [b["badge"] for b in badges] == ["streak"]
    assert badges[0]["evidence"] == {"manual": True, "reason": GOOD["reason"], "given_by": "hr-t"}
    again = call("hr", "post", "/employees/A/awards", body)
    assert again.status_code == 409 and again.json["error"]["details"] == {"badge": "streak"}


def test_points_configs_are_read_by_every_reader_and_written_by_admin(call):
    listed = call("employee", "get", "/points/configs")
    assert listed.status_code == 200
    assert listed.json == [
        {
            "version": 1,
            "void_window_hours": 0,
            "award_cap_per_month": 100,
            "kudos_points": 0,
            "colleague_kudos": False,
            "rookie_days": 28,
            "rookie_division": False,
            "display_names": False,
        }
    ]
    assert call("hr", "post", "/points/configs", {"award_cap_per_month": 5}).status_code == 403
    created = call("admin", "post", "/points/configs", {"award_cap_per_month": 5})
    assert created.status_code == 201
    assert (created.json["version"], created.json["award_cap_per_month"]) == (2, 5)
    refused = call("hr", "post", "/employees/A/awards", {"points": 6, "reason": "Over five"})
    assert "5 left" in refused.json["error"]["details"]["points"][0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"award_cap_per_month": -1}, "award_cap_per_month"),
        ({"void_window_hours": "48"}, "void_window_hours"),
        ({"display_names": 1}, "display_names"),
        ({"version": 9}, "version"),
    ],
)
def test_a_bad_points_config_is_422_naming_the_field(call, body, field):
    response = call("admin", "post", "/points/configs", body)
    assert response.status_code == 422
    assert field in response.json["error"]["details"]


def test_the_openapi_document_has_the_points_operations(call, client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "get" in paths["/api/v1/employees/{user_id}/points"]
    assert "post" in paths["/api/v1/employees/{user_id}/awards"]
    assert {"get", "post"} <= set(paths["/api/v1/points/configs"])
