"""The team board as a site's people see it (`rewards.team`): period choices and their Monday
fallback, and rows with level and badges. The team is tests/web/team.py (NOW Fri 2026-11-20)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from adoption.errors import Invalid
from adoption.masterdata import records
from adoption.privacy import Viewer
from rewards.team import PeriodChoice, period_choices, pick_period, team_board
from tests.adoption.scoring.test_proficiency import NOW
from tests.web.team import build_team, d


def test_period_choices_on_a_friday():
    assert period_choices(date(2026, 11, 20)) == [
        PeriodChoice("week", "This week", "2026-W47", True),
        PeriodChoice("last-week", "Last week", "2026-W46", True),
        PeriodChoice("month", "This month", "2026-11", True),
        PeriodChoice("last-month", "Last month", "2026-10", True),
        PeriodChoice("all", "All time", "all", True),
    ]


def test_this_week_is_unavailable_on_monday_and_this_month_on_the_first():
    monday = {c.key: c.available for c in period_choices(date(2026, 11, 23))}
    assert (monday["week"], monday["month"]) == (False, True)
    first = {c.key: c.available for c in period_choices(date(2026, 12, 1))}
    assert (first["week"], first["month"]) == (True, False)


def test_default_is_this_week_or_last_week_on_a_monday():
    assert pick_period(period_choices(date(2026, 11, 20)), None) == (
        period_choices(date(2026, 11, 20))[0],
        None,
    )
    choice, note = pick_period(period_choices(date(2026, 11, 23)), None)
    assert (choice.key, choice.value, note) == ("last-week", "2026-W47", None)


def test_an_unavailable_choice_falls_back_with_a_note():
    choice, note = pick_period(period_choices(date(2026, 12, 1)), "month")
    assert (choice.key, note) == ("week", "This month has no complete day yet; showing this week.")
    choice, note = pick_period(period_choices(date(2026, 11, 23)), "week")
    assert (choice.key, note) == (
        "last-week",
        "This week has no complete day yet; showing last week.",
    )


def test_an_unknown_choice_is_invalid():
    with pytest.raises(Invalid) as err:
        pick_period(period_choices(date(2026, 11, 20)), "fortnight")
    assert "period" in err.value.details


@pytest.fixture
def team(session):
    build_team(session)
    return session


def board(session, **kw):
    """S1's board as its manager sees it, unless `viewer` says otherwise."""
    site = records.get_site(session, "S1")
    manager = Viewer("manager", frozenset({site.id}))
    args = {"period": None, "metric": "points", "viewer": manager, "now": NOW}
    return team_board(session, site, **{**args, **kw})


def test_anonymous_row_has_no_level_or_badges(team):
    result = board(team)
    assert (result.period, result.last_day, result.as_of) == ("2026-W47", d(11, 20), d(11, 19))
    top = result.rows[0]
    assert (top.rank, top.name, top.user_id, top.value, top.level, top.badges) == (
        1,
        "Anonymous",
        None,
        6,
        None,
        [],
    )
    c = next(r for r in result.rows if r.user_id == "C")
    assert (c.level, c.badges) == ("Novice", ["Explorer"])


def test_revealed_opted_out_row_has_name_and_level(team):
    top = board(team, viewer=Viewer("hr")).rows[0]
    assert (top.name, top.user_id, top.level) == ("Person H", "H", "Developing")


def test_me_marks_the_viewers_row_named_even_when_opted_out(team):
    a = records.get_employee(team, "A").id
    h = records.get_employee(team, "H").id
    as_a = board(team, viewer=Viewer("employee", employee_id=a))
    assert [r.user_id for r in as_a.rows if r.me] == ["A"]
    # H opted out, but sees itself (docs/privacy.md); everyone else is anonymous to a colleague.
    as_h = board(team, viewer=Viewer("employee", employee_id=h))
    assert [(r.name, r.level) for r in as_h.rows if r.me] == [("Person H", "Developing")]
    assert {r.name for r in as_h.rows if not r.me} == {"Anonymous"}


def test_scores_stop_at_yesterday_and_a_monday_falls_back(team):
    result = board(team, metric="proficiency")
    assert result.last_day == d(11, 19)
    monday = board(team, period="week", now=datetime(2026, 11, 23, 9, tzinfo=UTC))
    assert (monday.choice.key, monday.period) == ("last-week", "2026-W47")
    assert monday.note == "This week has no complete day yet; showing last week."


def test_an_unknown_metric_is_invalid(team):
    with pytest.raises(Invalid):
        board(team, metric="speed")
