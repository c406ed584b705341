"""/me: an employee's own score and why, points today and left under each cap, badges, rank.

The team is tests/web/team.py; C signs in. Today (11-20) before noon C makes 4 sales (2 points
each, cap 6: 2 + 2 + 2 + 0) and 1 refund (3 points, no cap): 9 points today.
"""

from __future__ import annotations

import pytest

from tests.adoption.scoring.test_proficiency import at
from tests.web.html import table_rows, visible_text
from tests.web.team import build_team, d


@pytest.fixture
def me(session, page_clock, sign_in):
    scn = build_team(session)
    scn.send(
        scn.ev("C", "pos.sale", at(d(11, 20), 8), times=4),
        scn.ev("C", "pos.refund", at(d(11, 20), 9)),
    )
    client = sign_in("employee", user_id="C")
    response = client.get("/me")
    assert response.status_code == 200, response.text
    return response.text


def test_me_shows_the_score_and_level_of_yesterday(me):
    # C on 11-19: 100 × (0 + 0.25 × 0.3 + 0.20 × 0.5 + 0.20 × 2/8) = 22.50, Novice.
    text = visible_text(me)
    assert "22.50 / 100 Novice As of 2026-11-19" in text
    assert "Next: Developing — 17.50 more points." in text  # 40 − 22.50


def test_me_explains_each_component_in_plain_words(me):
    rows = table_rows(me, "components")
    # (part, value, weight, adds = 100 × weight × value)
    assert [r[:4] for r in rows] == [
        ["Breadth", "0%", "35%", "0.0"],
        ["Accuracy", "30%", "25%", "7.5"],
        ["Speed", "50%", "20%", "10.0"],
        ["Consistency", "25%", "20%", "5.0"],
    ]
    assert "core features you used successfully at least 3 times" in rows[0][4]


def test_me_shows_points_today_before_the_points_job_books_them(me):
    text = visible_text(me)
    assert "Points today 9" in text  # 2 + 2 + 2 (cap 6) + 3


def test_me_shows_points_left_today_per_capped_feature(me):
    # pos.sale: 6 of 6 earned; pos.void: unused, 5 left; pos.refund has no cap.
    assert table_rows(me, "capped") == [
        ["pos.sale", "2", "6 / 6", "cap reached"],
        ["pos.void", "1", "0 / 5", "5"],
    ]


def test_me_lists_the_badges_with_their_criterion(me):
    text = visible_text(me)
    assert "Explorer 2026-11-18 Every core feature" in text


def test_me_shows_the_position_on_the_home_board(me):
    text = visible_text(me)
    # W47: H 6, A 4, C 3 …; 2026-11: B 8, H 6, C 5 … (today's points are not on the board yet).
    assert "This week (2026-W47): #3 of 5 with 3 points" in text
    assert "This month (2026-11): #3 of 5 with 5 points" in text


def test_opted_out_employee_still_finds_its_own_position(session, page_clock, sign_in):
    build_team(session)
    text = visible_text(sign_in("employee", user_id="H").get("/me").text)
    assert "This week (2026-W47): #1 of 5 with 6 points" in text


def test_me_shows_only_the_signed_in_employees_figures(me):
    assert "Person A" not in visible_text(me)


def test_proficient_since_and_top_level_are_shown(session, page_clock, sign_in):
    scn = build_team(session)
    scn.site("S9").person("P", "S9")
    # P alone at S9, 3 sales + 3 refunds every day 11-01..11-10: 6 core attempts a day, so the
    # 20 needed are reached on 11-04 (24). That day: breadth 1, accuracy 25/26, speed 0.5,
    # consistency 1 → 100 × (0.35 + 0.25 × 0.9615 + 0.10 + 0.20) = 89.04, Expert.
    scn.send(
        *(
            scn.ev("P", action, d(11, day), times=3)
            for day in range(1, 11)
            for action in ("pos.sale", "pos.refund")
        )
    )
    text = visible_text(sign_in("employee", user_id="P").get("/me").text)
    assert "Proficient since 2026-11-04" in text
    assert "You are at the top level." in text
