"""GET /champions/{month} says whether HR may close the month now (`can_close`) and where its
last local day is still running (`running_sites`), as `rewards.champions.periods.month_status`.

NOW is 2026-11-20 12:00 UTC; the sites are in UTC: October is over, November is not."""

from __future__ import annotations

import pytest

from tests.rewards.month_world import CLOSE_AT, OCT, Month, utc


@pytest.fixture
def month(session, monkeypatch) -> Month:
    monkeypatch.setattr("api.http.champions.utcnow", lambda: CLOSE_AT)
    scn = Month(session).site("S1").site("S2").catalog()
    scn.person("E1", "S1").person("E2", "S2")
    scn.work("E1").book("E1", 12, utc(14, 9))
    return scn


@pytest.fixture
def hr(make_token) -> dict:
    return make_token("hr", name="hr-ann")


def test_a_month_over_everywhere_can_close(client, month, hr):
    body = client.get(f"/api/v1/champions/{OCT}", headers=hr).json
    assert (body["status"], body["can_close"], body["running_sites"]) == ("draft", True, [])
    assert "site_pk" not in body["champions"][0]


def test_a_running_month_cannot_close_and_names_its_sites(client, month, hr):
    body = client.get("/api/v1/champions/2026-11", headers=hr).json
    assert (body["can_close"], body["running_sites"]) == (False, ["S1", "S2"])


def test_a_closed_month_cannot_close_again(client, month, hr):
    assert client.post(f"/api/v1/champions/{OCT}/close", headers=hr).status_code == 200
    body = client.get(f"/api/v1/champions/{OCT}", headers=hr).json
    assert (body["status"], body["can_close"], body["running_sites"]) == ("closed", False, [])


def test_a_malformed_month_is_422_naming_month(client, month, hr):
    response = client.get("/api/v1/champions/2026-13", headers=hr)
    assert response.status_code == 422
    assert list(response.json["error"]["details"]) == ["month"]
