"""GET /pilots/hotspots: the chain's error hot spots the /pilots page shows (rollout lead, admin).
NOW is 2026-11-20 12:00 UTC: the window is [10-23, 11-19]."""

from __future__ import annotations

import pytest

from tests.adoption.scoring.test_proficiency import NOW
from tests.adoption.usage.test_hotspots import chain  # noqa: F401  (the fixture)

HOTSPOTS = "/api/v1/pilots/hotspots"


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("api.http.pilots.utcnow", lambda: NOW)


@pytest.mark.parametrize("role", ["rollout_lead", "admin"])
def test_hot_spots_are_the_chains_over_the_window(client, chain, make_token, role):  # noqa: F811
    response = client.get(HOTSPOTS, headers=make_token(role, name=role))
    assert response.status_code == 200
    body = response.json
    assert (body["from"], body["to"], body["min_attempts"]) == ("2026-10-23", "2026-11-19", 20)
    assert [(h["action"], h["attempts"], h["errors"]) for h in body["items"]] == [
        ("pos.sale", 20, 4),
        ("pos.refund", 25, 4),
    ]
    assert set(body["items"][0]) == {
        "action",
        "module",
        "attempts",
        "errors",
        "error_rate",
        "error_sites",
        "measured",
    }


@pytest.mark.parametrize("role", ["hr", "manager"])
def test_hot_spots_are_403_for_other_roles(client, make_site, make_token, role):
    make_site("S001")
    scope = {"sites": ["S001"]} if role == "manager" else {}
    response = client.get(HOTSPOTS, headers=make_token(role, name=role, **scope))
    assert response.status_code == 403
