"""GET /api/v1/leaderboards/around and GET /api/v1/leaderboards?unit=site: who may ask, the
answers' shape, and the 403s, 404s and 422s naming the field.

Around: the chain of tests.rewards.board_world (S1's W46 points board: H 10, A 6, B 6, C 2, I 0).
Store boards: the chain of tests.rewards.test_store_board (2026-11 per head: S2 6.00, S1 4.00).
"""

from __future__ import annotations

import dataclasses

import pytest

from tests.adoption.scoring.test_proficiency import NOW
from tests.rewards.board_world import board_chain
from tests.rewards.test_store_board import build_stores

API = "/api/v1/leaderboards"
AROUND = f"{API}/around?scope=site:S1&period=2026-W46"


@pytest.fixture
def settings(settings):
    """The default minimum group (5 people): S2's 2 people are not broken down."""
    return dataclasses.replace(settings, min_group=5)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr("api.http.leaderboards.utcnow", lambda: NOW)


def get(client, make_token, role: str, url: str, **token):
    headers = make_token(role, name=f"{role}-{len(url)}", **token)
    return client.get(url, headers=headers)


class TestAround:
    @pytest.fixture(autouse=True)
    def chain(self, session):
        return board_chain(session)

    def test_employee_gets_its_own_window(self, client, make_token):
        response = get(client, make_token, "employee", f"{AROUND}&user_id=C&n=1", user_id="C")
        assert response.status_code == 200, response.json
        body = response.json
        assert (body["user_id"], body["rank"], body["value"], body["gap"]) == (
            "C",
            4,
            2,
            {"rank": 2, "points": 4},
        )
        # n = 1 reaches B (#2); A shares #2, so it comes too; colleagues are Anonymous.
        assert [(e["rank"], e["user_id"]) for e in body["entries"]] == [
            (2, None),
            (2, None),
            (4, "C"),
            (5, None),
        ]

    @pytest.mark.parametrize("asked", ["A", "nobody"])
    def test_employee_asking_for_anyone_else_gets_403(self, client, make_token, asked):
        url = f"{AROUND}&user_id={asked}"
        response = get(client, make_token, "employee", url, user_id="C")
        assert response.status_code == 403
        assert response.json["error"]["details"] == {"user_id": asked}

    def test_manager_gets_a_window_of_its_sites_people(self, client, make_token):
        url = f"{AROUND}&user_id=B&n=0"
        response = get(client, make_token, "manager", url, sites=["S1"])
        assert response.status_code == 200
        assert [e["user_id"] for e in response.json["entries"]] == ["A", "B"]  # the #2 tie

    def test_manager_asking_for_another_stores_person_gets_the_unknown_id_404(
        self, client, make_token
    ):
        headers = make_token("manager", name="m1", sites=["S2"])
        url = f"{API}/around?scope=site:S2&period=2026-W46"
        other = client.get(f"{url}&user_id=a", headers=headers)  # A's home is S1
        unknown = client.get(f"{url}&user_id=a-nobody", headers=headers)
        assert other.status_code == unknown.status_code == 404
        assert other.json["error"]["message"] == "No employee 'a'."
        assert other.json["error"]["details"] == {"user_id": "a"}

    def test_manager_may_not_ask_around_an_opted_out_person(self, client, make_token):
        response = get(client, make_token, "manager", f"{AROUND}&user_id=H", sites=["S1"])
        assert response.status_code == 403  # H would be the one Anonymous row asked about
        assert response.json["error"]["details"] == {"user_id": "H"}

    def test_rollout_lead_sees_nobody_by_name_so_may_not_ask(self, client, make_token):
        response = get(client, make_token, "rollout_lead", f"{AROUND}&user_id=A")
        assert response.status_code == 403

    def test_hr_sees_anyone_by_name(self, client, make_token):
        response = get(client, make_token, "hr", f"{AROUND}&user_id=H&n=1")
        assert response.status_code == 200
        assert [e["user_id"] for e in response.json["entries"]] == ["H", "A", "B"]
        assert response.json["gap"] is None  # first

    def test_a_person_not_on_the_board_is_404_naming_user_id(self, client, make_token):
        response = get(client, make_token, "hr", f"{AROUND}&user_id=F")  # left 10-31
        assert response.status_code == 404
        assert response.json["error"]["details"] == {"user_id": "F"}

    @pytest.mark.parametrize("n", ["11", "-1", "two"])
    def test_n_outside_0_to_10_is_422_naming_n(self, client, make_token, n):
        response = get(client, make_token, "hr", f"{AROUND}&user_id=A&n={n}")
        assert response.status_code == 422
        assert list(response.json["error"]["details"]) == ["n"]

    def test_employee_may_not_ask_on_another_sites_board(self, client, make_token):
        url = f"{API}/around?scope=site:S2&period=2026-W46&user_id=C"
        assert get(client, make_token, "employee", url, user_id="C").status_code == 403


class TestStoreBoard:
    @pytest.fixture(autouse=True)
    def stores(self, session):
        return build_stores(session)

    URL = f"{API}?scope=chain&unit=site&period=2026-11"

    @pytest.mark.parametrize("role", ["rollout_lead", "hr", "manager", "admin"])
    def test_store_board_ranks_sites_per_head(self, client, make_token, role):
        token = {"sites": ["S1"]} if role == "manager" else {}
        response = get(client, make_token, role, self.URL, **token)
        assert response.status_code == 200, response.json
        body = response.json
        assert (body["scope"], body["period"], body["metric"], body["unit"]) == (
            "chain",
            "2026-11",
            "points",
            "site",
        )
        # S2 has 2 heads, under the minimum group of 5: managers and rollout leads see its
        # rank but not its value (docs/privacy.md "Small groups").
        small = None if role in ("manager", "rollout_lead") else 6.0
        assert body["entries"][0] == {
            "rank": 1,
            "site_id": "S2",
            "name": "Store S2",
            "region": "North",
            "head_count": 2,
            "value": small,
            "broken_down": False,
            "previous_rank": 2,
            "change": 1,
        }
        assert [(e["site_id"], e["value"]) for e in body["entries"][:2]] == [
            ("S2", small),
            ("S1", 4.0),
        ]

    def test_adoption_rate_is_a_fraction_with_4_decimals(self, client, make_token):
        response = get(client, make_token, "hr", f"{self.URL}&metric=adoption_rate")
        assert [e["value"] for e in response.json["entries"]] == [1.0, 0.6, 0.3333, 0.3333, None]

    def test_employee_gets_403(self, client, make_token):
        assert get(client, make_token, "employee", self.URL, user_id="A1").status_code == 403

    def test_a_site_scope_is_422_naming_unit(self, client, make_token):
        url = f"{API}?scope=site:S1&unit=site&period=2026-11"
        response = get(client, make_token, "hr", url)
        assert response.status_code == 422
        assert list(response.json["error"]["details"]) == ["unit"]

    @pytest.mark.parametrize(
        ("unit", "metric"), [("site", "improvement"), ("person", "adoption_rate")]
    )
    def test_a_metric_of_the_other_unit_is_422_naming_metric(
        self, client, make_token, unit, metric
    ):
        url = f"{API}?scope=chain&unit={unit}&metric={metric}&period=2026-11"
        response = get(client, make_token, "hr", url)
        assert response.status_code == 422
        assert list(response.json["error"]["details"]) == ["metric"]

    def test_unknown_unit_is_422(self, client, make_token):
        response = get(client, make_token, "hr", f"{API}?scope=chain&unit=region")
        assert list(response.json["error"]["details"]) == ["unit"]

    def test_person_boards_are_unchanged_by_default(self, client, make_token):
        response = get(client, make_token, "hr", f"{API}?scope=site:S1&period=2026-11")
        assert "unit" not in response.json
        assert response.json["entries"][0]["user_id"] == "A1"  # 10 points


def test_a_small_stores_value_is_withheld_from_managers_not_from_hr(session, client, make_token):
    """min_group is 5 here: S2 has 2 heads, S3 and S5 have 3 (tests.rewards.test_store_board)."""
    build_stores(session)
    url = "/api/v1/leaderboards?scope=chain&unit=site&period=2026-11"
    manager = get(client, make_token, "manager", url, sites=["S1"]).json["entries"]
    hr = get(client, make_token, "hr", url).json["entries"]
    assert [e["rank"] for e in manager] == [e["rank"] for e in hr]  # ranked on real values
    small = {e["site_id"]: e for e in manager if not e["broken_down"]}
    assert small and all(e["value"] is None for e in small.values())
    assert all(e["value"] is not None for e in hr if e["site_id"] in small and e["head_count"])
