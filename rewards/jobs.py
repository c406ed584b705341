"""Scheduled jobs of the rewards package: awarding badges and closing the previous month."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption.calendar import yesterday
from adoption.models import Site
from rewards.badges import award_badges
from rewards.champions.months import DEFAULT_INELIGIBLE, close_month
from rewards.champions.periods import month_of
from rewards.models import ChampionPeriod

JOB_ACTOR = "scheduler"
MANUAL_ACTOR = "uptake jobs run close-month"


def award_badges_job(session: Session, *, now: datetime) -> dict:
    """Award badges for days that have ended at every site (as_of = the earliest yesterday)."""
    zones = session.scalars(select(Site.timezone).distinct()).all() or ["UTC"]
    as_of = min(yesterday(tz, now) for tz in zones)
    return award_badges(session, now=now, as_of=as_of)


def previous_month(today: date) -> str:
    return month_of(today.replace(day=1) - timedelta(days=1))


def close_due(month: str, timezone: str, now: datetime, close_day: int, close_hour: int) -> bool:
    """At this site, is it past `close_day` `close_hour`:00 local of the month after `month`?"""
    year, number = int(month[:4]), int(month[5:])
    year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    zone = ZoneInfo(timezone)
    due = datetime(year, number, close_day, close_hour, tzinfo=zone)
    return now.astimezone(zone) >= due


def close_previous_month_job(
    session: Session,
    *,
    now: datetime,
    month: str | None = None,
    close_day: int = 3,
    close_hour: int = 6,
    ineligible_roles: tuple[str, ...] = DEFAULT_INELIGIBLE,
) -> dict:
    """Close the previous month once, at every site, local time is past its close moment.

    Idempotent: a month HR already closed is left alone, and so is a month an admin reopened
    (its new draft waits for HR; the job only closes months that were never closed). With
    `month` (`uptake jobs run close-month --month YYYY-MM`) that month is closed now, as HR
    would: a no-op when closed, a Conflict (month_not_over) while it runs somewhere.
    """
    if month is not None:
        if _newest_status(session, month) == "closed":
            return {"month": month, "action": "already_closed"}
        return _close(session, month, now, MANUAL_ACTOR, ineligible_roles)
    zones = session.scalars(select(Site.timezone).distinct()).all() or ["UTC"]
    earliest = min(now.astimezone(ZoneInfo(tz)).date() for tz in zones)
    month = previous_month(earliest)
    if not all(close_due(month, tz, now, close_day, close_hour) for tz in zones):
        return {"month": month, "action": "not_due"}
    status = _newest_status(session, month)
    if status is not None:
        action = "already_closed" if status == "closed" else "reopened_draft_left_for_hr"
        return {"month": month, "action": action}
    return _close(session, month, now, JOB_ACTOR, ineligible_roles)


def _newest_status(session: Session, month: str) -> str | None:
    return session.scalar(
        select(ChampionPeriod.status)
        .where(ChampionPeriod.month == month)
        .order_by(ChampionPeriod.version.desc())
        .limit(1)
    )


def _close(session, month, now, actor, ineligible_roles) -> dict:
    closed = close_month(session, month, now=now, actor=actor, ineligible_roles=ineligible_roles)
    return {"month": month, "action": "closed", "version": closed["version"]}
