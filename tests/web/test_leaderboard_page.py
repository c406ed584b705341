"""The team leaderboard page: the table, the period and metric switch, TV mode, who is stuck."""

from __future__ import annotations

import pytest

from adoption.masterdata import records
from adoption.scoring import proficiency
from adoption.scoring.rules import load_rules
from tests.web.html import table_rows, visible_text
from tests.web.team import build_team, d

BOARD = "/sites/S1/leaderboard"


@pytest.fixture
def team(session, page_clock):
    return build_team(session)


def board(client, query: str = "") -> list[list[str]]:
    response = client.get(f"{BOARD}{query}")
    assert response.status_code == 200, response.text
    return table_rows(response.text, "board")


def ranked(rows) -> list[tuple[str, str, str]]:
    """(rank, name, value) per row (the rank without its movement since the previous period)."""
    return [(r[0].split()[0], r[1], r[4]) for r in rows]


def test_each_rank_shows_its_movement_since_the_previous_period(team, sign_in):
    """W47 against W46 (B 6, C 2, then A, D, H with 0 at rank 3): up, down, the same; a row
    shown as Anonymous shows none, and nobody is "new" on a board of people all there before."""
    hr = sign_in("hr")
    assert [r[0] for r in board(hr)] == [
        "1 ▲2 up from rank 3",  # H
        "2 ▲1 up from rank 3",  # A
        "3 ▼1 down from rank 2",  # C
        "4 ▼3 down from rank 1",  # B
        "5 ▼2 down from rank 3",  # D
    ]
    assert [r[0] for r in board(hr, "?period=all")] == ["1", "2", "2", "4", "5"]  # no arrows


def test_an_anonymous_row_shows_no_movement(team, sign_in):
    manager = sign_in("manager", sites=["S1"])
    rows = board(manager)
    assert rows[0][:2] == ["1", "Anonymous"]  # H, opted out
    assert rows[1][0] == "2 ▲1 up from rank 3"


def test_default_board_is_this_weeks_points(team, sign_in):
    client = sign_in("manager", sites=["S1"])
    # W47 up to today, 11-20 (no points today): H 6 (anonymous to a manager), A 4, C 3, B 2, D 0.
    assert ranked(board(client)) == [
        ("1", "Anonymous", "6"),
        ("2", "Person A", "4"),
        ("3", "Person C", "3"),
        ("4", "Person B", "2"),
        ("5", "Person D", "0"),
    ]


def test_board_page_names_the_period_and_its_last_day(team, sign_in):
    client = sign_in("manager", sites=["S1"])
    # Points run to today (11-20) in the current period; scores stop at yesterday (11-19).
    assert "This week (2026-W47), up to 2026-11-20" in visible_text(client.get(BOARD).text)
    scores = visible_text(client.get(f"{BOARD}?metric=proficiency").text)
    assert "This week (2026-W47), up to 2026-11-19" in scores


def test_last_week_ties_share_a_rank_listed_by_user_id(team, sign_in):
    client = sign_in("hr")
    # W46: B 6, C 2; A, D and H have 0 and share rank 3 (1, 2, 3, 3, 3).
    assert ranked(board(client, "?period=last-week")) == [
        ("1", "Person B", "6"),
        ("2", "Person C", "2"),
        ("3", "Person A", "0"),
        ("3", "Person D", "0"),
        ("3", "Person H", "0"),
    ]


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        # 2026-11 up to 11-19: B 6 + 2, H 6, C 2 + 3, A 4, D 0.
        ("month", [("B", "8"), ("H", "6"), ("C", "5"), ("A", "4"), ("D", "0")]),
        # October: only D earned (3 × 2); the others tie at 0.
        ("last-month", [("D", "6"), ("A", "0"), ("B", "0"), ("C", "0"), ("H", "0")]),
        # All time: B 8, D 6 = H 6, C 5, A 4.
        ("all", [("B", "8"), ("D", "6"), ("H", "6"), ("C", "5"), ("A", "4")]),
    ],
)
def test_period_switch_changes_the_board(team, sign_in, period, expected):
    rows = board(sign_in("hr"), f"?period={period}")
    assert [(r[1].removeprefix("Person "), r[4]) for r in rows] == expected


def test_proficiency_metric_shows_each_score_and_level_of_yesterday(team, sign_in, session):
    rows = board(sign_in("hr"), "?metric=proficiency")
    rules = load_rules(session)
    for _rank, name, level, _badges, value in rows:
        emp = records.get_employee(session, name.removeprefix("Person "))
        score = proficiency.employee_proficiency(session, emp, d(11, 19), rules)
        assert (value, level) == (f"{score['score']:.2f}", score["level"])
    # Breadth ½ with ≥ 3 sales; speed 0.5 (no expected time); consistency over 8 busy days.
    # D: 100 × (0.35 × ½ + 0.25 × 4/5 + 0.20 × 0.5 + 0.20 × 3/8) = 55.00, Developing;
    # B: 100 × (0.35 × ½ + 0.25 × 5/6 + 0.20 × 0.5 + 0.20 × 2/8) = 53.33;
    # H: 100 × (0.35 × ½ + 0.25 × 4/5 + 0.20 × 0.5 + 0.20 × 1/8) = 50.00;
    # C: 100 × (0 + 0.25 × 0.3 + 0.20 × 0.5 + 0.20 × 2/8) = 22.50, Novice.
    assert [(r[0].split()[0], r[1], r[2], r[4]) for r in rows[:3]] == [
        ("1", "Person D", "Developing", "55.00"),
        ("2", "Person B", "Developing", "53.33"),
        ("3", "Person H", "Developing", "50.00"),
    ]
    assert ["Person C", "Novice", "Explorer", "22.50"] in [r[1:] for r in rows]


def test_improvement_without_enough_evidence_shows_a_dash(team, sign_in):
    rows = board(sign_in("hr"), "?metric=improvement")
    assert {r[4] for r in rows} == {"—"}  # nobody has 20 core attempts


def test_levels_and_badges_are_in_the_table(team, sign_in):
    rows = {r[1]: r for r in board(sign_in("manager", sites=["S1"]))}
    assert rows["Person C"][2:4] == ["Novice", "Explorer"]
    assert rows["Person A"][3] == "—"
    assert rows["Anonymous"][2:4] == ["—", "—"]  # nothing that would point at the person


def test_unknown_period_or_metric_is_a_400_page(team, sign_in):
    client = sign_in("hr")
    assert client.get(f"{BOARD}?period=fortnight").status_code == 400
    assert client.get(f"{BOARD}?metric=speed").status_code == 400


def test_this_week_falls_back_to_last_week_on_a_monday(team, sign_in, monkeypatch):
    from datetime import UTC, datetime

    monkeypatch.setattr("api.clock.utcnow", lambda: datetime(2026, 11, 23, 9, tzinfo=UTC))
    response = sign_in("hr").get(f"{BOARD}?period=week&tv=1")
    assert response.status_code == 200
    text = visible_text(response.text)
    assert "This week has no complete day yet; showing last week." in text
    assert "Last week (2026-W47)" in text


def test_tv_mode_refreshes_every_minute_in_large_type(team, sign_in):
    response = sign_in("manager", sites=["S1"]).get(f"{BOARD}?tv=1&metric=points")
    assert '<meta http-equiv="refresh" content="60">' in response.text
    assert '<body class="tv">' in response.text
    assert len(table_rows(response.text, "board")) == 5


def test_tv_mode_hides_opted_out_names_and_who_is_stuck_even_for_hr(team, sign_in):
    response = sign_in("hr").get(f"{BOARD}?tv=1")
    text = visible_text(response.text)
    assert "Anonymous" in text and "Person H" not in text
    assert "Gone quiet" not in text and "Struggling" not in text


def test_normal_board_does_not_refresh(team, sign_in):
    assert 'http-equiv="refresh"' not in sign_in("hr").get(BOARD).text


def test_hr_sees_opted_out_names(team, sign_in):
    assert ("1", "Person H", "6") in ranked(board(sign_in("hr")))


def test_who_is_stuck_lists_dormant_and_struggling_people_with_their_feature(team, sign_in):
    text = visible_text(sign_in("manager", sites=["S1"]).get(BOARD).text)
    gone_quiet = text[text.index("Gone quiet") : text.index("Struggling")]
    struggling = text[text.index("Struggling") :]
    assert "Person D D silent 21 days · last active 2026-10-29" in gone_quiet
    assert "Person X" not in text  # dormant too, but at S2
    assert (
        "Person C C accuracy 30% over 8 core attempts · fails most on pos.refund "
        "(6 errors in 7 tries)" in struggling
    )
    assert "Person A" not in gone_quiet + struggling


def test_employee_sees_its_home_board_without_who_is_stuck(team, sign_in):
    response = sign_in("employee", user_id="A").get(BOARD)
    assert response.status_code == 200
    text = visible_text(response.text)
    assert "Gone quiet" not in text and "Struggling" not in text
    rows = table_rows(response.text, "board")
    assert rows[1][1] == "Person A you"
    assert rows[0][1] == "Anonymous"


def test_manager_site_picker_offers_only_its_sites(team, sign_in):
    html = sign_in("manager", sites=["S1"]).get(BOARD).text
    assert 'value="S1"' not in html  # one site: no picker
    assert "Store S2" not in html


def test_site_picker_without_javascript_redirects_to_the_chosen_board(team, sign_in):
    response = sign_in("hr").get(f"{BOARD}?site=S2&period=all")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sites/S2/leaderboard?period=all"


def test_on_a_phone_the_badges_are_a_count_that_opens_to_the_list(team, sign_in):
    """The phone-only repeat in the name cell: the level, then "1 badge" as a closed disclosure."""
    html = sign_in("manager", sites=["S1"]).get(BOARD).text
    assert (
        '<details class="badge-count"><summary>1 badge</summary><span class="pill badge">'
        "Explorer</span></details>"
    ) in html
    assert html.count('<details class="badge-count">') == 1  # C holds the one badge
