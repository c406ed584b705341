"""Champion months: which are frozen (a month whose newest champion version is closed never
changes), which are still running somewhere, and the months HR can review with their versions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adoption.calendar import local_today
from adoption.models import DailyUsage, Site
from rewards.models import ChampionPeriod


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def frozen_months(session: Session) -> set[str]:
    newest = (
        select(ChampionPeriod.month, func.max(ChampionPeriod.version).label("v"))
        .group_by(ChampionPeriod.month)
        .subquery()
    )
    rows = session.execute(
        select(ChampionPeriod.month)
        .join(
            newest,
            (newest.c.month == ChampionPeriod.month) & (newest.c.v == ChampionPeriod.version),
        )
        .where(ChampionPeriod.status == "closed")
    )
    return {m for (m,) in rows}


def _next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:])
    return f"{year + 1:04d}-01" if number == 12 else f"{year:04d}-{number + 1:02d}"


def _last_day(month: str) -> date:
    following = date.fromisoformat(f"{_next_month(month)}-01")
    return date.fromordinal(following.toordinal() - 1)


def running_sites(session: Session, last: date, now: datetime) -> list[str]:
    """Codes of the sites where the local day `last` has not ended yet (a month whose last day
    this is cannot close while any is listed); with no site, UTC decides."""
    zones = dict(session.execute(select(Site.code, Site.timezone)).all()) or {"UTC": "UTC"}
    return sorted(code for code, tz in zones.items() if local_today(tz, now) <= last)


def month_versions(session: Session, month: str) -> list[dict]:
    """Every stored version of the month, oldest first; empty while it was never closed (its
    live draft is version 1 then)."""
    rows = session.scalars(
        select(ChampionPeriod).where(ChampionPeriod.month == month).order_by(ChampionPeriod.version)
    )
    return [
        {
            "version": p.version,
            "status": p.status,
            "created_at": p.created_at,
            "created_by": p.created_by,
            "closed_at": p.closed_at,
            "closed_by": p.closed_by,
            "note": p.note,
        }
        for p in rows
    ]


def list_months(session: Session, *, now: datetime) -> list[dict]:
    """The months HR reviews, newest first: from the first month with events (daily_usage) or a
    stored champion version to the current one (the latest local month among the sites).

    Each: `month`, its newest `version` and `status` (a never-closed month is draft version 1),
    `closed_at`, `closed_by`, `versions` (how many are stored) and `running` (its last local
    day has not ended at every site, so it cannot be closed yet).
    """
    first_day = session.scalar(select(func.min(DailyUsage.local_day)))
    first_stored = session.scalar(select(func.min(ChampionPeriod.month)))
    starts = [m for m in (first_day and month_of(first_day), first_stored) if m]
    if not starts:
        return []
    zones = session.scalars(select(Site.timezone).distinct()).all() or ["UTC"]
    current = month_of(max(local_today(tz, now) for tz in zones))
    newest: dict[str, ChampionPeriod] = {}
    for period in session.scalars(select(ChampionPeriod).order_by(ChampionPeriod.version)):
        newest[period.month] = period
    months, month = [], min(starts)
    while month <= max([current, *newest]):
        months.append(month)
        month = _next_month(month)
    out = []
    for month in reversed(months):
        period = newest.get(month)
        last = _last_day(month)
        out.append(
            {
                "month": month,
                "version": period.version if period else 1,
                "status": period.status if period else "draft",
                "closed_at": period.closed_at if period else None,
                "closed_by": period.closed_by if period else None,
                "versions": period.version if period else 0,
                "running": any(local_today(tz, now) <= last for tz in zones),
            }
        )
    return out
