"""Kudos: POST/GET /employees/{user_id}/kudos, what they carry, who may give and read them, and
where they show (the board, /me).

The team is tests/web/team.py (NOW Fri 2026-11-20 12:00 UTC): A, B, C, D and H at S1; X at S2.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from adoption.models import AuditLog
from rewards.models import PointsLedger
from rewards.points_config import create_points_rules
from tests.adoption.scoring.test_proficiency import NOW
from tests.web.team import build_team

SCOPES = {
    "manager": {"sites": ["S1"]},
    "other_manager": {"sites": ["S2"]},
    "employee": {"user_id": "A"},
    "employee_x": {"user_id": "X"},
}
THANKS = {"message": "Helped B with returns"}


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("api.http.kudos.utcnow", lambda: NOW)
    monkeypatch.setattr("api.http.leaderboards.utcnow", lambda: NOW)


@pytest.fixture
def call(session, client, make_token):
    build_team(session)
    tokens: dict[str, dict] = {}

    def request(who: str, method: str, path: str, body=None):
        if who not in tokens:
            role = {"other_manager": "manager", "employee_x": "employee"}.get(who, who)
            tokens[who] = make_token(role, name=f"{who}-t", **SCOPES.get(who, {}))
        return getattr(client, method)(f"/api/v1{path}", headers=tokens[who], json=body)

    return request


def colleague_kudos(session, **changes):
    create_points_rules(session, {"colleague_kudos": True, **changes}, now=NOW, actor="test")
    session.commit()


def test_a_manager_thanks_a_person_of_its_store_and_the_person_reads_it(call, session):
    given = call("manager", "post", "/employees/B/kudos", THANKS)
    assert given.status_code == 201, given.json
    assert {k: given.json[k] for k in ("day", "message", "from", "colleague", "points")} == {
        "day": "2026-11-20",
        "message": "Helped B with returns",
        "from": "manager-t",
        "colleague": False,
        "points": 0,
    }
    # No points by default: nothing on the ledger.
    assert session.scalars(select(PointsLedger).where(PointsLedger.rule == "kudos")).all() == []
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "kudos.give")).one()
    assert audit.target == "B"
    listed = call("hr", "get", "/employees/B/kudos")
    assert [k["message"] for k in listed.json] == ["Helped B with returns"]


def test_kudos_carry_the_configs_points_onto_the_ledger_and_the_board(call, session):
    create_points_rules(session, {"kudos_points": 5}, now=NOW, actor="test")
    session.commit()
    before = call("hr", "get", "/leaderboards?scope=site:S1&period=2026-11").json["entries"]
    b_before = next(e["value"] for e in before if e["user_id"] == "B")
    assert call("manager", "post", "/employees/B/kudos", THANKS).json["points"] == 5
    row = session.scalars(select(PointsLedger).where(PointsLedger.rule == "kudos")).one()
    assert (row.points, row.given_by, row.config_version) == (5, "manager-t", 2)
    after = call("hr", "get", "/leaderboards?scope=site:S1&period=2026-11").json["entries"]
    assert next(e["value"] for e in after if e["user_id"] == "B") == b_before + 5


def test_one_kudos_per_giver_and_person_a_day(call):
    assert call("manager", "post", "/employees/B/kudos", THANKS).status_code == 201
    again = call("manager", "post", "/employees/B/kudos", {"message": "And with voids"})
    assert again.status_code == 409
    assert call("hr", "post", "/employees/B/kudos", THANKS).status_code == 201  # another giver


def test_colleagues_give_kudos_only_when_the_config_allows(call, session):
    refused = call("employee", "post", "/employees/B/kudos", THANKS)
    assert refused.status_code == 403
    colleague_kudos(session)
    given = call("employee", "post", "/employees/B/kudos", THANKS)
    assert given.status_code == 201, given.json
    assert given.json["colleague"] is True and given.json["from"] == "Person A"


def test_a_colleague_cannot_thank_itself_or_another_store(call, session):
    colleague_kudos(session)
    own = call("employee", "post", "/employees/A/kudos", THANKS)
    assert own.status_code == 422 and "user_id" in own.json["error"]["details"]
    assert call("employee_x", "post", "/employees/B/kudos", THANKS).status_code == 404


def test_a_colleague_gives_at_most_three_a_day(call, session):
    colleague_kudos(session)
    for user in ("B", "C", "D"):
        assert call("employee", "post", f"/employees/{user}/kudos", THANKS).status_code == 201
    assert call("employee", "post", "/employees/H/kudos", THANKS).status_code == 409


def test_managers_reach_only_their_stores_and_a_message_is_required(call):
    assert call("other_manager", "post", "/employees/B/kudos", THANKS).status_code == 404
    empty = call("manager", "post", "/employees/B/kudos", {"message": "  "})
    assert empty.status_code == 422 and "message" in empty.json["error"]["details"]
    missing = call("manager", "post", "/employees/B/kudos", {})
    assert missing.status_code == 422 and "message" in missing.json["error"]["details"]
    assert call("rollout_lead", "post", "/employees/B/kudos", THANKS).status_code == 403


def test_only_the_person_their_manager_hr_and_admin_read_kudos(call):
    call("manager", "post", "/employees/B/kudos", THANKS)
    assert call("employee", "get", "/employees/B/kudos").status_code == 404  # A reads B's
    assert call("other_manager", "get", "/employees/B/kudos").status_code == 404
    assert call("manager", "get", "/employees/B/kudos").status_code == 200


def test_the_board_shows_each_named_rows_kudos_of_the_period(call):
    call("manager", "post", "/employees/B/kudos", THANKS)
    call("hr", "post", "/employees/B/kudos", THANKS)
    rows = call("hr", "get", "/sites/S1/team?period=month").json["rows"]
    assert {r["user_id"]: r["kudos"] for r in rows}["B"] == 2
    assert {r["user_id"]: r["kudos"] for r in rows}["A"] == 0


def test_a_manager_linked_to_an_employee_cannot_thank_or_award_itself(session, client, make_token):
    build_team(session)
    headers = make_token("manager", name="m-self", sites=["S1"], user_id="A")
    thanks = client.post("/api/v1/employees/A/kudos", headers=headers, json=THANKS)
    assert thanks.status_code == 422 and "user_id" in thanks.json["error"]["details"]
    award = client.post(
        "/api/v1/employees/A/awards",
        headers=headers,
        json={"points": 50, "reason": "Great work by me"},
    )
    assert award.status_code == 422 and "user_id" in award.json["error"]["details"]
