"""Who needs help, end to end: `GET /api/v1/sites/{site_id}/coaching` with `silent_days`, its
four lists as each role may see them, the board page's four groups with the suggested action
(linking the quick-reference card), and `uptake report coaching --silent-days`.

The team is tests/web/team.py (NOW Fri 2026-11-20 12:00 UTC, as of 11-19) plus S, last active
on 10-10 (40 days silent), and N, hired 11-02 with no success since. pos.refund, which C fails
on most, is titled "Refund a sale" and has a quick-reference card.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from adoption.masterdata import feature_records
from api.cli.main import main
from tests.adoption.scoring.test_proficiency import NOW
from tests.web.conftest import make_account, page_clock, sign_in  # noqa: F401 (fixtures)
from tests.web.html import visible_text
from tests.web.team import build_team

CARD = "https://help.example.com/pos/refund"
SCOPES = {"manager": {"sites": ["S1"]}}


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    for module in ("api.http.adoption", "api.cli.report"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: NOW)


@pytest.fixture
def team(session):
    scn = build_team(session)
    scn.site("S3")  # nobody's home
    feature_records.put_feature(
        session,
        "pos.refund",
        {"title": "Refund a sale", "quick_reference_url": CARD},
        now=NOW,
        actor="test",
    )
    scn.person("S", "S1", hired_on=date(2026, 1, 5)).person("N", "S1", hired_on=date(2026, 11, 2))
    scn.send(scn.ev("S", "pos.sale", date(2026, 10, 10)))
    return scn


@pytest.fixture
def get(team, client, make_token):
    def call(role: str, path: str):
        headers = make_token(role, name=f"{role}-t", **SCOPES.get(role, {}))
        return client.get(f"/api/v1{path}", headers=headers)

    return call


def test_the_four_lists_with_features_and_suggestions(get):
    response = get("manager", "/sites/S1/coaching")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["silent_days"] == 28
    assert body["silent"] == [
        {
            "user_id": "S",
            "display_name": "Person S",
            "last_active_day": "2026-10-10",
            "days_silent": 40,
            "feature": None,
            "suggestion": {"text": "Ask whether something stops them using it", "url": None},
        }
    ]
    assert body["never_started"] == [
        {
            "user_id": "N",
            "display_name": "Person N",
            "hired_on": "2026-11-02",
            "days_employed": 18,
            "since": "2026-11-02",  # S1 has no go-live date: the hire date
            "days_since": 18,
            "feature": None,
            "suggestion": {
                "text": "Show them the first steps at the till and stay with them for their "
                "first sale",
                "url": None,
            },
        }
    ]
    (c,) = body["struggling"]
    assert c["feature"] == {
        "action": "pos.refund",
        "title": "Refund a sale",
        "quick_reference_url": CARD,
        "errors": 6,
        "attempts": 7,
    }
    assert c["suggestion"] == {
        "text": "Go through the quick-reference card for Refund a sale with them",
        "url": CARD,
    }
    assert [d["user_id"] for d in body["dormant"]] == ["D"]
    everyone = [p["user_id"] for k in ("dormant", "struggling", "silent", "never_started")
                for p in body[k]]  # fmt: skip
    assert sorted(everyone) == ["C", "D", "N", "S"]  # disjoint


def test_silent_days_60_leaves_out_someone_silent_for_40(get):
    body = get("manager", "/sites/S1/coaching?silent_days=60").json
    assert (body["silent_days"], body["silent"]) == (60, [])
    body = get("manager", "/sites/S1/coaching?silent_days=40").json
    assert [s["user_id"] for s in body["silent"]] == ["S"]


@pytest.mark.parametrize("value", ["6", "366", "0", "-7", "28.0", "x", ""])
def test_a_bad_silent_days_is_422_naming_it(get, value):
    response = get("manager", f"/sites/S1/coaching?silent_days={value}")
    assert response.status_code == 422
    assert list(response.json["error"]["details"]) == ["silent_days"]


def test_a_rollout_lead_sees_every_list_without_names_hire_dates_or_start(get):
    body = get("rollout_lead", "/sites/S1/coaching").json
    (s,) = body["silent"]
    assert (s["user_id"], s["display_name"], s["days_silent"]) == (None, "Anonymous", 40)
    (n,) = body["never_started"]
    assert {k: n[k] for k in ("user_id", "hired_on", "days_employed", "since", "days_since")} == {
        "user_id": None,
        "hired_on": None,
        "days_employed": None,
        "since": None,
        "days_since": None,
    }
    assert body["struggling"][0]["suggestion"]["url"] == CARD  # the feature's card stays
    assert "Person" not in json.dumps(body)


def test_the_openapi_document_describes_the_new_fields(client):
    document = client.get("/api/v1/openapi.json").json
    schemas = document["components"]["schemas"]
    assert {"silent", "silent_days"} <= set(schemas["Coaching"]["properties"])
    assert {"feature", "suggestion", "days_silent"} <= set(schemas["Silent"]["properties"])
    assert {"since", "days_since", "suggestion"} <= set(schemas["NeverStarted"]["properties"])
    assert {"title", "quick_reference_url"} <= set(schemas["WorstFeature"]["properties"])
    assert set(schemas["Suggestion"]["properties"]) == {"text", "url"}
    operation = document["paths"]["/api/v1/sites/{site_id}/coaching"]["get"]
    (param,) = [p for p in operation["parameters"] if p["name"] == "silent_days"]
    assert (param["schema"]["minimum"], param["schema"]["maximum"]) == (7, 365)
    assert param["schema"]["default"] == 28


# ---- the page -------------------------------------------------------------------------------


def test_the_board_shows_four_groups_with_the_suggested_action(team, page_clock, sign_in):  # noqa: F811
    html = sign_in("manager", sites=["S1"]).get("/sites/S1/leaderboard").text
    text = visible_text(html)
    for heading in ("Gone quiet", "Struggling", "Silent", "Not started yet"):
        assert heading in text
    assert f'href="{CARD}"' in html
    assert "fails most on Refund a sale (6 errors in 7 tries)" in text
    assert "Suggested: Go through the quick-reference card for Refund a sale with them" in text
    assert "Person S S silent 40 days · last active 2026-10-10" in text
    assert "Suggested: Ask whether something stops them using it" in text
    assert "Person N N hired 2026-11-02 · 18 days since 2026-11-02" in text
    assert "Nobody" not in text


def test_each_empty_group_says_nobody(team, page_clock, sign_in):  # noqa: F811
    text = visible_text(sign_in("hr").get("/sites/S3/leaderboard").text)
    for line in (
        "Nobody has gone quiet.",
        "Nobody is struggling.",
        "Nobody has been silent for 28 days.",
        "Nobody is left to start.",
    ):
        assert line in text


# ---- the command line -----------------------------------------------------------------------


def test_report_coaching_silent_days_is_the_apis(team, get, runner):
    result = runner.invoke(
        main, ["report", "coaching", "--site", "S1", "--silent-days", "60", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == get("hr", "/sites/S1/coaching?silent_days=60").json
    table = runner.invoke(main, ["report", "coaching", "--site", "S1"]).output
    assert "Silent (no success in 28 days)" in table
    assert any(
        line.split()[:5] == ["S", "Person", "S", "2026-10-10", "40"] for line in table.splitlines()
    )
    assert f"({CARD})" in table
    refused = runner.invoke(main, ["report", "coaching", "--site", "S1", "--silent-days", "6"])
    assert refused.exit_code == 2 and "--silent-days" in refused.output
