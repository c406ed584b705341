"""GET /sites/{site_id}/coaching, /employees/{user_id}/progress and /sites/{site_id}/team.

The team is tests/web/team.py (NOW Fri 2026-11-20 12:00 UTC): D is dormant, C struggles on
pos.refund, H opted out; X's home is S2.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.adoption.scoring.test_proficiency import NOW
from tests.web.team import build_team

SCOPES = {
    "manager": {"sites": ["S1"]},
    "other_manager": {"sites": ["S2"]},
    "employee": {"user_id": "A"},
    "employee_c": {"user_id": "C"},
}


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("api.http.adoption.utcnow", lambda: NOW)
    monkeypatch.setattr("api.http.leaderboards.utcnow", lambda: NOW)


@pytest.fixture
def get(session, client, make_token):
    build_team(session)

    def call(who: str, path: str):
        role = {"other_manager": "manager", "employee_c": "employee"}.get(who, who)
        headers = make_token(role, name=f"{who}-t", **SCOPES.get(who, {}))
        return client.get(f"/api/v1{path}", headers=headers)

    return call


# ---- coaching ---------------------------------------------------------------------------------


def test_coaching_lists_each_group_with_its_figures(get):
    response = get("manager", "/sites/S1/coaching")
    assert response.status_code == 200, response.json
    body = response.json
    assert {k: body[k] for k in ("site_id", "as_of", "window_from", "window_days")} == {
        "site_id": "S1",
        "as_of": "2026-11-19",
        "window_from": "2026-10-23",
        "window_days": 28,
    }
    assert (body["struggling_accuracy"], body["struggling_min_attempts"]) == (0.6, 5)
    (dormant,) = body["dormant"]
    assert dormant == {
        "user_id": "D",
        "display_name": "Person D",
        "last_active_day": "2026-10-29",
        "days_silent": 21,
        "active_days_before": 3,
        "measured": "active 2026-10-16..2026-11-12, no success 2026-11-13..2026-11-19",
        "feature": None,
        "suggestion": {"text": "Ask what changed since they last used it", "url": None},
    }
    assert body["struggling"] == [
        {
            "user_id": "C",
            "display_name": "Person C",
            "accuracy": 0.3,
            "core_attempts": 8,
            "feature": {
                "action": "pos.refund",
                "title": "pos.refund",  # no title: its action
                "quick_reference_url": None,
                "errors": 6,
                "attempts": 7,
            },
            "suggestion": {"text": "Do pos.refund together with them at the till", "url": None},
        }
    ]
    assert (body["silent_days"], body["silent"], body["never_started"]) == (28, [], [])


@pytest.mark.parametrize("who", ["hr", "rollout_lead", "admin"])
def test_coaching_is_open_to_hr_rollout_lead_and_admin(get, who):
    assert get(who, "/sites/S1/coaching").status_code == 200


@pytest.mark.parametrize(("who", "status"), [("other_manager", 403), ("employee", 403)])
def test_coaching_is_closed_to_other_managers_and_employees(get, who, status):
    assert get(who, "/sites/S1/coaching").status_code == status


def test_coaching_of_an_unknown_site_is_404(get):
    assert get("hr", "/sites/S9/coaching").status_code == 404


@pytest.mark.parametrize("path", ["/sites/S9/coaching", "/sites/S9/team"])
@pytest.mark.parametrize("who", ["other_manager", "employee"])
def test_a_scoped_role_probing_site_codes_gets_403_as_for_another_site(get, who, path):
    # 404 for an unknown code but 403 for another site's would tell which codes exist.
    assert get(who, path).status_code == 403


# ---- progress ---------------------------------------------------------------------------------


def test_progress_of_oneself(get):
    response = get("employee_c", "/employees/C/progress")
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["user_id"], body["site_id"], body["today"]) == ("C", "S1", "2026-11-20")
    assert body["proficiency"]["as_of"] == "2026-11-19"
    assert (body["proficiency"]["score"], body["proficiency"]["level"]) == (22.5, "Novice")
    assert body["next_level"] == {
        "level": "Developing",
        "at": 40.0,
        "score_needed": 17.5,
        "attempts_needed": 0,
    }
    assert body["points_today"] == 0
    assert body["features"] == [
        {"action": "pos.refund", "points": 3, "cap": None, "earned": 0, "left": None},
        {"action": "pos.sale", "points": 2, "cap": 6, "earned": 0, "left": 6},
        {"action": "pos.void", "points": 1, "cap": 5, "earned": 0, "left": 5},
    ]


def test_progress_carries_everything_the_me_page_shows(get):
    body = get("employee_c", "/employees/C/progress").json
    assert body["site_name"]
    assert [c["name"] for c in body["components"]] == [
        "breadth",
        "accuracy",
        "speed",
        "consistency",
    ]
    # the parts add up to the score: 100 × Σ weight × value
    assert round(sum(c["adds"] for c in body["components"]), 2) == body["proficiency"]["score"]
    assert [b["badge"] for b in body["badges"]] == ["explorer"]  # both core features used
    assert {p["label"] for p in body["positions"]} >= {"This week"}
    assert (body["window_days"], body["min_core_attempts"]) == (28, 20)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("manager", 200),
        ("hr", 200),
        ("admin", 200),
        ("other_manager", 404),  # as for an unknown id (docs/privacy.md)
        ("employee", 404),  # A may not read C's
        ("rollout_lead", 403),  # the role may not read anyone's
    ],
)
def test_progress_is_for_oneself_the_sites_manager_hr_and_admin(get, who, status):
    assert get(who, "/employees/C/progress").status_code == status


def test_progress_of_an_unknown_person_is_404(get):
    assert get("hr", "/employees/NOPE/progress").status_code == 404


# ---- team -------------------------------------------------------------------------------------


def test_team_board_for_an_employee_hides_opted_out_people_and_marks_its_row(get):
    response = get("employee", "/sites/S1/team")
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["period"], body["last_day"], body["as_of"]) == (
        "2026-W47",
        "2026-11-20",
        "2026-11-19",
    )
    assert body["choice"] == {
        "key": "week",
        "label": "This week",
        "value": "2026-W47",
        "available": True,
    }
    assert [c["key"] for c in body["choices"]] == [
        "week",
        "last-week",
        "month",
        "last-month",
        "all",
    ]
    assert body["rows"][0] == {
        "rank": 1,
        "user_id": None,
        "display_name": "Anonymous",
        "value": 6,
        "level": None,
        "badges": [],
        "me": False,
        "previous_rank": None,  # an anonymous row shows no movement
        "change": None,
        "kudos": 0,
        "provisional": 0,  # no void window: every point is confirmed at once
    }
    assert [r["user_id"] for r in body["rows"] if r["me"]] == ["A"]


def test_team_board_for_hr_names_opted_out_people(get):
    rows = get("hr", "/sites/S1/team?period=all&metric=proficiency").json["rows"]
    assert ("Person H", "Developing") in [(r["display_name"], r["level"]) for r in rows]
    c = next(r for r in rows if r["user_id"] == "C")
    assert (c["value"], c["level"], c["badges"]) == (22.5, "Novice", ["Explorer"])


def test_team_board_falls_back_to_last_week_on_a_monday(get, monkeypatch):
    monday = datetime(2026, 11, 23, 9, tzinfo=UTC)
    monkeypatch.setattr("api.http.leaderboards.utcnow", lambda: monday)
    body = get("hr", "/sites/S1/team?period=week").json
    assert (body["choice"]["key"], body["period"]) == ("last-week", "2026-W47")
    assert body["note"] == "This week has no complete day yet; showing last week."


@pytest.mark.parametrize("query", ["period=fortnight", "metric=speed"])
def test_team_board_refuses_unknown_choices(get, query):
    assert get("hr", f"/sites/S1/team?{query}").status_code == 422


@pytest.mark.parametrize(("who", "status"), [("other_manager", 403), ("rollout_lead", 200)])
def test_team_board_follows_the_site_scope(get, who, status):
    assert get(who, "/sites/S1/team").status_code == status
