"""Scheduled jobs of the rewards package: awarding badges and closing the previous month."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption.calendar import Month, chain_today, last_complete_day, site_timezones
from rewards.badges import award_badges
from rewards.champions.months import DEFAULT_INELIGIBLE, close_month
from rewards.models import ChampionPeriod

JOB_ACTOR = "scheduler"
MANUAL_ACTOR = "uptake jobs run close-month"


def award_badges_job(session: Session, *, now: datetime) -> dict:
    """Award badges for days that have ended at every site (as_of = `last_complete_day`)."""
    as_of = last_complete_day(site_timezones(session), now)
    return award_badges(session, now=now, as_of=as_of)


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
    zones = site_timezones(session) or ["UTC"]
    previous = Month.of(chain_today(zones, now)).previous()
    month = str(previous)
    if not all(previous.close_due(tz, now, close_day, close_hour) for tz in zones):
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
