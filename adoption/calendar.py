"""Dates as the chain lives them: local days, months, the chain's current day, employment.

- A site's **local day** is the date in the site's timezone (events are booked on it at ingest).
- **The chain's current day** (`chain_today`) is the earliest local date among the sites' time
  zones (UTC when there is no site): the newest day that has begun everywhere and has not yet
  ended everywhere. Every earlier day has ended at every site, so `chain_today − 1`
  (`last_complete_day`) is the newest day that every read model, job and page may treat as
  over. This is the only definition: jobs, pages and the CLI all call it.
- A **month** (`Month`) is a calendar month of local days, written `YYYY-MM`.
- **Employed on day d**: (hired_on null or hired_on ≤ d) and (left_on null or d ≤ left_on);
  left_on is the last day employed. `employed_sql` and `employed_mask` state it once for SQL and
  for pandas, over a span of days (employed on at least one of them) or a single day.
"""

from __future__ import annotations

import calendar as _calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from adoption.errors import Invalid
from adoption.models import Employee, Site

DEFAULT_DAYS = 7
MAX_WINDOW_DAYS = 400


def local_today(timezone: str, now: datetime) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def yesterday(timezone: str, now: datetime) -> date:
    return local_today(timezone, now) - timedelta(days=1)


def resolve_window(
    timezone: str, now: datetime, first: date | None, last: date | None
) -> tuple[date, date]:
    """[from, to] inclusive; omitted ends default to the 7 days ending yesterday (site-local)."""
    return default_window(yesterday(timezone, now), first, last)


def default_window(ends_on: date, first: date | None, last: date | None) -> tuple[date, date]:
    """[from, to] inclusive; omitted ends default to the 7 days ending on `ends_on`, or the 7
    days from `first` when only `to` is omitted."""
    if last is None:
        last = ends_on if first is None else first + timedelta(days=DEFAULT_DAYS - 1)
    if first is None:
        first = last - timedelta(days=DEFAULT_DAYS - 1)
    check_window(first, last)
    return first, last


def check_window(first: date, last: date) -> None:
    if first > last:
        raise Invalid({"from": ["Must not be after 'to'."]})
    if (last - first).days + 1 > MAX_WINDOW_DAYS:
        raise Invalid({"to": [f"A window may span at most {MAX_WINDOW_DAYS} days."]})


def week_window(go_live_on: date, k: int) -> tuple[date, date]:
    """Week k since go-live: local days [go_live + 7k, go_live + 7k + 6]; k < 0 before it."""
    start = go_live_on + timedelta(days=7 * k)
    return start, start + timedelta(days=6)


def week_of(go_live_on: date, day: date) -> int:
    return (day - go_live_on).days // 7


def last_complete_week(go_live_on: date, timezone: str, now: datetime) -> int:
    """The newest week since go-live whose last day has ended at the site (may be negative)."""
    k = week_of(go_live_on, yesterday(timezone, now))
    if week_window(go_live_on, k)[1] > yesterday(timezone, now):
        k -= 1
    return k


def chain_today(timezones: Iterable[str], now: datetime) -> date:
    """The chain's current day: the earliest local date among `timezones` (UTC when empty)."""
    zones = list(timezones) or ["UTC"]
    return min(local_today(tz, now) for tz in zones)


def last_complete_day(timezones: Iterable[str], now: datetime) -> date:
    """The newest local day that has ended at every site: the day before `chain_today`."""
    return chain_today(timezones, now) - timedelta(days=1)


def site_timezones(session: Session) -> list[str]:
    """The distinct time zones of the chain's sites (empty when there is no site)."""
    return list(session.scalars(select(Site.timezone).distinct()))


def chain_today_of(session: Session, now: datetime) -> date:
    """`chain_today` over the sites stored in the database."""
    return chain_today(site_timezones(session), now)


MONTH_TEXT = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")  # ASCII digits only


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month of local days; `str(m)` is `YYYY-MM`."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: object, field: str = "month") -> Month:
        """'YYYY-MM' → Month; anything else raises Invalid naming `field`."""
        match = MONTH_TEXT.fullmatch(text) if isinstance(text, str) else None
        if match is None or not int(match.group(1)) >= 1:
            raise Invalid({field: ["Use YYYY-MM, e.g. 2026-11."]})
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.number:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.number, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.number, _calendar.monthrange(self.year, self.number)[1])

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.number == 12 else Month(self.year, self.number + 1)

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.number == 1 else Month(self.year, self.number - 1)

    def close_due(self, timezone: str, now: datetime, close_day: int, close_hour: int) -> bool:
        """At a site in `timezone`, is it past `close_day` `close_hour`:00 local time of the
        month after this one (when the scheduled close may freeze it)?"""
        following = self.next()
        zone = ZoneInfo(timezone)
        due = datetime(following.year, following.number, close_day, close_hour, tzinfo=zone)
        return now.astimezone(zone) >= due


def employed_sql(first: date, last: date | None = None) -> ColumnElement[bool]:
    """SQL: the employee was employed on at least one day of [first, last] (default: on `first`)."""
    last = first if last is None else last
    return and_(
        or_(Employee.hired_on.is_(None), Employee.hired_on <= last),
        or_(Employee.left_on.is_(None), Employee.left_on >= first),
    )


def employed_mask(people: pd.DataFrame, first: date, last: date | None = None) -> pd.Series:
    """pandas: the same rule over `hired_on`/`left_on` columns (null = open-ended)."""
    last = first if last is None else last
    hired_ok = people["hired_on"].isna() | (people["hired_on"] <= last)
    left_ok = people["left_on"].isna() | (people["left_on"] >= first)
    return hired_ok & left_ok


def is_employed(
    hired_on: date | None, left_on: date | None, first: date, last: date | None = None
) -> bool:
    """Plain Python: the same rule for one person."""
    last = first if last is None else last
    return (hired_on is None or hired_on <= last) and (left_on is None or left_on >= first)
