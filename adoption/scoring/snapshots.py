"""Daily score snapshots: stored per employee and day, recomputed for the days late events touch.

`snapshot_state` says, per employee and config version, which days are stored and since when
they are all current, so a run costs what is new: the day that has ended since the last run,
the days late events reach, and people whose snapshots went stale (a catalog, person or home site
change) or who have none yet. It never scans the stored history.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import CTE, and_, delete, func, not_, or_, select
from sqlalchemy.orm import Session

from adoption import generations
from adoption.calendar import yesterday
from adoption.db import dialect_insert
from adoption.models import (
    DailyUsage,
    Employee,
    Event,
    ScoreSnapshot,
    Site,
    SnapshotState,
    arrived_since,
)
from adoption.scoring.components import SCORE_COLUMNS, score_frame, score_or_none
from adoption.scoring.proficiency import (
    NO_USAGE,
    first_active_days,
    fresh_state_conditions,
    fresh_unused,
    snapshot_coverage,
    usage_marks,
)
from adoption.scoring.rules import ScoringRules, load_rules

CHUNK = 5000
# People per score_frame in a run: 1,000 people × 730 days is ~730,000 rows in memory at most.
STORE_CHUNK = 1000


def snapshot_scores(
    session: Session,
    *,
    now: datetime,
    rules: ScoringRules | None = None,
    since: datetime | None = None,
) -> dict:
    """Store each employee's daily score from the first active day through yesterday (local).

    Days already stored are recomputed only from the earliest day touched by events received
    since `since` (the previous successful run), so late events reach history too.
    """
    rules = rules or load_rules(session)
    last_day = _last_days(session, now)
    dirty = _dirty_days(session, since) if since is not None else {}
    if since is None:
        through = _through_by_employee(session, last_day, None)
    else:  # only who can have anything to do: no reading of every person's state
        candidates = set(dirty) | _behind(session, rules, last_day) | _not_fresh(session, rules)
        through = _through_by_employee(session, last_day, candidates)
    people = list(through)
    fresh = snapshot_coverage(session, people, rules.version)  # (first, through) of fresh people
    unused = fresh_unused(session, people, rules.version)  # found without usage, nothing changed
    recheck = [eid for eid in through if (eid not in fresh and eid not in unused) or eid in dirty]
    first_active = first_active_days(session, recheck)
    states_changed = _record_unused(
        session, [eid for eid in recheck if eid not in first_active], unused, through, rules, now
    )
    plan: dict[tuple[date, date], list[int]] = {}
    firsts: dict[int, date] = {}
    for eid, end in through.items():
        known = fresh.get(eid)
        first = first_active.get(eid, known[0] if known else None)
        if first is None:
            continue  # never active: nothing to store
        if known is not None:
            first, start = min(first, known[0]), known[1] + timedelta(days=1)
        else:
            start = first  # from scratch
        if eid in dirty:
            start = max(first, min(start, dirty[eid]))
        if start <= end:
            plan.setdefault((start, end), []).append(eid)
            firsts[eid] = first
    rows = 0
    for (start, end), block in plan.items():
        rows += _store(session, block, start, end, rules, now)
    _record_state(session, plan, firsts, fresh, rules.version, now)
    if plan or states_changed:
        generations.bump(session, generations.SNAPSHOTS, now)
    return {
        "config_version": rules.version,
        "employees": sum(map(len, plan.values())),
        "rows": rows,
    }


def _record_unused(
    session: Session,
    never_active: list[int],
    unused: set[int],
    through: dict[int, date],
    rules: ScoringRules,
    now: datetime,
) -> bool:
    """Record the people without any usage (a state with no first day), so boards and later runs
    need not look at them again until an event makes them dirty; forget that record for people
    who have usage now but no success yet (their score moves with every event). Returns whether
    any state changed."""
    state = SnapshotState.__table__
    marks = usage_marks(session, never_active)
    used = {eid for eid, mark in marks.items() if mark != NO_USAGE}
    gone = [eid for eid in never_active if eid in used]
    removed = 0
    for start in range(0, len(gone), CHUNK):
        removed += session.execute(
            delete(state).where(
                state.c.employee_id.in_(gone[start : start + CHUNK]),
                state.c.config_version == rules.version,
                state.c.first_day.is_(None),
            )
        ).rowcount
    rows = [
        {
            "employee_id": eid,
            "config_version": rules.version,
            "first_day": None,
            "through": through[eid],
            "rebuilt_at": now,
        }
        for eid in never_active
        if eid not in used and eid not in unused
    ]
    insert = dialect_insert(session, state)
    upsert = insert.on_conflict_do_update(
        index_elements=["employee_id", "config_version"],
        set_={
            "first_day": insert.excluded.first_day,
            "through": insert.excluded.through,
            "rebuilt_at": insert.excluded.rebuilt_at,
        },
    )
    for start in range(0, len(rows), CHUNK):
        session.execute(upsert, rows[start : start + CHUNK])
    return bool(rows) or removed > 0


def _last_days(session: Session, now: datetime) -> dict[int, date]:
    """Each site's last finished local day (`yesterday`): what snapshots run through."""
    zones = dict(session.execute(select(Site.id, Site.timezone)).all())
    return {sid: yesterday(tz, now) for sid, tz in zones.items()}


def _through_by_employee(
    session: Session, last_day: dict[int, date], employee_ids: set[int] | None
) -> dict[int, date]:
    """The day each employee's snapshots should reach: their home site's last finished day."""
    stmt = select(Employee.id, Employee.site_id)
    if employee_ids is None:
        return {eid: last_day[sid] for eid, sid in session.execute(stmt)}
    ids, out = sorted(employee_ids), {}
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(stmt.where(Employee.id.in_(ids[start : start + CHUNK])))
        out.update({eid: last_day[sid] for eid, sid in rows})
    return out


def _behind(session: Session, rules: ScoringRules, last_day: dict[int, date]) -> set[int]:
    """People with stored days that do not reach the newest finished day of any site yet: once
    a day, when a day ends, everyone active; otherwise few (only sites whose day ends later)."""
    if not last_day:
        return set()
    state = SnapshotState
    return set(
        session.scalars(
            select(state.employee_id).where(
                state.config_version == rules.version,
                state.first_day.is_not(None),
                state.through < max(last_day.values()),
            )
        )
    )


def _not_fresh(session: Session, rules: ScoringRules) -> set[int]:
    """People without a fresh state (`fresh_snapshot_employees`' rule, inverted): new, edited,
    at an edited site, or everyone after an edit of what scores rest on."""
    state = SnapshotState
    joined = and_(state.employee_id == Employee.id, state.config_version == rules.version)
    stmt = (
        select(Employee.id)
        .join(Site, Site.id == Employee.site_id)
        .outerjoin(state, joined)
        .where(or_(state.employee_id.is_(None), not_(and_(*fresh_state_conditions(session)))))
    )
    return set(session.scalars(stmt))


def _dirty_days(session: Session, since: datetime) -> dict[int, date]:
    """Employee → earliest day whose score events received since `since` can change.

    An event changes its sender's components. A success can also change the consistency of
    everyone whose home site it happened at (their S counts the days anyone was active there),
    but only when it made that site's day active: when every success of the site and day is
    among the events received since. A busy store's day was active already, and then only the
    senders need recomputing.
    """
    arrived = arrived_since(since, Event.employee_id, Event.site_id, Event.local_day, Event.outcome)
    own = session.execute(
        select(arrived.c.employee_id, func.min(arrived.c.local_day)).group_by(arrived.c.employee_id)
    ).all()
    dirty = dict(own)
    by_site: dict[int, date] = {}
    for site, day in _newly_active_site_days(session, arrived):
        by_site[site] = min(by_site.get(site, day), day)
    if by_site:
        homes = session.execute(
            select(Employee.id, Employee.site_id).where(Employee.site_id.in_(by_site))
        )
        for eid, site in homes:
            day = by_site[site]
            dirty[eid] = min(dirty.get(eid, day), day)
    return dirty


def _newly_active_site_days(session: Session, arrived: CTE) -> list[tuple[int, date]]:
    """(site, day) pairs whose every success is among the `arrived` events."""
    a = arrived.c
    new = session.execute(
        select(a.site_id, a.local_day, func.count())
        .where(a.outcome == "success")
        .group_by(a.site_id, a.local_day)
    ).all()
    if not new:
        return []
    du = DailyUsage
    rows = session.execute(
        select(du.site_id, du.local_day, func.sum(du.successes))
        .where(
            du.site_id.in_({site for site, _day, _count in new}),
            du.local_day >= min(day for _site, day, _count in new),
            du.local_day <= max(day for _site, day, _count in new),
        )
        .group_by(du.site_id, du.local_day)
    )
    totals = {(site, day): int(total) for site, day, total in rows}
    return [(site, day) for site, day, count in new if totals.get((site, day), 0) <= count]


def _store(session, block, start, end, rules, now) -> int:
    """Recompute and replace the snapshots of `block` over [start, end], STORE_CHUNK people at a
    time, so memory stays bounded however many people and days a run covers."""
    stored = 0
    for first in range(0, len(block), STORE_CHUNK):
        stored += _store_chunk(session, block[first : first + STORE_CHUNK], start, end, rules, now)
    return stored


def _store_chunk(session, people, start, end, rules, now) -> int:
    frame = score_frame(session, people, start, end, rules)
    snap = ScoreSnapshot.__table__
    session.execute(
        delete(snap).where(
            snap.c.employee_id.in_(people),
            snap.c.config_version == rules.version,
            snap.c.day >= start,
            snap.c.day <= end,
        )
    )
    records = frame[list(SCORE_COLUMNS)].to_dict("records")
    for r in records:
        r["employee_id"] = int(r["employee_id"])
        r["core_attempts"] = int(r["core_attempts"])
        r["level"] = str(r["level"])
        r["score"] = score_or_none(r["score"])  # Not started: stored as NULL
        r["config_version"] = rules.version
        r["computed_at"] = now
    for i in range(0, len(records), CHUNK):
        session.execute(dialect_insert(session, snap), records[i : i + CHUNK])
    return len(records)


def _record_state(session, plan, firsts, fresh, version, now) -> None:
    """Upsert the coverage of every planned employee. Rebuilt from scratch (not fresh before):
    `rebuilt_at` becomes now; fresh before: only the covered span changes."""
    table = SnapshotState.__table__
    for rebuilt in (True, False):
        rows = [
            {
                "employee_id": eid,
                "config_version": version,
                "first_day": firsts[eid],
                "through": end,
                "rebuilt_at": now,
            }
            for (_start, end), block in plan.items()
            for eid in block
            if (eid not in fresh) is rebuilt
        ]
        insert = dialect_insert(session, table)
        changed = {"first_day": insert.excluded.first_day, "through": insert.excluded.through}
        if rebuilt:
            changed["rebuilt_at"] = insert.excluded.rebuilt_at
        upsert = insert.on_conflict_do_update(
            index_elements=["employee_id", "config_version"], set_=changed
        )
        for i in range(0, len(rows), CHUNK):
            session.execute(upsert, rows[i : i + CHUNK])
