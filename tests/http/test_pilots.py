"""Who may see the pilot comparison (CONTRACT.md: rollout leads and admins) and its 422s."""

from __future__ import annotations

import pytest

PATHS = [
    "/api/v1/pilots/comparison?metric=adoption_rate&week=0",
    "/api/v1/pilots/time-to-proficiency",
    "/api/v1/pilots/charts/curve.svg",
    "/api/v1/pilots/charts/effect.png",
    "/api/v1/pilots/charts/time-to-proficiency.png",
]
SCOPE = {"manager": {"sites": ["S001"]}, "employee": {"user_id": "E001"}}


@pytest.fixture
def headers(make_site, make_employee, make_token):
    make_site("S001")
    make_employee("E001", "S001")
    return lambda role: make_token(role, name=f"{role}-caller", **SCOPE.get(role, {}))


@pytest.mark.parametrize("role", ["manager", "hr", "employee"])
def test_role_outside_rollout_gets_403_on_every_pilot_route(client, headers, role):
    auth = headers(role)
    statuses = {path: client.get(path, headers=auth).status_code for path in PATHS}
    assert set(statuses.values()) == {403}


def test_without_a_live_site_the_comparison_is_empty_but_well_formed(client, headers):
    response = client.get(PATHS[0], headers=headers("admin"))
    assert response.status_code == 200
    body = response.json
    assert body["pilot"] == {"n_sites": 0, "mean": None} and body["curve"] == []
    assert body["effect"]["estimate"] is None and "not estimable" in body["effect"]["method"]
    assert "Sites without go_live_on are left out: S001." in body["caveats"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("metric=happiness&week=1", "metric"),
        ("metric=adoption_rate&week=-1", "week"),
        ("metric=adoption_rate", "week"),
        ("metric=adoption_rate&week=1&weighting=people", "weighting"),
    ],
)
def test_bad_comparison_arguments_are_422_naming_the_field(client, headers, query, field):
    response = client.get(f"/api/v1/pilots/comparison?{query}", headers=headers("rollout_lead"))
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"
    assert field in response.json["error"]["details"]


def test_chart_with_a_bad_metric_is_422(client, headers):
    response = client.get("/api/v1/pilots/charts/curve.svg?metric=x", headers=headers("admin"))
    assert response.status_code == 422
    assert "metric" in response.json["error"]["details"]


@pytest.mark.parametrize(
    "path", ["/api/v1/pilots/charts/pie.svg", "/api/v1/pilots/charts/curve.gif"]
)
def test_unknown_chart_or_format_is_404(client, headers, path):
    assert client.get(path, headers=headers("admin")).status_code == 404
