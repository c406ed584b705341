"""The privacy rule over the JSON API (docs/privacy.md; `adoption.privacy`): who is named to
whom on boards, insights and coaching, and figures about fewer than 5 people withheld.

The team is tests/web/team.py (NOW Fri 2026-11-20 12:00 UTC): S1 holds A, B, C, D and H (H opted
out); D is dormant, C struggles; X's home is S2. UPTAKE_MIN_GROUP is the default, 5.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest

from adoption.masterdata import records
from tests.adoption.scoring.test_proficiency import NOW, Scenario
from tests.web.team import build_team

SCOPES = {
    "manager": {"sites": ["S1"]},
    "other_manager": {"sites": ["S2"]},
    "employee": {"user_id": "A"},
    "employee_h": {"user_id": "H"},
}
ROLES = {"other_manager": "manager", "employee_h": "employee"}


@pytest.fixture
def settings(settings):
    return dataclasses.replace(settings, min_group=5)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("api.http.adoption.utcnow", lambda: NOW)
    monkeypatch.setattr("api.http.leaderboards.utcnow", lambda: NOW)


@pytest.fixture
def team(session) -> Scenario:
    return build_team(session)


@pytest.fixture
def get(client, make_token):
    def call(who: str, path: str):
        headers = make_token(ROLES.get(who, who), name=f"{who}-t", **SCOPES.get(who, {}))
        response = client.get(f"/api/v1{path}", headers=headers)
        assert response.status_code == 200, response.json
        return response.json

    return call


def names(body) -> set[str]:
    """Every display_name anywhere in a JSON body."""
    found = set()

    def walk(value):
        if isinstance(value, dict):
            if isinstance(value.get("display_name"), str):
                found.add(value["display_name"])
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(body)
    return found


def opt_out(session, user_id: str) -> None:
    records.put_employee(session, user_id, {"public_opt_out": True}, now=NOW)
    session.commit()


# ---- insights and coaching: individual data ---------------------------------------------------


def test_rollout_lead_sees_no_names_in_insights(team, get):
    body = get("rollout_lead", "/adoption/insights")
    assert body["dormant_employees"], "D and X are dormant"
    assert names(body) == {"Anonymous"}
    assert {d["user_id"] for d in body["dormant_employees"]} == {None}
    assert "Person" not in json.dumps(body)
    # the figures stay: where and how long
    assert {(d["site_id"], d["days_silent"]) for d in body["dormant_employees"]} == {
        ("S1", 21),
        ("S2", 23),
    }


def test_manager_sees_its_own_people_by_name_in_insights(team, get):
    dormant = get("manager", "/adoption/insights?site_id=S1")["dormant_employees"]
    assert [(d["user_id"], d["display_name"]) for d in dormant] == [("D", "Person D")]


def test_rollout_lead_sees_coaching_without_names_or_hire_dates(team, session, get):
    scn = team
    scn.person("N", "S1", hired_on=date(2026, 11, 2))  # never started
    session.commit()
    body = get("rollout_lead", "/sites/S1/coaching")
    assert names(body) == {"Anonymous"}
    assert [(n["user_id"], n["hired_on"]) for n in body["never_started"]] == [(None, None)]
    assert body["struggling"][0]["accuracy"] == 0.3  # figures stay


def test_manager_still_sees_its_opted_out_clerk_in_coaching(team, session, get):
    opt_out(session, "D")
    body = get("manager", "/sites/S1/coaching")
    assert [(d["user_id"], d["display_name"]) for d in body["dormant"]] == [("D", "Person D")]


# ---- rankings ----------------------------------------------------------------------------------

BOARDS = ["/leaderboards?scope=site:S1&period=all", "/sites/S1/team?period=all"]


def rows(body) -> list[dict]:
    return body.get("entries", body.get("rows"))


@pytest.mark.parametrize("path", BOARDS)
@pytest.mark.parametrize("who", ["manager", "employee", "rollout_lead"])
def test_opted_out_person_is_absent_from_boards_a_manager_or_colleague_sees(team, get, who, path):
    listed = rows(get(who, path))
    assert len(listed) == 5  # H's row stays, with its rank and value
    assert all(r["user_id"] != "H" for r in listed)
    assert "Person H" not in names(listed)


@pytest.mark.parametrize("path", BOARDS)
@pytest.mark.parametrize("who", ["hr", "admin", "employee_h"])
def test_opted_out_person_is_named_to_hr_admin_and_itself(team, get, who, path):
    listed = rows(get(who, path))
    assert ("H", "Person H") in [(r["user_id"], r["display_name"]) for r in listed]


def test_manager_sees_its_other_people_by_name(team, get):
    listed = rows(get("manager", BOARDS[0]))
    assert names(listed) == {"Anonymous", "Person A", "Person B", "Person C", "Person D"}


@pytest.mark.parametrize("path", BOARDS)
def test_a_colleague_sees_only_its_own_name(team, get, path):
    assert names(rows(get("employee", path))) == {"Person A", "Anonymous"}


@pytest.mark.parametrize("scope", ["site:S1", "chain"])
def test_rollout_lead_sees_boards_without_names(team, get, scope):
    body = get("rollout_lead", f"/leaderboards?scope={scope}&period=all")
    assert names(rows(body)) == {"Anonymous"}
    assert [e["value"] for e in rows(body)][:2] == [8, 6]  # the numbers are kept


def test_opting_out_changes_no_rank_or_value(team, session, get):
    before = [(e["rank"], e["value"]) for e in rows(get("hr", BOARDS[0]))]
    opt_out(session, "B")
    after = rows(get("manager", BOARDS[0]))
    assert [(e["rank"], e["value"]) for e in after] == before
    assert "Person B" not in names(after)


# ---- small groups ------------------------------------------------------------------------------


@pytest.fixture
def four(team, session):
    """S1 with four people in the window: B left on 10-01."""
    records.put_employee(session, "B", {"left_on": date(2026, 10, 1)}, now=NOW)
    session.commit()
    return team


def test_a_group_of_four_is_suppressed_for_a_manager(four, get):
    (row,) = get("manager", "/adoption/sites?site_id=S1")
    assert (row["site_id"], row["suppressed"], row["suppressed_reason"]) == (
        "S1",
        True,
        "fewer than 5 people",
    )
    figures = ("population", "active", "adoption_rate", "stickiness", "mean_breadth")
    assert [row[f] for f in figures] == [None] * 5
    assert (row["from"], row["to"]) == ("2026-11-13", "2026-11-19")


def test_a_group_of_four_is_shown_to_admin(four, get):
    (row,) = get("admin", "/adoption/sites?site_id=S1")
    # A, C, D, H; A and C were active on 11-13..11-19 (H on 11-16 too) → 3 of 4
    assert (row["suppressed"], row["population"], row["adoption_rate"]) == (False, 4, 0.75)


def test_a_group_of_five_is_shown_to_a_manager(team, get):
    (row,) = get("manager", "/adoption/sites?site_id=S1")
    assert (row["suppressed"], row["suppressed_reason"], row["population"]) == (False, None, 5)


def test_rollout_lead_gets_a_small_sites_series_without_figures(four, get):
    points = get("rollout_lead", "/adoption/sites/S1/series?by=day&from=2026-11-16&to=2026-11-17")
    assert [(p["day"], p["suppressed"], p["adoption_rate"]) for p in points] == [
        ("2026-11-16", True, None),
        ("2026-11-17", True, None),
    ]


def test_insights_over_four_people_withhold_the_usage_lists_from_a_manager(four, get):
    body = get("manager", "/adoption/insights?site_id=S1")
    assert (body["suppressed"], body["suppressed_reason"]) == (True, "fewer than 5 people")
    assert (body["error_hotspots"], body["unused_modules"], body["unmapped_actions"]) == (
        None,
        None,
        None,
    )
    assert [d["user_id"] for d in body["dormant_employees"]] == ["D"]  # people, not a group


def test_insights_over_four_people_are_whole_for_admin(four, get):
    body = get("admin", "/adoption/insights?site_id=S1")
    assert body["suppressed"] is False
    assert isinstance(body["unused_modules"], list)


# ---- UPTAKE_BOARD_NAMES=colleagues: named store boards by agreement ----------------------------


@pytest.fixture
def named_boards(app):
    settings = app.extensions["uptake"].settings
    app.extensions["uptake"].settings = dataclasses.replace(settings, board_names="colleagues")
    yield
    app.extensions["uptake"].settings = settings


@pytest.mark.parametrize("path", BOARDS)
def test_with_named_boards_a_colleague_sees_its_store_by_name_but_not_the_opted_out(
    team, get, path, named_boards
):
    # S1 holds A, B, C, D and H; H opted out, so H stays Anonymous even to colleagues.
    assert names(rows(get("employee", path))) == {
        "Person A",
        "Person B",
        "Person C",
        "Person D",
        "Anonymous",
    }


def test_with_named_boards_a_rollout_lead_still_sees_no_names(team, get, named_boards):
    assert names(rows(get("rollout_lead", "/leaderboards?scope=site:S1&period=all"))) == {
        "Anonymous"
    }


def test_with_named_boards_coaching_stays_closed_to_colleagues(team, client, make_token):
    headers = make_token("employee", name="employee-t", user_id="A")
    assert client.get("/api/v1/sites/S1/coaching", headers=headers).status_code == 403
