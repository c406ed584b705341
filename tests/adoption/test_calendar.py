"""adoption.calendar: months, the chain's current day, and "employed on day d" stated for SQL,
pandas and Python alike (left_on is the last day employed)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest
from sqlalchemy import select

from adoption.calendar import (
    Month,
    chain_today,
    chain_today_of,
    employed_mask,
    employed_sql,
    is_employed,
    last_complete_day,
)
from adoption.errors import Invalid
from adoption.models import Employee
from tests.adoption.scoring.test_proficiency import Scenario

# --- Month -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "month"),
    [("2026-11", Month(2026, 11)), ("2026-01", Month(2026, 1)), ("0001-12", Month(1, 12))],
)
def test_a_month_parses_from_yyyy_mm_and_prints_back(text, month):
    assert Month.parse(text) == month
    assert str(month) == text


@pytest.mark.parametrize(
    "bad",
    [
        "2026-13",
        "2026-00",
        "2026-1",
        "26-11",
        "2026/11",
        "2026-11-01",
        " 2026-11",
        "2026-11\n",
        "0000-05",
        "",
        None,
        202611,
        "november",
        "\u0662\u0660\u0662\u0666-11",  # Arabic-Indic digits: int() reads them, YYYY-MM does not
    ],
)
def test_anything_else_is_invalid_and_names_the_field(bad):
    with pytest.raises(Invalid) as err:
        Month.parse(bad, field="period")
    assert err.value.details == {"period": ["Use YYYY-MM, e.g. 2026-11."]}


def test_the_field_defaults_to_month():
    with pytest.raises(Invalid) as err:
        Month.parse("2026-13")
    assert list(err.value.details) == ["month"]


@pytest.mark.parametrize(
    ("month", "first", "last"),
    [
        (Month(2026, 1), date(2026, 1, 1), date(2026, 1, 31)),
        (Month(2026, 4), date(2026, 4, 1), date(2026, 4, 30)),
        (Month(2026, 2), date(2026, 2, 1), date(2026, 2, 28)),
        (Month(2028, 2), date(2028, 2, 1), date(2028, 2, 29)),  # leap year
        (Month(2100, 2), date(2100, 2, 1), date(2100, 2, 28)),  # divisible by 100: not leap
        (Month(2000, 2), date(2000, 2, 1), date(2000, 2, 29)),  # divisible by 400: leap
        (Month(2026, 12), date(2026, 12, 1), date(2026, 12, 31)),
    ],
)
def test_first_and_last_day(month, first, last):
    assert (month.first_day, month.last_day) == (first, last)


def test_of_gives_the_month_holding_the_day():
    assert Month.of(date(2026, 2, 28)) == Month(2026, 2)
    assert Month.of(date(2026, 12, 31)) == Month(2026, 12)


def test_next_and_previous_cross_years():
    assert Month(2026, 12).next() == Month(2027, 1)
    assert Month(2027, 1).previous() == Month(2026, 12)
    assert Month(2026, 6).next() == Month(2026, 7)
    assert Month(2026, 6).previous() == Month(2026, 5)
    assert Month(2026, 12).next().previous() == Month(2026, 12)


def test_months_order_by_year_then_number():
    assert Month(2025, 12) < Month(2026, 1) < Month(2026, 2)


def test_close_due_is_the_close_day_and_hour_of_the_following_month_in_local_time():
    # October 2026 closes on 11-03 06:00; in Los Angeles (PST, UTC−8) that is 14:00 UTC
    october = Month(2026, 10)
    la = "America/Los_Angeles"
    assert not october.close_due(la, datetime(2026, 11, 3, 13, 59, 59, tzinfo=UTC), 3, 6)
    assert october.close_due(la, datetime(2026, 11, 3, 14, 0, tzinfo=UTC), 3, 6)
    # Auckland (NZDT, UTC+13) reaches 11-03 06:00 at 11-02 17:00 UTC
    nz = "Pacific/Auckland"
    assert not october.close_due(nz, datetime(2026, 11, 2, 16, 59, tzinfo=UTC), 3, 6)
    assert october.close_due(nz, datetime(2026, 11, 2, 17, 0, tzinfo=UTC), 3, 6)


def test_december_closes_in_january_of_the_next_year():
    december = Month(2026, 12)
    assert not december.close_due("UTC", datetime(2027, 1, 1, 0, 59, tzinfo=UTC), 1, 1)
    assert december.close_due("UTC", datetime(2027, 1, 1, 1, 0, tzinfo=UTC), 1, 1)
    assert not december.close_due("UTC", datetime(2026, 12, 31, 23, 0, tzinfo=UTC), 1, 0)


# --- the chain's current day --------------------------------------------------------------

ZONES = ["Pacific/Auckland", "Europe/London", "America/Los_Angeles"]


@pytest.mark.parametrize(
    ("now", "today"),
    [
        # 10:59 UTC on 10-15: Auckland (UTC+13) is at 23:59 on 10-15, LA (UTC−7) 03:59 on 10-15
        (datetime(2026, 10, 15, 10, 59, tzinfo=UTC), date(2026, 10, 15)),
        # 11:00 UTC: Auckland has reached 10-16, London and LA are still on 10-15
        (datetime(2026, 10, 15, 11, 0, tzinfo=UTC), date(2026, 10, 15)),
        # 23:30 UTC: London (BST) is at 00:30 on 10-16, LA at 16:30 on 10-15
        (datetime(2026, 10, 15, 23, 30, tzinfo=UTC), date(2026, 10, 15)),
        # 06:59 UTC on 10-16: LA at 23:59 on 10-15
        (datetime(2026, 10, 16, 6, 59, tzinfo=UTC), date(2026, 10, 15)),
        # 07:00 UTC on 10-16: midnight in LA, 10-16 has begun everywhere
        (datetime(2026, 10, 16, 7, 0, tzinfo=UTC), date(2026, 10, 16)),
    ],
)
def test_chain_today_is_the_earliest_local_date(now, today):
    assert chain_today(ZONES, now) == today
    assert last_complete_day(ZONES, now) == date.fromordinal(today.toordinal() - 1)


def test_chain_today_without_zones_is_the_utc_date():
    assert chain_today([], datetime(2026, 10, 15, 23, 59, tzinfo=UTC)) == date(2026, 10, 15)
    assert chain_today([], datetime(2026, 10, 16, 0, 0, tzinfo=UTC)) == date(2026, 10, 16)


def test_chain_today_of_reads_the_sites(session):
    Scenario(session).site("NZ", tz="Pacific/Auckland").site("LA", tz="America/Los_Angeles")
    now = datetime(2026, 10, 15, 12, 0, tzinfo=UTC)  # NZ 10-16 01:00, LA 10-15 05:00
    assert chain_today_of(session, now) == date(2026, 10, 15)


# --- employed on day d ----------------------------------------------------------------------

HIRED, LEFT = date(2026, 3, 10), date(2026, 3, 20)
PEOPLE = {  # user → (hired_on, left_on)
    "both": (HIRED, LEFT),
    "open": (None, None),
    "hired": (HIRED, None),
    "left": (None, LEFT),
    "oneday": (HIRED, HIRED),
}
SPANS = [
    (date(2026, 3, 9), None),  # the day before hiring
    (HIRED, None),  # the hiring day
    (LEFT, None),  # the last day employed
    (date(2026, 3, 21), None),  # the day after leaving
    (date(2026, 3, 1), date(2026, 3, 9)),  # a span ending the day before hiring
    (date(2026, 3, 1), HIRED),  # a span ending on the hiring day
    (LEFT, date(2026, 3, 31)),  # a span starting on the last day
    (date(2026, 3, 21), date(2026, 3, 31)),  # a span starting after leaving
]
EXPECTED = {  # (first, last) → who is employed on at least one day of it
    SPANS[0]: {"open", "left"},
    SPANS[1]: {"both", "open", "hired", "left", "oneday"},
    SPANS[2]: {"both", "open", "hired", "left"},
    SPANS[3]: {"open", "hired"},
    SPANS[4]: {"open", "left"},
    SPANS[5]: {"both", "open", "hired", "left", "oneday"},
    SPANS[6]: {"both", "open", "hired", "left"},
    SPANS[7]: {"open", "hired"},
}


@pytest.mark.parametrize("span", SPANS)
def test_is_employed_left_on_is_the_last_day(span):
    got = {u for u, (h, left) in PEOPLE.items() if is_employed(h, left, *span)}
    assert got == EXPECTED[span]


@pytest.mark.parametrize("span", SPANS)
def test_employed_mask_agrees(span):
    frame = pd.DataFrame(
        [(u, h, left) for u, (h, left) in PEOPLE.items()],
        columns=["user", "hired_on", "left_on"],
    )
    assert set(frame.loc[employed_mask(frame, *span), "user"]) == EXPECTED[span]


def test_employed_sql_agrees(session):
    scn = Scenario(session).site("S1")
    for user, (hired, left) in PEOPLE.items():
        scn.person(user, "S1", hired_on=hired, left_on=left)
    session.flush()
    for span in SPANS:
        got = set(session.scalars(select(Employee.external_id).where(employed_sql(*span))))
        assert got == EXPECTED[span], span
