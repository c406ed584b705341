"""GET /api/v1/pilots/readiness and GET/PUT /api/v1/pilots/readiness/rules: the gate's contract
shape, rule replacement, 422s and who may call them (sites and rules: tests.pilots.readiness_world).
"""

from __future__ import annotations

import pytest

from tests.adoption.scoring.test_proficiency import NOW, Scenario
from tests.pilots.readiness_world import ADOPTION_80, add_rule, live_site, scenario

SCOPE = {"manager": {"sites": ["P1"]}, "employee": {"user_id": "A"}}


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("api.http.pilots.utcnow", lambda: NOW)


@pytest.fixture
def scn(session) -> Scenario:
    return scenario(session)


@pytest.fixture
def lead(make_token):
    return make_token("rollout_lead", name="lead")


def test_api_answers_the_contract_shape(scn, session, client, lead):
    live_site(scn, "P1", {"A": [3, 10]}, is_pilot=True)
    rule = add_rule(session)
    body = client.get("/api/v1/pilots/readiness?wave=2", headers=lead).json
    assert {"wave", "decision", "rules"} <= set(body)
    assert body["rules"][0]["rule"] == rule
    assert {"site_id", "week", "value"} <= set(body["rules"][0]["evidence"][0])


@pytest.mark.parametrize("path", ["?wave=0", "?wave=soon", ""])
def test_api_bad_wave_is_422(client, lead, path):
    response = client.get(f"/api/v1/pilots/readiness{path}", headers=lead)
    assert response.status_code == 422
    assert "wave" in response.json["error"]["details"]


def test_put_rules_replaces_the_set_and_keeps_unchanged_ids(client, lead):
    other = {**ADOPTION_80, "metric": "stickiness", "threshold": 0.5}
    first = client.put("/api/v1/pilots/readiness/rules", json=[ADOPTION_80, other], headers=lead)
    assert first.status_code == 200
    kept = first.json[0]["id"]
    second = client.put("/api/v1/pilots/readiness/rules", json=[ADOPTION_80], headers=lead)
    assert [r["id"] for r in second.json] == [kept]
    assert client.get("/api/v1/pilots/readiness/rules", headers=lead).json == second.json


@pytest.mark.parametrize(
    "bad",
    [{"metric": "happiness"}, {"threshold": 1.5}, {"weeks": 0}, {"scope": "chain"}],
)
def test_put_rules_rejects_a_bad_rule_with_422(client, lead, bad):
    response = client.put(
        "/api/v1/pilots/readiness/rules", json=[{**ADOPTION_80, **bad}], headers=lead
    )
    assert response.status_code == 422


@pytest.mark.parametrize("role", ["manager", "hr", "employee", "ingest"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/pilots/readiness?wave=2"),
        ("GET", "/api/v1/pilots/readiness/rules"),
        ("PUT", "/api/v1/pilots/readiness/rules"),
    ],
)
def test_other_roles_get_403(scn, client, make_token, role, method, path):
    live_site(scn, "P1", {"A": [3]}, is_pilot=True)
    headers = make_token(role, name=f"{role}-t", **SCOPE.get(role, {}))
    response = client.open(
        path, method=method, json=[] if method == "PUT" else None, headers=headers
    )
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_rules_from_a_get_can_be_sent_back_unchanged(client, lead):
    stored = client.put("/api/v1/pilots/readiness/rules", json=[ADOPTION_80], headers=lead).json
    again = client.put("/api/v1/pilots/readiness/rules", json=stored, headers=lead)
    assert (again.status_code, again.json) == (200, stored)
