"""/api/v1/targets: create, read with progress, replace, delete; 422 naming the field, 404 JSON,
who may call what (the chain: tests.pilots.targets_world)."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from adoption.models import AuditLog
from tests.adoption.scoring.test_proficiency import NOW
from tests.pilots.targets_world import ADOPTION_BY_WEEK_3, build

URL = "/api/v1/targets"


@pytest.fixture
def settings(settings):
    """Sites of fewer than 3 people have their values withheld from the rollout lead: B (2)."""
    return dataclasses.replace(settings, min_group=3)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("api.http.targets.utcnow", lambda: NOW)


@pytest.fixture
def chain(session):
    return build(session)


@pytest.fixture
def lead(make_token):
    return make_token("rollout_lead", name="lead")


def test_round_trip_create_read_replace_delete(chain, client, lead):
    created = client.post(URL, json=ADOPTION_BY_WEEK_3, headers=lead)
    assert created.status_code == 201
    target_id = created.json["id"]
    assert created.headers["Location"].endswith(f"{URL}/{target_id}")
    assert created.json["created_by"] == "lead"
    got = client.get(f"{URL}/{target_id}", headers=lead).json
    assert {k: got[k] for k in ADOPTION_BY_WEEK_3} == ADOPTION_BY_WEEK_3
    assert got["deadline_on"] is None
    replaced = client.put(
        f"{URL}/{target_id}",
        json={**ADOPTION_BY_WEEK_3, "deadline_week": None, "deadline_on": "2026-11-15"},
        headers=lead,
    )
    assert (replaced.status_code, replaced.json["deadline_on"]) == (200, "2026-11-15")
    assert replaced.json["deadline_week"] is None
    deleted = client.delete(f"{URL}/{target_id}", headers=lead)
    assert (deleted.status_code, deleted.data) == (204, b"")
    assert client.get(f"{URL}/{target_id}", headers=lead).status_code == 404


def test_get_answers_progress_per_site_and_overall(chain, client, lead):
    target_id = client.post(URL, json=ADOPTION_BY_WEEK_3, headers=lead).json["id"]
    progress = client.get(f"{URL}/{target_id}", headers=lead).json["progress"]
    # tests/pilots/test_targets.py: A final 0.75, B projected 1.0; (0.75 × 4 + 1 × 2) ÷ 6.
    assert progress["status"] == "on_track"
    assert progress["value"] == pytest.approx(5 / 6)
    assert "aligned curve" in progress["method"]
    sites = {s["site_id"]: s for s in progress["sites"]}
    assert set(sites) == {"A", "B", "C"}
    assert (sites["A"]["value"], sites["A"]["final"], sites["A"]["status"]) == (
        0.75,
        True,
        "missed",
    )
    assert (sites["A"]["suppressed"], sites["B"]["suppressed"]) == (False, True)
    assert sites["B"]["projected_value"] is None  # 2 people: fewer than the minimum group
    assert sites["B"]["status"] is None  # whether it meets the threshold would tell its value
    assert progress["sites_without_go_live"] == ["D"]
    assert (progress["population"], progress["suppressed"]) == (6, False)


def test_an_overall_value_of_too_few_people_is_withheld_too(chain, client, lead, make_token):
    """With one small site in the population, its overall value would be that site's."""
    body = {**ADOPTION_BY_WEEK_3, "population": "region", "population_value": "South"}
    target_id = client.post(URL, json=body, headers=lead).json["id"]
    progress = client.get(f"{URL}/{target_id}", headers=lead).json["progress"]
    assert (progress["value"], progress["suppressed"]) == (None, True)
    listed = next(r for r in client.get(URL, headers=lead).json if r["id"] == target_id)
    assert listed["value"] is None
    hr = make_token("hr", name="hr")
    assert client.get(f"{URL}/{target_id}", headers=hr).json["progress"]["value"] == 1.0


def test_hr_sees_every_sites_values(chain, client, lead, make_token):
    target_id = client.post(URL, json=ADOPTION_BY_WEEK_3, headers=lead).json["id"]
    hr = make_token("hr", name="hr")
    sites = client.get(f"{URL}/{target_id}", headers=hr).json["progress"]["sites"]
    assert {s["site_id"]: s["projected_value"] for s in sites}["B"] == 1.0


def test_the_list_carries_each_targets_overall_status_and_value(chain, client, lead):
    client.post(URL, json=ADOPTION_BY_WEEK_3, headers=lead)
    client.post(URL, json={**ADOPTION_BY_WEEK_3, "population": "pilots"}, headers=lead)
    rows = client.get(URL, headers=lead).json
    assert [(r["population"], r["status"], r["final"]) for r in rows] == [
        ("all", "on_track", False),
        ("pilots", "missed", True),
    ]
    assert rows[1]["value"] == 0.75


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"metric": "happiness"}, "metric"),
        ({"threshold": 80}, "threshold"),
        ({"threshold": "0.8"}, "threshold"),
        ({"deadline_on": "2027-03-01"}, "deadline_on"),
        ({"deadline_week": -1}, "deadline_week"),
        ({"population": "wave"}, "population_value"),
        ({"population": "region", "population_value": "Atlantis"}, "population_value"),
        ({"population": "wave", "population_value": {"n": 1}}, "population_value"),
        ({"population": "wave", "population_value": "²"}, "population_value"),
        ({"population": "region", "population_value": "North\x00"}, "population_value"),
        ({"notes": "a\x00b"}, "notes"),
        ({"name": ""}, "name"),
        ({"id": 7}, "id"),
    ],
)
def test_a_bad_body_is_422_naming_the_field(chain, client, lead, changes, field):
    response = client.post(URL, json={**ADOPTION_BY_WEEK_3, **changes}, headers=lead)
    assert response.status_code == 422
    assert field in response.json["error"]["details"]


def test_a_missing_field_is_422_naming_it(client, lead):
    body = {k: v for k, v in ADOPTION_BY_WEEK_3.items() if k != "metric"}
    response = client.post(URL, json=body, headers=lead)
    assert (response.status_code, list(response.json["error"]["details"])) == (422, ["metric"])


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_an_unknown_id_is_404_json(chain, client, lead, method):
    body = ADOPTION_BY_WEEK_3 if method == "PUT" else None
    response = client.open(f"{URL}/999", method=method, json=body, headers=lead)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_changes_are_audited_under_the_callers_name(chain, client, lead, session):
    target_id = client.post(URL, json=ADOPTION_BY_WEEK_3, headers=lead).json["id"]
    client.delete(f"{URL}/{target_id}", headers=lead)
    rows = session.execute(
        select(AuditLog.action, AuditLog.actor).where(AuditLog.target_type == "target")
    ).all()
    assert sorted(rows) == [("target.add", "lead"), ("target.remove", "lead")]


@pytest.mark.parametrize("role", ["manager", "employee", "ingest"])
def test_other_roles_get_403(chain, client, make_token, role):
    scope = {"manager": {"sites": ["A"]}, "employee": {"user_id": "A1"}}.get(role, {})
    headers = make_token(role, name=f"{role}-t", **scope)
    assert client.get(URL, headers=headers).status_code == 403


def test_hr_may_read_but_not_change(client, make_token):
    hr = make_token("hr", name="hr")
    assert client.get(URL, headers=hr).status_code == 200
    assert client.post(URL, json=ADOPTION_BY_WEEK_3, headers=hr).status_code == 403
