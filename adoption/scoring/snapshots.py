"""Daily score snapshots: stored per employee and day, recomputed for the days late events touch."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from adoption.calendar import yesterday
from adoption.db import dialect_insert
from adoption.models import DailyUsage, Employee, Event, ScoreSnapshot, Site
from adoption.scoring.components import SCORE_COLUMNS, score_frame
from adoption.scoring.proficiency import fresh_snapshot_employees
from adoption.scoring.rules import ScoringRules, load_rules


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
    through = _through_by_employee(session, now)
    stored = dict(
        session.execute(
            select(ScoreSnapshot.employee_id, func.max(ScoreSnapshot.day))
            .where(ScoreSnapshot.config_version == rules.version)
            .group_by(ScoreSnapshot.employee_id)
        ).all()
    )
    fresh = fresh_snapshot_employees(session, None, rules.version)
    stored = {eid: day for eid, day in stored.items() if eid in fresh}  # stale: from scratch
    first_active = dict(
        session.execute(
            select(DailyUsage.employee_id, func.min(DailyUsage.local_day))
            .where(DailyUsage.successes > 0)
            .group_by(DailyUsage.employee_id)
        ).all()
    )
    dirty = _dirty_days(session, since) if since is not None else {}
    plan: dict[tuple[date, date], list[int]] = {}
    for eid, first in first_active.items():
        start = first if eid not in stored else stored[eid] + timedelta(days=1)
        if eid in dirty:
            start = max(first, min(start, dirty[eid]))
        end = through.get(eid)
        if end is not None and start <= end:
            plan.setdefault((start, end), []).append(eid)
    rows = 0
    for (start, end), block in plan.items():
        rows += _store(session, block, start, end, rules, now)
    return {
        "config_version": rules.version,
        "employees": sum(map(len, plan.values())),
        "rows": rows,
    }


def _through_by_employee(session: Session, now: datetime) -> dict[int, date]:
    zones = dict(session.execute(select(Site.id, Site.timezone)).all())
    last_day = {sid: yesterday(tz, now) for sid, tz in zones.items()}
    return {
        eid: last_day[sid] for eid, sid in session.execute(select(Employee.id, Employee.site_id))
    }


def _dirty_days(session: Session, since: datetime) -> dict[int, date]:
    """Employee → earliest day whose score events received since `since` can change.

    A late success changes its sender's components, and also the consistency of everyone whose
    home site it happened at (their S counts the days anyone was active there).
    """
    own = session.execute(
        select(Event.employee_id, func.min(Event.local_day))
        .where(Event.received_at >= since)
        .group_by(Event.employee_id)
    ).all()
    by_site = dict(
        session.execute(
            select(Event.site_id, func.min(Event.local_day))
            .where(Event.received_at >= since)
            .group_by(Event.site_id)
        ).all()
    )
    dirty = dict(own)
    if by_site:
        homes = session.execute(
            select(Employee.id, Employee.site_id).where(Employee.site_id.in_(by_site))
        )
        for eid, site in homes:
            day = by_site[site]
            dirty[eid] = min(dirty.get(eid, day), day)
    return dirty


def _store(session, block, start, end, rules, now) -> int:
    frame = score_frame(session, block, start, end, rules)
    snap = ScoreSnapshot.__table__
    session.execute(
        delete(snap).where(
            snap.c.employee_id.in_(block),
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
        r["config_version"] = rules.version
        r["computed_at"] = now
    for i in range(0, len(records), 5000):
        session.execute(dialect_insert(session, snap), records[i : i + 5000])
    return len(records)
