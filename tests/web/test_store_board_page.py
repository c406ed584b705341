"""/stores/leaderboard (store vs store) on the chain of tests.rewards.test_store_board, the link
to it from the team board, and /me's window around the signed-in employee (tests/web/team.py).
"""

from __future__ import annotations

import dataclasses

import pytest

from tests.rewards.test_store_board import build_stores
from tests.web.html import table_rows, visible_text
from tests.web.team import build_team

PAGE = "/stores/leaderboard?period=2026-11"


@pytest.fixture
def settings(settings):
    """The default minimum group (5 people): only S1 is broken down."""
    return dataclasses.replace(settings, min_group=5)


@pytest.fixture
def stores(session, page_clock):
    return build_stores(session)


@pytest.mark.parametrize("role", ["rollout_lead", "hr", "admin"])
def test_store_page_lists_sites_per_head_with_head_count(stores, sign_in, role):
    response = sign_in(role).get(PAGE)
    assert response.status_code == 200, response.text
    # Small teams (under 5) keep their rank; a rollout lead does not see their values.
    hidden = role == "rollout_lead"
    assert table_rows(response.text, "stores") == [
        [
            "1 ▲1 up from rank 2",
            "S2 · Store S2 small team",
            "North",
            "2",
            "—" if hidden else "6.00",
        ],
        ["2 =same rank as before", "S1 · Store S1", "North", "5", "4.00"],
        [
            "3 ▼2 down from rank 1",
            "S3 · Store S3 small team",
            "South",
            "3",
            "—" if hidden else "1.33",
        ],
        [
            "3 ▼1 down from rank 2",
            "S5 · Store S5 small team",
            "South",
            "3",
            "—" if hidden else "1.33",
        ],
        ["5 =same rank as before", "S4 · Store S4 small team", "South", "0", "—"],
    ]


def test_manager_sees_every_store_but_no_people(stores, sign_in):
    response = sign_in("manager", sites=["S1"]).get(f"{PAGE}&metric=adoption_rate")
    assert response.status_code == 200
    assert [row[1] for row in table_rows(response.text, "stores")][:2] == [
        "S2 · Store S2 small team",
        "S1 · Store S1",
    ]
    assert "Person" not in visible_text(response.text)  # every display name is "Person …"


def test_a_region_scope_shows_its_stores_only(stores, sign_in):
    response = sign_in("hr").get(f"{PAGE}&scope=region:South")
    assert [row[1][:13] for row in table_rows(response.text, "stores")] == [
        "S3 · Store S3",
        "S5 · Store S5",
        "S4 · Store S4",
    ]


def test_employee_gets_the_403_page(stores, sign_in):
    response = sign_in("employee", user_id="A1").get(PAGE)
    assert response.status_code == 403


def test_a_bad_metric_is_the_400_page(stores, sign_in):
    assert sign_in("hr").get(f"{PAGE}&metric=improvement").status_code == 400


def test_team_board_links_to_the_store_page_for_managers_not_employees(stores, sign_in):
    manager = sign_in("manager", sites=["S1"]).get("/sites/S1/leaderboard")
    assert 'href="/stores/leaderboard"' in manager.text


def test_employee_board_has_no_store_link(stores, sign_in):
    employee = sign_in("employee", user_id="A1").get("/sites/S1/leaderboard")
    assert employee.status_code == 200
    assert "/stores/leaderboard" not in employee.text


@pytest.fixture
def me_page(session, page_clock, sign_in):
    """C on S1's 2026-11 points board: B 8 (#1), H 6 (#2), C 5 (#3), A 4 (#4), D 0 (#5)."""
    build_team(session)
    response = sign_in("employee", user_id="C").get("/me")
    assert response.status_code == 200, response.text
    return response.text


def test_me_shows_the_window_around_me_with_anonymous_colleagues(me_page):
    assert table_rows(me_page, "around") == [
        ["1", "Anonymous", "8"],
        ["2", "Anonymous", "6"],
        ["3", "Person C you", "5"],
        ["4", "Anonymous", "4"],
        ["5", "Anonymous", "0"],
    ]


def test_me_says_the_gap_to_the_rank_above_as_a_sentence(me_page):
    assert "1 point to #2" in visible_text(me_page)  # H's 6 − C's 5
