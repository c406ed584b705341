"""Fair starts on the pages: "Not started" instead of 22.50 on /me and the board, "Goes live on D"
instead of a board of zeros, and the rookie division when the points config offers it."""

from __future__ import annotations

import pytest

from adoption.masterdata import records
from rewards.points_config import create_points_rules
from tests.adoption.scoring.test_proficiency import NOW
from tests.web.html import table_rows, visible_text
from tests.web.team import build_team, d

BOARD = "/sites/S1/leaderboard"


@pytest.fixture
def team(session, page_clock):
    scn = build_team(session)
    scn.person("Z", "S1", hired_on=d(11, 2))  # rostered, no usage at all
    session.commit()
    return scn


def test_me_says_not_started_for_someone_without_a_core_attempt(team, sign_in):
    text = visible_text(sign_in("employee", user_id="Z").get("/me").text)
    assert "Not started" in text
    assert "22.50" not in text
    assert "No tries on core features in the last 28 days" in text


def test_the_proficiency_board_ranks_not_started_last_with_a_dash(team, sign_in):
    rows = table_rows(sign_in("hr").get(f"{BOARD}?metric=proficiency").text, "board")
    last = rows[-1]
    assert last[1].startswith("Person Z")
    assert last[4] == "—"
    assert "Not started" in last[2]


def test_a_store_before_its_go_live_shows_the_date_not_a_board_of_zeros(team, sign_in, session):
    records.get_site(session, "S1").go_live_on = d(12, 1)
    session.commit()
    page = sign_in("hr").get(BOARD)
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "Goes live on" in text
    assert '<table class="board"' not in page.text


def test_the_rookie_division_is_offered_only_when_the_config_says_so(team, sign_in, session):
    hr = sign_in("hr")
    assert 'name="division"' not in hr.get(BOARD).text
    create_points_rules(session, {"rookie_division": True}, now=NOW, actor="test")
    session.commit()
    assert 'name="division"' in hr.get(BOARD).text
    rows = table_rows(hr.get(f"{BOARD}?period=month&division=rookies").text, "board")
    assert [r[1].split()[:2] for r in rows] == [["Person", "Z"]]  # hired 11-02: 18 days ago
    assert hr.get(f"{BOARD}?division=juniors").status_code == 400


def test_me_gives_a_next_goal_with_missing_features_badges_and_a_trend(team, sign_in):
    # B: 3 sales 11-10 and 1 on 11-18, never a refund. In the window ending 11-19, pos.sale has
    # 4 successes (enough for breadth) and pos.refund none.
    page = sign_in("employee", user_id="B").get("/me")
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "Your next goal" in text
    assert "pos.refund : 0 of 3 — 3 more" in text  # the title, else the action
    assert "pos.sale :" not in text
    assert "Badges to earn" in text and "Explorer" in text  # C holds it, B does not
    assert 'role="progressbar"' in page.text
    # Scores on 11-12 and 11-19 (B's 11-10 sales are in both windows): a trend line.
    assert '<svg class="trend"' in page.text


def test_a_trend_needs_two_weeks_with_a_score(team, sign_in):
    # A's only events are on 11-17: a score on 11-19 only.
    text = visible_text(sign_in("employee", user_id="A").get("/me").text)
    assert "Your trend shows once you have a score on two of the last 8 weeks." in text
