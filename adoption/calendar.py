"""Local-date windows: the default 7 days ending yesterday, and weeks since go-live."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from adoption.errors import Invalid

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
    if last is None:
        last = (
            yesterday(timezone, now) if first is None else first + timedelta(days=DEFAULT_DAYS - 1)
        )
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
