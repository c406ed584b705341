"""Champion months: which are frozen (a month whose newest champion version is closed never
changes), which are still running somewhere, whether HR may close one now, and the months HR can
review with their versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adoption.calendar import Month, chain_today, local_today, site_timezones
from adoption.models import DailyUsage, Site
from rewards.models import ChampionPeriod, PointsLedger
from rewards.points_config import load_points_rules


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


def running_sites(session: Session, last: date, now: datetime) -> list[str]:
    """Codes of the sites where the local day `last` has not ended yet (a month whose last day
    this is cannot close while any is listed); with no site, UTC decides."""
    zones = dict(session.execute(select(Site.code, Site.timezone)).all()) or {"UTC": "UTC"}
    return sorted(code for code, tz in zones.items() if _not_ended(tz, last, now))


def _not_ended(timezone: str, day: date, now: datetime) -> bool:
    """The local `day` has not ended in `timezone` at `now`."""
    return local_today(timezone, now) <= day


@dataclass(frozen=True)
class MonthStatus:
    """Whether HR may close the month's newest version now, and why (not).

    `status`/`version` are the newest version's (a never-closed month is draft version 1);
    `running_sites` are the codes of the sites where the month's last local day has not ended.
    """

    month: str
    status: str
    version: int
    can_close: bool
    running_sites: list[str]
    reason: str
    # Provisional points (DESIGN): while a void window touching the month is open, the month's
    # points can still be clawed back, so it cannot close before this instant.
    void_window_until: datetime | None = None


def void_window_until(session: Session, month: Month, now: datetime) -> datetime | None:
    """When the last void window touching the month ends, if that is after `now`: the month's
    last local day's end at the latest site plus the active `void_window_hours`, or a later
    `provisional_until` already on the month's ledger rows (an earlier, longer window)."""
    hours = load_points_rules(session).void_window_hours
    ends = []
    if hours > 0:
        zones = set(session.scalars(select(Site.timezone))) or {"UTC"}
        next_day = month.last_day + timedelta(days=1)
        last_end = max(
            datetime.combine(next_day, time.min, ZoneInfo(tz)).astimezone(UTC) for tz in zones
        )
        ends.append(last_end + timedelta(hours=hours))
    booked = session.scalar(
        select(func.max(PointsLedger.provisional_until)).where(
            PointsLedger.local_day >= month.first_day, PointsLedger.local_day <= month.last_day
        )
    )
    if booked is not None:
        ends.append(booked)
    until = max(ends) if ends else None
    return until if until is not None and until > now else None


def month_status(session: Session, month: Month, now: datetime) -> MonthStatus:
    """A month may close when its newest version is a draft (or it was never closed) and its last
    local day has ended at every site (with no site, in UTC)."""
    newest = session.scalars(
        select(ChampionPeriod)
        .where(ChampionPeriod.month == str(month))
        .order_by(ChampionPeriod.version.desc())
        .limit(1)
    ).first()
    status = newest.status if newest else "draft"
    version = newest.version if newest else 1
    running = running_sites(session, month.last_day, now)
    voidable = void_window_until(session, month, now)
    if status == "closed":
        reason = f"{month} is closed (version {version}); only an admin can reopen it."
    elif running:
        reason = (
            f"{month} is not over yet: its last local day has not ended at {', '.join(running)}."
        )
    elif voidable is not None:
        reason = (
            f"{month} has ended, but its points are provisional until "
            f"{voidable:%Y-%m-%d %H:%M} UTC (the void window); it can be closed then."
        )
    else:
        reason = f"{month} has ended at every site; it can be closed."
    return MonthStatus(
        month=str(month),
        status=status,
        version=version,
        can_close=status == "draft" and not running and voidable is None,
        running_sites=running,
        reason=reason,
        void_window_until=voidable,
    )


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
    stored champion version to the month of the chain's current day (`chain_today`).

    Each: `month`, its newest `version` and `status` (a never-closed month is draft version 1),
    `closed_at`, `closed_by`, `versions` (how many are stored) and `running` (its last local
    day has not ended at every site, so it cannot be closed yet).
    """
    first_day = session.scalar(select(func.min(DailyUsage.local_day)))
    first_stored = session.scalar(select(func.min(ChampionPeriod.month)))
    starts = [
        m
        for m in (first_day and Month.of(first_day), first_stored and Month.parse(first_stored))
        if m
    ]
    if not starts:
        return []
    zones = site_timezones(session)
    current = Month.of(chain_today(zones, now))
    newest: dict[str, ChampionPeriod] = {}
    for period in session.scalars(select(ChampionPeriod).order_by(ChampionPeriod.version)):
        newest[period.month] = period
    last_month = max([current, *(Month.parse(m) for m in newest)])
    months, month = [], min(starts)
    while month <= last_month:
        months.append(month)
        month = month.next()
    out = []
    for month in reversed(months):
        period = newest.get(str(month))
        out.append(
            {
                "month": str(month),
                "version": period.version if period else 1,
                "status": period.status if period else "draft",
                "closed_at": period.closed_at if period else None,
                "closed_by": period.closed_by if period else None,
                "versions": period.version if period else 0,
                "running": any(_not_ended(tz, month.last_day, now) for tz in zones or ["UTC"]),
            }
        )
    return out
