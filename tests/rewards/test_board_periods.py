"""Leaderboard periods: YYYY-MM, ISO weeks (Monday–Sunday) and all time. Points and employment
run to today in the current period; proficiency and improvement are read on yesterday."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adoption.errors import Invalid
from rewards.leaderboards import Period, parse_period

FAR_FUTURE = date(9000, 1, 1)


def test_a_month_runs_from_its_first_to_its_last_day():
    assert parse_period("2026-02", date(2026, 12, 5)) == Period(
        "month",
        date(2026, 2, 1),
        date(2026, 2, 28),
        "2026-02",
        date(2026, 2, 28),
        date(2026, 2, 28),
    )


def test_an_iso_week_runs_from_monday_to_sunday():
    # 2026-11-16 is a Monday; W47 ends on Sunday 11-22.
    assert parse_period("2026-W47", date(2026, 12, 5)) == Period(
        "week",
        date(2026, 11, 16),
        date(2026, 11, 22),
        "2026-W47",
        date(2026, 11, 22),
        date(2026, 11, 22),
    )


def test_week_one_may_start_in_the_previous_year():
    # 2026-01-01 is a Thursday, so ISO week 1 of 2026 starts on Monday 2025-12-29.
    period = parse_period("2026-W01", date(2026, 12, 5))
    assert (period.first, period.last) == (date(2025, 12, 29), date(2026, 1, 4))


def test_the_current_period_counts_to_today_and_scores_yesterday():
    period = parse_period("2026-11", date(2026, 11, 20))
    assert (period.first, period.last) == (date(2026, 11, 1), date(2026, 11, 30))  # real bounds
    assert (period.until, period.score_day) == (date(2026, 11, 20), date(2026, 11, 19))


def test_all_time_has_no_bounds_runs_to_today_and_scores_yesterday():
    assert parse_period(" ALL ", date(2026, 11, 20)) == Period(
        "all", None, None, "all", date(2026, 11, 20), date(2026, 11, 19)
    )


@pytest.mark.parametrize(
    ("text", "today"),
    [("2026-12", date(2026, 12, 1)), ("2026-W48", date(2026, 11, 23))],  # the 1st; a Monday
)
def test_the_current_period_on_its_first_day_scores_as_of_yesterday(text, today):
    period = parse_period(text, today)  # well formed: never invalid
    assert period.first == period.until == today
    assert period.score_day == today - timedelta(days=1)


def test_a_future_period_is_valid_and_scores_as_of_yesterday():
    period = parse_period("2027-01", date(2026, 11, 20))
    assert (period.first, period.last, period.until) == (
        date(2027, 1, 1),
        date(2027, 1, 31),
        date(2027, 1, 31),
    )
    assert period.score_day == date(2026, 11, 19)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2026-13",
        "2026-00",
        "2026-1",
        "26-11",
        "2026/11",
        "2026-W00",
        "2025-W53",  # 2025 has 52 ISO weeks
        "2026-W5",
        "2026-w05",
        "9999-W52",  # ends after the last representable day
        "٢٠٢٦-11",  # Arabic-Indic digits
        "november",
    ],
)
def test_malformed_periods_are_invalid(text):
    with pytest.raises(Invalid) as raised:
        parse_period(text, FAR_FUTURE)
    assert list(raised.value.details) == ["period"]


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(8000, 12, 31)))
def test_the_iso_week_of_a_day_holds_that_day(day):
    period = parse_period(day.strftime("%G-W%V"), FAR_FUTURE)
    assert period.first.weekday() == 0
    assert period.last - period.first == timedelta(days=6)
    assert period.first <= day <= period.last


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(8000, 12, 31)))
def test_the_month_of_a_day_holds_that_day(day):
    period = parse_period(day.strftime("%Y-%m"), FAR_FUTURE)
    assert period.first.day == 1
    assert (period.last + timedelta(days=1)).day == 1
    assert period.first <= day <= period.last
