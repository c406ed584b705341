"""GET /api/v1/leaderboards: who may see which board, anonymity of opted-out people, and 422s
and 404s for bad scopes and periods (the chain of tests.rewards.board_world).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.adoption.scoring.test_proficiency import NOW, Scenario
from tests.rewards.board_world import board_chain


@pytest.fixture
def chain(session) -> Scenario:
    """The chain of tests.rewards.board_world."""
    return board_chain(session)


API = "/api/v1/leaderboards"
TOKENS = {
    "manager": {"sites": ["S1"]},
    "employee": {"user_id": "A"},
}


def get(client, make_token, role: str, query: str):
    headers = make_token(role, name=f"{role}-board", **TOKENS.get(role, {}))
    return client.get(f"{API}?{query}", headers=headers)


@pytest.mark.parametrize("role", ["manager", "employee", "rollout_lead"])
def test_opted_out_employee_is_anonymous_to_non_hr_roles(chain, client, make_token, role):
    response = get(client, make_token, role, "scope=site:S1&period=all")
    assert response.status_code == 200
    names = {(e["user_id"], e["display_name"]) for e in response.json["entries"]}
    assert (None, "Anonymous") in names
    assert all(user != "H" for user, _ in names)


@pytest.mark.parametrize("role", ["hr", "admin"])
def test_opted_out_employee_is_named_to_hr_and_admin(chain, client, make_token, role):
    response = get(client, make_token, role, "scope=site:S1&period=all")
    names = {(e["user_id"], e["display_name"]) for e in response.json["entries"]}
    assert ("H", "Person H") in names
    assert "Anonymous" not in {name for _, name in names}


@pytest.mark.parametrize("period", ["2026-13", "2026-W54", "26-11", "2026-W1", "last-month"])
def test_malformed_period_is_422(chain, client, make_token, period):
    response = get(client, make_token, "hr", f"scope=site:S1&period={period}")
    assert response.status_code == 422
    assert list(response.json["error"]["details"]) == ["period"]


@pytest.mark.parametrize("scope", ["region:North", "chain", "site:S2"])
def test_manager_gets_403_on_a_region_chain_or_other_site(chain, client, make_token, scope):
    response = get(client, make_token, "manager", f"scope={scope}&period=all")
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_employee_gets_403_outside_its_home_sites_board(chain, client, make_token):
    assert get(client, make_token, "employee", "scope=site:S2&period=all").status_code == 403


def test_manager_sees_the_board_of_its_site(chain, client, make_token):
    response = get(client, make_token, "manager", "scope=site:s1&period=all&metric=points")
    assert response.status_code == 200
    assert response.json["scope"] == "site:S1"
    assert response.json["metric"] == "points"


@pytest.mark.parametrize(
    ("now", "period"),
    [
        (datetime(2026, 11, 23, 9, tzinfo=UTC), "2026-W48"),  # the current week on its Monday
        (datetime(2026, 12, 1, 9, tzinfo=UTC), "2026-12"),  # the current month on the 1st
        (NOW, "2027-01"),  # a future month
    ],
)
def test_a_well_formed_period_is_never_422(chain, client, make_token, monkeypatch, now, period):
    monkeypatch.setattr("api.http.leaderboards.utcnow", lambda: now)
    for metric in ("points", "proficiency", "improvement"):
        response = get(client, make_token, "hr", f"scope=site:S1&period={period}&metric={metric}")
        assert response.status_code == 200, response.json
        assert response.json["period"] == period


def test_unknown_scope_kind_is_422(chain, client, make_token):
    response = get(client, make_token, "hr", "scope=store:S1&period=all")
    assert response.status_code == 422
    assert list(response.json["error"]["details"]) == ["scope"]


def test_unknown_region_is_404(chain, client, make_token):
    assert get(client, make_token, "hr", "scope=region:Atlantis&period=all").status_code == 404
