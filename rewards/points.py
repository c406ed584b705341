"""The points ledger, derived from events (DESIGN.md "Points").

For each (employee, feature after aliasing, local day), success events earn the feature's
points in (occurred_at, event_id) order until `daily_cap` is reached; errors and duplicates earn
nothing. When those events were at several sites, points go to the sites in that order. The
event that crosses the cap earns the remainder (points 4, cap 10: 4 + 4 + 2), so a day's total
is always min(successes × points, cap) and "points left today" is simply cap − earned. The
ledger is append-only: a changed total is a correction row holding the delta. Frozen months are
never touched.

Every row is traceable (docs/metrics.md "Points"): it names the points config version it was
booked under, and how many success events earned the key's new total with the internal ids of
the first and last of them in (occurred_at, event_id, id) order. The events that earn are a
prefix of the key's events in that order, so with the row's employee, site, feature and day
these two ids delimit exactly the events behind the points (`rewards.points_trace`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adoption.calendar import Month
from adoption.ingest.registry import canonical_map
from adoption.models import Employee, Event, Feature, Site, arrived_since
from adoption.retention import horizon
from rewards.champions.periods import frozen_months
from rewards.ledger import book
from rewards.models import PointsLedger
from rewards.points_config import PointsRules, load_points_rules
from rewards.voids import Original, voided, voided_pairs

FEATURE_RULE = "feature_points"
PAIR_CHUNK = 2000  # employees per (day, employees) lookup


@dataclass
class Booking:
    points: int = 0
    events: int = 0
    earned_at: datetime | None = None  # the latest occurred_at of the events that earned points
    earning: int = 0  # how many of the events earned points (past the cap they earn nothing)
    first_event_id: int | None = None  # Event.id of the first event that earned points
    last_event_id: int | None = None  # Event.id of the last one
    voided: int = 0  # success events a void named within the window (`rewards.voids`)
    provisional_until: datetime | None = None  # the last earning event's occurred_at + window


@dataclass(frozen=True)
class Booked:
    points: int
    earned_at: datetime  # the latest earned_at already on the ledger for the key
    provisional_until: datetime | None = None  # the latest already on the ledger for the key


def _by_day(pairs: set[tuple[int, date]]):
    """(day, employee ids) blocks covering `pairs`: one indexed (employee, day) lookup each."""
    days: dict[date, list[int]] = defaultdict(list)
    for employee, day in pairs:
        days[day].append(employee)
    for day in sorted(days):
        employees = sorted(days[day])
        for start in range(0, len(employees), PAIR_CHUNK):
            yield day, employees[start : start + PAIR_CHUNK]


@dataclass(frozen=True)
class PointsCatalog:
    """The catalog as points read it: aliases, and per feature (points, daily cap, action)."""

    canonical: dict[int, int]
    features: dict[int, tuple[int, int | None, str]]


def points_catalog(session: Session) -> PointsCatalog:
    rows = session.execute(select(Feature.id, Feature.points, Feature.daily_cap, Feature.action))
    return PointsCatalog(canonical_map(session), {fid: (p, c, a) for fid, p, c, a in rows})


def desired_points(
    session: Session,
    pairs: set[tuple[int, date]],
    catalog: PointsCatalog | None = None,
    window_hours: int = 0,
) -> dict[tuple, Booking]:
    """(employee, site, canonical feature, day) → the points those events should have earned.

    With a void window (`window_hours` > 0) an event a void named within it earns nothing
    (`rewards.voids`), and each booking is provisional until its last earning event's
    occurred_at + the window."""
    catalog = catalog or points_catalog(session)
    canonical, features = catalog.canonical, catalog.features
    window = timedelta(hours=window_hours)
    out: dict[tuple, Booking] = {}
    for day, employees in _by_day(pairs):
        rows = session.execute(
            select(
                Event.employee_id,
                Event.feature_id,
                Event.site_id,
                Event.occurred_at,
                Event.id,
                Event.source,
                Event.event_id,
            )
            .where(
                Event.local_day == day,
                Event.employee_id.in_(employees),
                Event.outcome == "success",
            )
            # event.id last: event_id is unique per source only, and rebuilds must agree.
            .order_by(Event.occurred_at, Event.event_id, Event.id)
        ).all()
        gone = voided(
            session, [Original(r[4], r[5], r[6], r[3], r[2]) for r in rows], day, window_hours
        )
        earned: dict[tuple, int] = defaultdict(int)
        for emp, fid, site, at, event, _source, _event_id in rows:
            feature = canonical.get(fid, fid)
            points, cap, _ = features[feature]
            key = (emp, feature)
            booking = out.setdefault((emp, site, feature, day), Booking())
            if event in gone:
                booking.voided += 1
                continue
            room = points if cap is None else max(0, min(points, cap - earned[key]))
            booking.events += 1
            if room > 0:
                earned[key] += room
                booking.points += room
                booking.earned_at = at
                booking.earning += 1
                if booking.first_event_id is None:
                    booking.first_event_id = event
                booking.last_event_id = event
                if window_hours > 0:
                    booking.provisional_until = at + window
    return out


def booked_points(session: Session, pairs: set[tuple[int, date]]) -> dict[tuple, Booked]:
    """What the ledger holds now per (employee, site, feature, day) from feature rules."""
    out: dict[tuple, Booked] = {}
    ledger = PointsLedger
    for day, employees in _by_day(pairs):
        rows = session.execute(
            select(
                ledger.employee_id,
                ledger.site_id,
                ledger.feature_id,
                func.sum(ledger.points),
                func.max(ledger.earned_at),
                func.max(ledger.provisional_until),
            )
            .where(
                ledger.local_day == day,
                ledger.employee_id.in_(employees),
                ledger.rule == FEATURE_RULE,
            )
            .group_by(ledger.employee_id, ledger.site_id, ledger.feature_id)
        ).all()
        out.update({(e, s, f, day): Booked(int(p), at, until) for e, s, f, p, at, until in rows})
    return out


def derive_points(session: Session, pairs: set[tuple[int, date]], *, now: datetime) -> int:
    """Bring the ledger in line with the events of these (employee, day) pairs; returns rows added.

    Pairs in frozen months are skipped, so late events never alter a closed month; so are days
    before the event horizon, whose events retention dropped, and erased people, whose events
    were deleted (`adoption.masterdata.erasure`). Each day is derived and booked on its own, so
    memory holds one day's bookings, not the history's.
    """
    frozen = frozen_months(session)
    kept_from = horizon(session, "event") or date.min
    erased = set(session.scalars(select(Employee.id).where(Employee.erased_at.is_not(None))))
    days: dict[date, set[tuple[int, date]]] = defaultdict(set)
    for pair in pairs:
        if pair[1] >= kept_from and str(Month.of(pair[1])) not in frozen and pair[0] not in erased:
            days[pair[1]].add(pair)
    catalog = points_catalog(session)
    rules = load_points_rules(session)
    return sum(_derive_day(session, days.pop(day), catalog, rules, now) for day in sorted(days))


def _derive_day(
    session: Session, pairs: set, catalog: PointsCatalog, rules: PointsRules, now: datetime
) -> int:
    version = rules.version
    want = desired_points(session, pairs, catalog, rules.void_window_hours)
    have = booked_points(session, pairs)
    rows = []
    for key in sorted(set(want) | set(have)):
        booking, before = want.get(key, Booking()), have.get(key)
        delta = booking.points - (before.points if before else 0)
        if delta != 0:
            _points, cap, action = catalog.features[key[2]]
            row = _row(key, delta, booking, before, action, cap, now)
            rows.append({**row, **_trace(booking, version), **_until(booking, before)})
    book(session, rows)
    return len(rows)


def _row(key, delta, booking: Booking, before: Booked | None, action, cap, now) -> dict:
    emp, site, feature, day = key
    cap_text = "no cap" if cap is None else f"cap {cap}"
    if before is None:
        reason = f"{booking.events} × {action} ({cap_text}): {booking.points} pts"
    else:
        reason = (
            f"correction for {action} on {day}: {before.points} → {booking.points} pts ({cap_text})"
        )
    if booking.voided:
        reason += f"; {booking.voided} voided"
    # A correction to zero books no earning event: it keeps the instant of what it reverses.
    earned_at = booking.earned_at or before.earned_at
    return {
        "employee_id": emp,
        "site_id": site,
        "feature_id": feature,
        "local_day": day,
        "points": delta,
        "earned_at": earned_at,
        "rule": FEATURE_RULE,
        "reason": reason[:300],
        "created_at": now,
    }


def _until(booking: Booking, before: Booked | None) -> dict:
    """Until when the row is provisional: the later of the booking's own window and what the
    key's rows already hold, so a clawback and what it claws back confirm together."""
    times = [t for t in (booking.provisional_until, before and before.provisional_until) if t]
    return {"provisional_until": max(times) if times else None}


def _trace(booking: Booking, version: int) -> dict:
    """What a feature row books besides its points: the config version and the events that
    earned the key's new total (none for a correction to zero)."""
    return {
        "config_version": version,
        "event_count": booking.earning,
        "first_event_id": booking.first_event_id,
        "last_event_id": booking.last_event_id,
    }


def derive_points_job(session: Session, *, now: datetime, since: datetime | None = None) -> dict:
    """The scheduled job: pairs touched since the last successful run, else every pair.

    Frozen months are left alone either way, so "every pair" means every pair of open months.
    """
    pairs = pairs_since(session, since) if since is not None else pairs_between(session)
    return {"since": since, "pairs": len(pairs), "rows": derive_points(session, pairs, now=now)}


def rebuild_points(session: Session, *, first: date, last: date, now: datetime) -> dict:
    """Re-derive every (employee, day) of [first, last] from events; adds nothing when in line."""
    pairs = pairs_between(session, first, last)
    rows = derive_points(session, pairs, now=now)
    return {"from": first, "to": last, "pairs": len(pairs), "rows": rows}


def pairs_since(session: Session, since: datetime) -> set[tuple[int, date]]:
    """(employee, day) pairs touched since `since`: new events, and every pair of a feature or
    site changed since (points, cap, alias or timezone), including days the ledger holds."""
    arrived = arrived_since(since, Event.employee_id, Event.local_day)
    pairs = set(
        session.execute(select(arrived.c.employee_id, arrived.c.local_day).distinct()).all()
    )
    pairs |= voided_pairs(session, since, load_points_rules(session).void_window_hours)
    changed_features = set(session.scalars(select(Feature.id).where(Feature.updated_at >= since)))
    changed_sites = set(session.scalars(select(Site.id).where(Site.updated_at >= since)))
    if changed_features:
        canonical = canonical_map(session)
        members = {
            f for f, c in canonical.items() if c in changed_features or f in changed_features
        }
        pairs |= _pairs_touching(session, Event.feature_id, PointsLedger.feature_id, members)
    if changed_sites:
        pairs |= _pairs_touching(session, Event.site_id, PointsLedger.site_id, changed_sites)
    return pairs


def _pairs_touching(session: Session, event_column, ledger_column, ids: set[int]) -> set:
    """(employee, day) pairs with an event, or a ledger row, whose column is one of `ids`."""
    events = select(Event.employee_id, Event.local_day).where(event_column.in_(ids)).distinct()
    ledger = (
        select(PointsLedger.employee_id, PointsLedger.local_day)
        .where(ledger_column.in_(ids))
        .distinct()
    )
    return set(session.execute(events).all()) | set(session.execute(ledger).all())


def pairs_between(
    session: Session, first: date | None = None, last: date | None = None
) -> set[tuple[int, date]]:
    """Every (employee, day) in [first, last] (unbounded where None) with events or ledger rows."""
    pairs: set[tuple[int, date]] = set()
    for table in (Event, PointsLedger):
        stmt = select(table.employee_id, table.local_day).distinct()
        if first is not None:
            stmt = stmt.where(table.local_day >= first)
        if last is not None:
            stmt = stmt.where(table.local_day <= last)
        pairs |= set(session.execute(stmt).all())
    return pairs
