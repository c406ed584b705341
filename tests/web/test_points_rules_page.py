"""/points/rules ("How points work", from the live catalog and points config), its links from
/me and the board, and /me's last 7 days of points with the features behind them.

The team is tests/web/team.py (NOW Fri 2026-11-20 12:00 UTC): pos.sale 2 points, cap 6, core;
pos.refund 3 points, core; pos.void 1 point, cap 5. A made 2 sales on 11-17.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from adoption.masterdata.records import get_employee
from adoption.models import Feature
from rewards.awards import award_points
from rewards.points_config import create_points_rules
from tests.adoption.scoring.test_proficiency import NOW
from tests.web.html import table_rows, visible_text
from tests.web.team import build_team


@pytest.fixture
def team(session, page_clock):
    scn = build_team(session)
    session.scalars(
        select(Feature).where(Feature.action == "pos.refund")
    ).one().title = "Process a return"
    scn.feature("pos.refund.v2", alias_of="pos.refund")
    session.commit()
    return scn


@pytest.mark.parametrize("role", ["employee", "manager", "hr", "rollout_lead", "admin"])
def test_every_signed_in_role_reads_the_rules_from_the_catalog(team, sign_in, role):
    scope = {"employee": {"user_id": "A"}, "manager": {"sites": ["S1"]}}.get(role, {})
    response = sign_in(role, **scope).get("/points/rules")
    assert response.status_code == 200, response.text
    assert table_rows(response.text, "points-rules") == [
        ["Process a return pos.refund", "3", "no cap", "core", "pos.refund.v2"],
        ["pos.sale", "2", "6", "core", "—"],
        ["pos.void", "1", "5", "no", "—"],
    ]
    text = visible_text(response.text)
    assert "Points are confirmed at once." in text
    assert "at most 100 points (added or taken) per person and month" in text
    assert "Kudos carry no points." in text


def test_the_page_follows_the_active_config(team, session, sign_in):
    changes = {"void_window_hours": 48, "award_cap_per_month": 250, "kudos_points": 3}
    create_points_rules(session, changes, now=NOW, actor="admin")
    session.commit()
    text = visible_text(sign_in("employee", user_id="A").get("/points/rules").text)
    assert "Points are provisional for 48 h" in text
    assert "at most 250 points" in text and "A kudos carries 3 points." in text
    assert "points config version 2" in text


def test_an_anonymous_visitor_is_sent_to_the_login(team, client):
    response = client.get("/points/rules")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_me_and_the_board_link_to_the_rules(team, sign_in):
    client = sign_in("employee", user_id="A")
    assert 'href="/points/rules"' in client.get("/me").text
    assert 'href="/points/rules"' in client.get("/sites/S1/leaderboard").text


def test_me_lists_the_last_7_days_with_the_features_behind_them(team, session, sign_in):
    award_points(
        session,
        get_employee(session, "A"),
        points=7,
        reason="Helped at the tills",
        actor="hr",
        now=NOW,
    )
    session.commit()
    page = sign_in("employee", user_id="A").get("/me").text
    rows = table_rows(page, "recent-points")
    assert rows[0] == ["2026-11-20", "7", "award 7"]
    assert rows[3] == ["2026-11-17", "4", "pos.sale 4"]
    assert [r[0] for r in rows] == [f"2026-11-{day}" for day in range(20, 13, -1)]
    assert rows[1] == ["2026-11-19", "0", "—"]
