"""Booking points: every ledger row is written here, with the per-period totals boards read.

The ledger is append-only (DESIGN "Points"); `PointsTotal` holds, per period (the row's month,
its ISO week and all time), site and employee, the sum of the ledger's points. `book` writes both
in the caller's transaction, so the totals never disagree with the ledger that was committed.
`totals_from_ledger` is the same sum recomputed from the ledger, for checks and repair.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from adoption import generations
from adoption.db import dialect_insert
from rewards.models import PointsLedger, PointsTotal

ALL_TIME = "all"
CHUNK = 5000


def period_keys(day: date) -> tuple[str, str, str]:
    """The periods a ledger row on `day` counts in: its month, its ISO week, all time."""
    year, week, _ = day.isocalendar()
    return day.strftime("%Y-%m"), f"{year:04d}-W{week:02d}", ALL_TIME


def book(session: Session, rows: list[dict]) -> None:
    """Append ledger rows (PointsLedger columns), add their points to the period totals and
    raise the points generation (what cached boards key on), all in the caller's transaction."""
    if not rows:
        return
    session.execute(PointsLedger.__table__.insert(), rows)
    generations.bump(session, generations.POINTS, rows[0]["created_at"])
    deltas: dict[tuple[str, int, int], int] = defaultdict(int)
    for row in rows:
        for period in period_keys(row["local_day"]):
            deltas[(period, row["site_id"], row["employee_id"])] += row["points"]
    _add(session, deltas)


def _add(session: Session, deltas: dict[tuple[str, int, int], int]) -> None:
    """Upsert the deltas in key order: concurrent bookings lock shared rows in one order."""
    table = PointsTotal.__table__
    records = [
        {"period": period, "site_id": site, "employee_id": employee, "points": points}
        for (period, site, employee), points in sorted(deltas.items())
    ]
    insert = dialect_insert(session, table)
    upsert = insert.on_conflict_do_update(
        index_elements=["period", "site_id", "employee_id"],
        set_={"points": table.c.points + insert.excluded.points},
    )
    for start in range(0, len(records), CHUNK):
        session.execute(upsert, records[start : start + CHUNK])


def totals_from_ledger(session: Session) -> dict[tuple[str, int, int], int]:
    """(period, site, employee) → points, summed from the ledger itself (zero sums included)."""
    pl = PointsLedger
    daily = select(pl.site_id, pl.employee_id, pl.local_day, func.sum(pl.points)).group_by(
        pl.site_id, pl.employee_id, pl.local_day
    )
    totals: dict[tuple[str, int, int], int] = defaultdict(int)
    for site, employee, day, points in session.execute(daily):
        for period in period_keys(day):
            totals[(period, site, employee)] += int(points)
    return dict(totals)


def stored_totals(session: Session) -> dict[tuple[str, int, int], int]:
    """What `points_total` holds now, keyed like `totals_from_ledger`."""
    pt = PointsTotal
    rows = session.execute(select(pt.period, pt.site_id, pt.employee_id, pt.points))
    return {(p, s, e): v for p, s, e, v in rows}


def rebuild_totals(session: Session, now: datetime) -> dict:
    """Replace `points_total` with the sums recomputed from the ledger; returns what differed."""
    want, have = totals_from_ledger(session), stored_totals(session)
    differing = sum(1 for key in set(want) | set(have) if want.get(key, 0) != have.get(key, 0))
    session.execute(delete(PointsTotal))
    _add(session, want)
    generations.bump(session, generations.POINTS, now)
    return {"rows": len(want), "differing": differing}


def next_confirmation(session: Session, now: datetime) -> datetime | None:
    """The earliest instant after `now` at which provisional points become confirmed (None
    when nothing is provisional): boards that show confirmed points key their cache on it."""
    return session.scalar(
        select(func.min(PointsLedger.provisional_until)).where(PointsLedger.provisional_until > now)
    )


def provisional_points(
    session: Session,
    by,
    *,
    first: date | None,
    last: date | None,
    site_ids: frozenset[int] | None,
    now: datetime,
) -> dict[int, int]:
    """`by` (PointsLedger.employee_id or .site_id) → the points still provisional at `now` on
    the local days [first, last] (None: unbounded) at the sites (None: all): the part of the
    period totals boards and champions do not count yet (DESIGN "Provisional points")."""
    pl = PointsLedger
    stmt = select(by, func.sum(pl.points)).where(pl.provisional_until > now).group_by(by)
    if first is not None:
        stmt = stmt.where(pl.local_day >= first)
    if last is not None:
        stmt = stmt.where(pl.local_day <= last)
    if site_ids is not None:
        stmt = stmt.where(pl.site_id.in_(site_ids))
    return {key: int(points) for key, points in session.execute(stmt) if points}
