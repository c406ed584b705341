"""What a month's champion ranking reads: candidates with their month figures, month-end scores
and the time of the last points earned at the home site (for those it may rank). Rollups and the
ledger, except that time: see `add_last_earned`. The month's first-proficient awards are
`rewards.champions.first_proficient.awards_between`."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adoption.calendar import is_employed, yesterday
from adoption.models import DailyUsage, Employee
from adoption.scoring.proficiency import scores_on
from rewards.champions.rules import Candidate, Condition, tie_key
from rewards.models import PointsLedger
from rewards.points import FEATURE_RULE, desired_points


def candidates(
    session: Session, first: date, last: date, now: datetime | None = None
) -> dict[int, tuple[Candidate, int]]:
    """Every employee as a candidate of its home site, with month figures at that site
    (confirmed points as of `now`)."""
    active = _active_days(session, first, last)
    points = _site_points(session, first, last, now)
    e = Employee
    people = session.execute(
        select(
            e.id,
            e.external_id,
            e.display_name,
            e.role,
            e.rostered,
            e.hired_on,
            e.left_on,
            e.site_id,
        ).order_by(e.external_id)
    )
    out = {}
    for eid, user_id, name, role, rostered, hired_on, left_on, home in people:
        out[eid] = (
            Candidate(
                employee_id=eid,
                user_id=user_id,
                display_name=name,
                role=role,
                rostered=rostered,
                employed=is_employed(hired_on, left_on, last),
                active_days=active.get(eid, 0),
                points=points.get((eid, home), 0),
            ),
            home,
        )
    return out


def _active_days(session: Session, first: date, last: date) -> dict[int, int]:
    du = DailyUsage
    days = (
        select(du.employee_id, du.local_day)
        .where(du.local_day >= first, du.local_day <= last)
        .group_by(du.employee_id, du.local_day)
        .having(func.sum(du.successes) > 0)
        .subquery()
    )
    rows = session.execute(select(days.c.employee_id, func.count()).group_by(days.c.employee_id))
    return {eid: int(n) for eid, n in rows}


def _site_points(
    session: Session, first: date, last: date, now: datetime | None = None
) -> dict[tuple[int, int], int]:
    """(employee, site) → confirmed ledger points in the month: rows still provisional at
    `now` (a void window, DESIGN "Provisional points") are not counted yet. A month only closes
    once none is left, so a closed month counts every row."""
    pl = PointsLedger
    in_month = (pl.local_day >= first) & (pl.local_day <= last)
    if now is not None:
        in_month &= pl.provisional_until.is_(None) | (pl.provisional_until <= now)
    keys = (pl.employee_id, pl.site_id)
    totals = session.execute(select(*keys, func.sum(pl.points)).where(in_month).group_by(*keys))
    return {(e, s): int(p) for e, s, p in totals}


def add_last_earned(
    session: Session, people: dict, rules: list[Condition], first: date, last: date
) -> None:
    """`last_earned_at` for the eligible candidates it can rank: those tied with another at their
    home site on points, score and active days, and each site's leader (its details show it)."""
    pools: dict[int, list[Candidate]] = {}
    for candidate, home in people.values():
        if all(rule.test(candidate) for rule in rules):
            pools.setdefault(home, []).append(candidate)
    homes: dict[int, int] = {}
    for home, pool in pools.items():
        counts = Counter(tie_key(c) for c in pool)
        leader = min(tie_key(c) for c in pool)
        for c in pool:
            if counts[tie_key(c)] > 1 or tie_key(c) == leader:
                homes[c.employee_id] = home
    latest = last_points_at(session, homes, first, last)
    for employee_id in homes:
        people[employee_id][0].last_earned_at = latest.get(employee_id)


def last_points_at(
    session: Session, homes: dict[int, int], first: date, last: date
) -> dict[int, datetime]:
    """employee → when the last points it earned at `homes[employee]` in [first, last] were earned.

    Feature points: the latest occurred_at among the success events that earn points there, as
    `rewards.points.desired_points` books them now over the month's (employee, day) pairs. The
    ledger's earned_at cannot say it: a late event may change which events earn a capped day's
    points without changing its total (no new row), and a correction to zero keeps the instant
    of what it reverses. Other points (badges) are never corrected: their ledger earned_at.
    """
    if not homes:
        return {}
    out = _last_feature_points_at(session, homes, first, last)

    def note(employee_id: int, at: datetime) -> None:
        if employee_id not in out or at > out[employee_id]:
            out[employee_id] = at

    pl = PointsLedger
    others = session.execute(
        select(pl.employee_id, pl.site_id, func.max(pl.earned_at))
        .where(
            pl.employee_id.in_(list(homes)),
            pl.local_day >= first,
            pl.local_day <= last,
            pl.rule != FEATURE_RULE,
            pl.points > 0,
        )
        .group_by(pl.employee_id, pl.site_id)
    )
    for employee_id, site_id, at in others:
        if site_id == homes[employee_id] and at is not None:
            note(employee_id, at)
    return out


def _last_feature_points_at(
    session: Session, homes: dict[int, int], first: date, last: date
) -> dict[int, datetime]:
    """The feature-points part of `last_points_at`, newest day first.

    Points at the home site come from success events there, so only days with one can hold
    them, and an event on a later local day of the site happened later. The newest such day
    with points booked at home therefore holds the answer: each round books (with
    `desired_points`) the newest day not yet tried of the people still without one.
    """
    du = DailyUsage
    days: dict[int, set[date]] = {}
    rows = session.execute(
        select(du.employee_id, du.site_id, du.local_day)
        .where(
            du.employee_id.in_(list(homes)),
            du.local_day >= first,
            du.local_day <= last,
            du.successes > 0,
        )
        .distinct()
    )
    for employee_id, site_id, day in rows:
        if site_id == homes[employee_id]:
            days.setdefault(employee_id, set()).add(day)
    untried = {employee_id: sorted(found) for employee_id, found in days.items()}
    out: dict[int, datetime] = {}
    while untried:
        pairs = {(employee_id, found[-1]) for employee_id, found in untried.items()}
        booked = desired_points(session, pairs)
        for (employee_id, site_id, _feature, _day), booking in booked.items():
            at = booking.earned_at
            if site_id == homes[employee_id] and booking.points > 0 and at is not None:
                out[employee_id] = max(out.get(employee_id, at), at)
        untried = {
            employee_id: found[:-1]
            for employee_id, found in untried.items()
            if employee_id not in out and len(found) > 1
        }
    return out


def add_scores(session, people, sites, cheap_tests, last, now, rules) -> None:
    """Score and level for those who pass every condition before proficiency."""
    day_of = {s.id: min(last, yesterday(s.timezone, now)) for s in sites}
    wanted = {
        c.employee_id: day_of[home]
        for c, home in people.values()
        if home in day_of and all(t.test(c) for t in cheap_tests)
    }
    for employee_id, found in scores_on(session, wanted, rules).items():
        candidate = people[employee_id][0]
        candidate.score, candidate.level = found.score, found.level
