"""Adoption rows, series, insights, proficiency, history and scoring configs over HTTP."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from adoption.usage import by_site
from api.pagination import encode_cursor
from tests.adoption.scoring.test_proficiency import NOW, Scenario
from tests.helpers import follow_links

SITE_FIELDS = {
    "site_id",
    "is_pilot",
    "go_live_on",
    "population",
    "active",
    "adoption_rate",
    "stickiness",
    "mean_breadth",
    "error_rate",
    "proficient_share",
}
PROFICIENCY_FIELDS = {
    "user_id",
    "as_of",
    "score",
    "level",
    "components",
    "core_attempts",
    "proficient_since",
    "config_version",
}


def d(day: int) -> date:
    return date(2026, 11, day)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    """Default windows end yesterday: 11-19 with NOW = 2026-11-20 12:00 UTC."""
    monkeypatch.setattr("api.http.adoption.utcnow", lambda: NOW)


@pytest.fixture
def chain(session) -> Scenario:
    """S1 (pilot, go-live 11-02) with A and B; S2 (no go-live) with Z; core sale and void."""
    scn = Scenario(session)
    scn.site("S1", is_pilot=True, go_live_on=d(2), wave=1).site("S2")
    scn.feature("pos.sale", is_core=True, expected_ms=1000).feature("pos.void", is_core=True)
    scn.feature("pos.login")
    scn.person("A", "S1").person("B", "S1").person("Z", "S2")
    e = scn.ev
    scn.send(
        e("A", "pos.sale", d(15), duration_ms=500),
        e("A", "pos.sale", d(15), duration_ms=4000),
        e("A", "pos.void", d(15)),
        e("A", "pos.sale", d(13)),
        e("A", "pos.void", d(13), outcome="error"),
        e("B", "pos.login", d(14)),
        e("Z", "pos.sale", d(14), site="S2"),
    )
    return scn


@pytest.fixture
def as_role(chain, client, make_token):
    """GET/POST as a token of the role (manager of S1; employee A)."""
    scope = {"manager": {"sites": ["S1"]}, "employee": {"user_id": "A"}}

    def call(role: str, path: str, body=None):
        headers = make_token(role, name=f"{role}-t", **scope.get(role, {}))
        if body is None:
            return client.get(f"/api/v1{path}", headers=headers)
        return client.post(f"/api/v1{path}", json=body, headers=headers)

    return call


@pytest.fixture
def pages_as(chain, client, make_token):
    """Every page of a list as the role, following the Link headers."""

    def call(role: str, path: str) -> list[list]:
        headers = make_token(role, name=f"{role}-pages")
        return follow_links(client, f"/api/v1{path}", headers)

    return call


# ---- /adoption/sites -----------------------------------------------------------------------


def test_adoption_rows_carry_the_contract_fields(as_role):
    response = as_role("rollout_lead", "/adoption/sites?from=2026-11-09&to=2026-11-15")
    assert response.status_code == 200
    rows = {r["site_id"]: r for r in response.json}
    assert set(rows) == {"S1", "S2"}
    assert set(rows["S1"]) >= SITE_FIELDS
    s1 = rows["S1"]
    # A and B both active → 2 of 2; A's 4 ✓ 1 ✗ and B's 1 ✓ at S1 → errors 1 ÷ 6
    assert (s1["is_pilot"], s1["go_live_on"], s1["population"], s1["active"]) == (
        True,
        "2026-11-02",
        2,
        2,
    )
    assert s1["adoption_rate"] == 1.0
    assert s1["error_rate"] == pytest.approx(1 / 6)


def test_adoption_window_defaults_to_the_7_days_ending_yesterday(as_role):
    row = as_role("rollout_lead", "/adoption/sites?site_id=S1").json[0]
    assert (row["from"], row["to"]) == ("2026-11-13", "2026-11-19")


def test_manager_lists_only_its_sites(as_role):
    response = as_role("manager", "/adoption/sites?from=2026-11-09&to=2026-11-15")
    assert [r["site_id"] for r in response.json] == ["S1"]


def test_manager_gets_403_on_another_sites_adoption_row(as_role):
    response = as_role("manager", "/adoption/sites?site_id=S2")
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    "path",
    [
        "/adoption/sites?from=2026-11-15&to=2026-11-14",
        "/adoption/sites/S1/series?from=2026-11-15&to=2026-11-14",
        "/adoption/insights?from=2026-11-15&to=2026-11-14",
        "/employees/A/history?from=2026-11-15&to=2026-11-14",
    ],
)
def test_from_after_to_is_422_naming_from(as_role, path):
    response = as_role("admin", path)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"
    assert "from" in response.json["error"]["details"]


def test_employee_may_not_read_adoption_rows(as_role):
    assert as_role("employee", "/adoption/sites").status_code == 403


# ---- series --------------------------------------------------------------------------------


def test_series_by_day_has_one_point_per_day(as_role):
    response = as_role("manager", "/adoption/sites/S1/series?by=day&from=2026-11-13&to=2026-11-15")
    assert response.status_code == 200
    points = response.json
    assert [p["day"] for p in points] == ["2026-11-13", "2026-11-14", "2026-11-15"]
    assert SITE_FIELDS - {"site_id", "is_pilot", "go_live_on"} <= set(points[0])
    # 11-14: only B active (A, B in the population) → 1/2
    assert points[1]["adoption_rate"] == 0.5


def test_series_by_week_since_go_live_ends_with_the_last_complete_week(as_role):
    points = as_role("rollout_lead", "/adoption/sites/S1/series?by=week_since_go_live").json
    # go-live 11-02, yesterday 11-19 → week 1 = [11-09, 11-15] complete, week 2 is not
    last = points[-1]
    assert (last["week"], last["from"], last["to"]) == (1, "2026-11-09", "2026-11-15")
    assert last["adoption_rate"] == 1.0


def test_series_by_week_needs_a_go_live_date(as_role):
    response = as_role("rollout_lead", "/adoption/sites/S2/series?by=week_since_go_live")
    assert response.status_code == 422
    assert "by" in response.json["error"]["details"]


def test_series_rejects_an_unknown_grouping(as_role):
    response = as_role("rollout_lead", "/adoption/sites/S1/series?by=month")
    assert response.status_code == 422
    assert "by" in response.json["error"]["details"]


def test_manager_gets_403_on_another_sites_series(as_role):
    assert as_role("manager", "/adoption/sites/S2/series").status_code == 403


# ---- insights ------------------------------------------------------------------------------


def test_insights_carry_every_list(as_role):
    response = as_role("manager", "/adoption/insights?from=2026-11-09&to=2026-11-15")
    assert response.status_code == 200
    for key in (
        "error_hotspots",
        "unused_modules",
        "dormant_employees",
        "unmapped_actions",
        "sites_behind",
    ):
        assert isinstance(response.json[key], list), key


def test_manager_gets_403_on_another_sites_insights(as_role):
    assert as_role("manager", "/adoption/insights?site_id=S2").status_code == 403


# ---- proficiency and history ---------------------------------------------------------------


def test_proficiency_has_the_contract_shape_and_rounding(as_role):
    response = as_role("hr", "/employees/a/proficiency?as_of=2026-11-15")
    assert response.status_code == 200
    body = response.json
    assert set(body) == PROFICIENCY_FIELDS
    # breadth: sale 3 ✓ of {sale, void} → 0.5; accuracy: (4 + 1) ÷ (4 + 1 + 2) = 0.714285…
    # speed: sale GM √(500·4000) = 1414.2 → 0.707106…; consistency: S1 active 13, 14, 15,
    # A on 13 and 15 → 0.666…; score 17.5 + 17.857143 + 14.142136 + 13.333333 = 62.832612
    assert body["components"] == {
        "breadth": 0.5,
        "accuracy": 0.7143,
        "speed": 0.7071,
        "consistency": 0.6667,
    }
    assert (body["user_id"], body["as_of"], body["score"], body["level"]) == (
        "A",
        "2026-11-15",
        62.83,
        "Developing",
    )
    assert (body["core_attempts"], body["proficient_since"], body["config_version"]) == (5, None, 1)


def test_proficiency_defaults_to_yesterday_at_the_home_site(as_role):
    body = as_role("hr", "/employees/A/proficiency").json
    # NOW 11-20 12:00 UTC → 11-19; the window [10-23, 11-19] still holds all of A's events
    assert (body["as_of"], body["score"]) == ("2026-11-19", 62.83)


def test_proficiency_names_the_config_version_it_used(as_role):
    created = as_role("admin", "/scoring/configs", {"w_breadth": 0.45, "w_consistency": 0.10})
    assert created.status_code == 201 and created.json["version"] == 2
    active = as_role("hr", "/employees/A/proficiency?as_of=2026-11-15").json
    old = as_role("hr", "/employees/A/proficiency?as_of=2026-11-15&config_version=1").json
    # v2: 45·0.5 + 25·5/7 + 20·0.707107 + 10·2/3 = 22.5 + 17.857143 + 14.142136 + 6.666667
    assert (active["config_version"], active["score"]) == (2, 61.17)
    assert (old["config_version"], old["score"]) == (1, 62.83)


def test_unknown_config_version_is_404(as_role):
    response = as_role("hr", "/employees/A/proficiency?config_version=9")
    assert response.status_code == 404


def test_employee_reads_only_its_own_proficiency(as_role):
    assert as_role("employee", "/employees/A/proficiency?as_of=2026-11-15").status_code == 200
    assert as_role("employee", "/employees/B/proficiency").status_code == 404  # as if unknown
    assert as_role("employee", "/employees/B/history").status_code == 404


def test_manager_reads_people_of_its_sites_only(as_role):
    assert as_role("manager", "/employees/B/proficiency").status_code == 200
    assert as_role("manager", "/employees/Z/proficiency").status_code == 404  # as if unknown
    assert as_role("manager", "/employees/Z/history").status_code == 404


def test_rollout_lead_reads_adoption_but_not_people(as_role):
    assert as_role("rollout_lead", "/adoption/sites").status_code == 200
    assert as_role("rollout_lead", "/employees/A/proficiency").status_code == 403
    assert as_role("rollout_lead", "/employees/A/history").status_code == 403


def test_history_lists_each_day_with_score_and_level(as_role):
    response = as_role("employee", "/employees/A/history?from=2026-11-13&to=2026-11-15")
    assert response.status_code == 200
    points = response.json
    assert [p["day"] for p in points] == ["2026-11-13", "2026-11-14", "2026-11-15"]
    assert all(set(p) == {"day", "score", "level"} for p in points)
    assert points[-1] == {"day": "2026-11-15", "score": 62.83, "level": "Developing"}


# ---- scoring configs -----------------------------------------------------------------------


def test_scoring_configs_list_every_version(as_role):
    response = as_role("employee", "/scoring/configs")
    assert response.status_code == 200
    (v1,) = response.json
    assert v1["version"] == 1
    assert (v1["w_breadth"], v1["proficient_at"], v1["min_core_attempts"]) == (0.35, 70.0, 20)


def test_only_admin_creates_scoring_configs(as_role):
    assert as_role("hr", "/scoring/configs", {"w_breadth": 0.45, "w_speed": 0.1}).status_code == 403
    bad = as_role("admin", "/scoring/configs", {"w_breadth": 0.9})
    assert bad.status_code == 422  # weights would sum to 1.55
    assert [c["version"] for c in as_role("admin", "/scoring/configs").json] == [1]


# ---- pagination: limit, cursor and the Link header ------------------------------------------


def test_adoption_rows_page_by_site_code_and_compute_only_the_page(
    chain, as_role, pages_as, monkeypatch
):
    chain.site("S0").site("S3")
    chain.session.commit()
    computed = []
    real = by_site.adoption_by_site

    def spy(session, **kwargs):
        computed.append(sorted(kwargs["site_ids"]))
        return real(session, **kwargs)

    monkeypatch.setattr("api.http.adoption.by_site.adoption_by_site", spy)
    window = "from=2026-11-09&to=2026-11-15"
    pages = pages_as("rollout_lead", f"/adoption/sites?{window}&limit=3")
    # 4 sites at 3 a page: 3 + 1, the short last page has no next link.
    assert [[r["site_id"] for r in page] for page in pages] == [["S0", "S1", "S2"], ["S3"]]
    assert [len(ids) for ids in computed] == [3, 1]  # each page computes its own sites only
    whole = as_role("rollout_lead", f"/adoption/sites?{window}").json
    assert [r for page in pages for r in page] == whole


def test_series_by_day_pages_by_day(pages_as, as_role):
    path = "/adoption/sites/S1/series?by=day&from=2026-11-01&to=2026-11-15"
    pages = pages_as("rollout_lead", f"{path}&limit=4")
    assert [len(p) for p in pages] == [4, 4, 4, 3]
    days = [p["day"] for page in pages for p in page]
    assert days == [f"2026-11-{n:02d}" for n in range(1, 16)]  # every day once, in order
    assert [p for page in pages for p in page] == as_role("rollout_lead", path).json


def test_series_by_week_pages_by_week(pages_as, as_role):
    path = "/adoption/sites/S1/series?by=week_since_go_live"
    pages = pages_as("rollout_lead", f"{path}&limit=4")
    weeks = [p["week"] for page in pages for p in page]
    assert weeks == list(range(-8, 2))  # weeks −8 … 1, each once
    assert [len(p) for p in pages] == [4, 4, 2]
    assert [p for page in pages for p in page] == as_role("rollout_lead", path).json


def test_series_takes_100_points_a_page_by_default(as_role):
    response = as_role("rollout_lead", "/adoption/sites/S1/series?from=2026-01-01&to=2026-11-15")
    assert len(response.json) == 100 and 'rel="next"' in response.headers["Link"]


@pytest.mark.parametrize(
    "path",
    [
        "/adoption/sites/S1/series?by=week_since_go_live",  # a day where a week belongs
        "/employees/A/history?from=2026-11-01",
    ],
)
def test_a_cursor_that_is_not_a_key_of_the_list_is_422(as_role, path):
    cursor = encode_cursor("2026-11-3x")
    response = as_role("hr" if "employees" in path else "rollout_lead", f"{path}&cursor={cursor}")
    assert response.status_code == 422
    assert list(response.json["error"]["details"]) == ["cursor"]


def test_history_pages_by_day(pages_as, as_role):
    path = "/employees/A/history?from=2026-11-01&to=2026-11-15"
    pages = pages_as("hr", f"{path}&limit=6")
    assert [len(p) for p in pages] == [6, 6, 3]
    days = [p["day"] for page in pages for p in page]
    assert days == [f"2026-11-{n:02d}" for n in range(1, 16)]
    assert [p for page in pages for p in page] == as_role("hr", path).json
    assert pages[-1][-1] == {"day": "2026-11-15", "score": 62.83, "level": "Developing"}


def test_history_page_ending_on_the_last_day_links_to_an_empty_page(pages_as):
    pages = pages_as("hr", "/employees/A/history?from=2026-11-13&to=2026-11-15&limit=3")
    assert [len(p) for p in pages] == [3, 0]


def test_history_defaults_to_the_7_days_ending_yesterday_at_the_home_site(as_role):
    days = [p["day"] for p in as_role("employee", "/employees/A/history").json]
    yesterday = NOW.date() - timedelta(days=1)  # the app's clock is NOW here; S1 is on UTC
    assert days == [str(yesterday - timedelta(days=k)) for k in range(6, -1, -1)]
