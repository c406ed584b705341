"""The pilot comparison, time to proficiency and chart downloads over HTTP
(GET /api/v1/pilots/comparison, /time-to-proficiency, /charts/…) on the simulated chain of
tests.pilots.chain.

Every test here only reads, so the module shares one seeded database per back end.
"""

from __future__ import annotations

import dataclasses

import pytest

from tests.conftest import BACKENDS
from tests.pilots.chain import CURVE_KEYS, NOW, seeded_database


@pytest.fixture(scope="module", params=BACKENDS)
def database_url(request, tmp_path_factory):
    yield from seeded_database(request, tmp_path_factory)


@pytest.fixture
def chain(session):
    """The seeded chain (see tests.pilots.chain)."""
    return session


@pytest.fixture
def lead(make_token, monkeypatch):
    """Bearer headers of a rollout lead, with the API's clock at NOW."""
    monkeypatch.setattr("api.http.pilots.utcnow", lambda: NOW)
    return make_token("rollout_lead", name="lead")


def test_rollout_lead_gets_the_comparison_over_http(chain, client, lead):
    response = client.get("/api/v1/pilots/comparison?metric=adoption_rate&week=1", headers=lead)
    assert response.status_code == 200
    body = response.json
    assert (body["metric"], body["week"]) == ("adoption_rate", 1)
    assert set(body["pilot"]) == set(body["control"]) == {"n_sites", "mean"}
    assert body["effect"]["estimate"] > 0 and body["effect"]["p_value_mc_se"] is None
    assert all(set(row) == CURVE_KEYS for row in body["curve"])
    assert any("Fewer than 5 sites" in caveat for caveat in body["caveats"])


def test_rollout_lead_gets_time_to_proficiency_over_http(chain, client, lead):
    response = client.get("/api/v1/pilots/time-to-proficiency", headers=lead)
    assert response.status_code == 200
    assert {"pilot", "control", "log_rank", "method", "caveats"} <= set(response.json)
    assert response.json["pilot"]["curve"][0]["at_risk"] == response.json["pilot"]["n"]


@pytest.mark.parametrize(
    ("chart", "fmt", "content_type", "magic"),
    [
        ("curve", "svg", "image/svg+xml", b"<?xml"),
        ("effect", "png", "image/png", b"\x89PNG"),
        ("time-to-proficiency", "svg", "image/svg+xml", b"<?xml"),
    ],
)
def test_charts_download_for_slide_decks(chain, client, lead, chart, fmt, content_type, magic):
    response = client.get(f"/api/v1/pilots/charts/{chart}.{fmt}?metric=adoption_rate", headers=lead)
    assert response.status_code == 200
    assert response.mimetype == content_type
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert f'.{fmt}"' in response.headers["Content-Disposition"]
    assert response.data.startswith(magic)


@pytest.mark.parametrize(("role", "withheld"), [("rollout_lead", True), ("admin", False)])
def test_site_values_over_fewer_people_than_the_minimum_group_are_withheld_from_rollout_leads(
    chain, app, client, make_token, monkeypatch, role, withheld
):
    # The effect rests on whole groups of sites and stays; one site's value is an aggregate
    # over its people, withheld below UPTAKE_MIN_GROUP (docs/privacy.md) except for hr/admin.
    monkeypatch.setattr("api.http.pilots.utcnow", lambda: NOW)
    settings = app.extensions["uptake"].settings
    biggest = max(row["population"] for row in comparison(client, make_token("admin")))
    smaller = dataclasses.replace(settings, min_group=biggest + 1)
    monkeypatch.setattr(app.extensions["uptake"], "settings", smaller)
    sites = comparison(client, make_token(role, name=f"{role}-min"))
    assert sites and all(row["suppressed"] is withheld for row in sites)
    assert all((row["value"] is None) is withheld for row in sites)


def comparison(client, headers) -> list[dict]:
    response = client.get("/api/v1/pilots/comparison?metric=adoption_rate&week=1", headers=headers)
    assert response.status_code == 200
    return response.json["sites"]


def test_the_comparison_gives_the_verdict_in_the_readers_language(chain, client, lead):
    path = "/api/v1/pilots/comparison?metric=adoption_rate&week=1"
    english = client.get(path, headers=lead).json["verdict"]
    assert english[0].startswith(("Pilot stores", "There is no detectable difference"))
    chinese = client.get(path, headers={**lead, "Accept-Language": "zh-CN"}).json["verdict"]
    assert len(chinese) == len(english)
