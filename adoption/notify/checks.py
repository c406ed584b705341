"""The checks of the hourly `notify-check` job that belong to the core: sites behind their wave,
a growing quarantine, and people reaching a new level.

Each occurrence has a key that makes it owed once (`adoption.notify.outbox`): a site behind its
wave, once per site and ISO week; the quarantine, once per threshold crossed (the setting, then
each doubling) and ISO week while it stays above; a level, once per person and level.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adoption.calendar import chain_today_of
from adoption.models import Employee, Quarantine, ScoreSnapshot, Site
from adoption.notify.events import PERSON_BADGE, QUARANTINE_GROWING, SITE_BEHIND
from adoption.notify.models import NotificationSubscription
from adoption.notify.outbox import emit, subscribers
from adoption.scoring.rules import LEVELS, ScoringRules, load_rules
from adoption.usage.insights import sites_behind


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def notify_sites_behind(session: Session, now: datetime, rules: ScoringRules) -> int:
    """Owe a `site.behind` per site that trails its wave's median this week."""
    sites = list(session.scalars(select(Site).order_by(Site.code_key)))
    if not sites:
        return 0
    week = iso_week(chain_today_of(session, now))
    ids = {s.code: s.id for s in sites}
    owed = 0
    for item in sites_behind(session, sites, now, rules):
        key = f"{SITE_BEHIND}:{item['site_id']}:{week}"
        owed += emit(
            session, SITE_BEHIND, key, dict(item), now=now, sites={ids[item["site_id"]]: {}}
        )
    return owed


def crossed_threshold(open_items: int, first: int) -> int | None:
    """The highest of first, 2 × first, 4 × first, … that `open_items` reached, if any."""
    if open_items < first:
        return None
    threshold = first
    while threshold * 2 <= open_items:
        threshold *= 2
    return threshold


def notify_quarantine(session: Session, now: datetime, first_threshold: int) -> int:
    """Owe a `quarantine.growing` when the open quarantine reached a threshold."""
    count = (
        session.scalar(select(func.count(Quarantine.id)).where(Quarantine.status == "open")) or 0
    )
    threshold = crossed_threshold(count, first_threshold)
    if threshold is None:
        return 0
    week = iso_week(chain_today_of(session, now))
    key = f"{QUARANTINE_GROWING}:{threshold}:{week}"
    return emit(session, QUARANTINE_GROWING, key, {"open": count, "threshold": threshold}, now=now)


def notify_levels(session: Session, now: datetime, rules: ScoringRules | None = None) -> int:
    """Owe a `person.badge` to each subscribed person whose stored scores reached a level, on or
    after the day they subscribed, above their level the day before: news, not a level they
    already held (scores rise and fall; each level is told once, by its key)."""
    people = subscribers(session, PERSON_BADGE)
    if not people:
        return 0
    rules = rules or load_rules(session)
    since = dict(
        session.execute(
            select(
                NotificationSubscription.employee_id, func.min(NotificationSubscription.created_at)
            )
            .where(
                NotificationSubscription.event == PERSON_BADGE,
                NotificationSubscription.removed_at.is_(None),
                NotificationSubscription.employee_id.in_(people),
            )
            .group_by(NotificationSubscription.employee_id)
        ).all()
    )
    owed = 0
    for employee in session.scalars(
        select(Employee).where(Employee.id.in_(people), Employee.erased_at.is_(None))
    ):
        first = since[employee.id].date()
        reached = _best_level(session, employee.id, rules.version, first)
        if reached is None or _rank(reached[1]) <= _rank(
            _level_before(session, employee.id, rules.version, first)
        ):
            continue
        day, level = reached
        payload = {"display_name": employee.display_name, "level": level, "day": day}
        key = f"{PERSON_BADGE}:level:{employee.id}:{level}"
        owed += emit(session, PERSON_BADGE, key, payload, now=now, people={employee.id: {}})
    return owed


def _best_level(session, employee_id, version, first: date) -> tuple[date, str] | None:
    """(first day, level) of the highest level stored from `first` on."""
    rows = session.execute(
        select(ScoreSnapshot.level, func.min(ScoreSnapshot.day))
        .where(
            ScoreSnapshot.employee_id == employee_id,
            ScoreSnapshot.config_version == version,
            ScoreSnapshot.day >= first,
        )
        .group_by(ScoreSnapshot.level)
    ).all()
    if not rows:
        return None
    level, day = max(rows, key=lambda r: _rank(r[0]))
    return day, level


def _level_before(session, employee_id, version, first: date) -> str | None:
    """The level stored for the day before `first` (the newest before it)."""
    return session.scalar(
        select(ScoreSnapshot.level)
        .where(
            ScoreSnapshot.employee_id == employee_id,
            ScoreSnapshot.config_version == version,
            ScoreSnapshot.day < first,
        )
        .order_by(ScoreSnapshot.day.desc())
        .limit(1)
    )


def _rank(level: str | None) -> int:
    """Novice (or no level, or Not started) 0, Developing 1, Proficient 2, Expert 3."""
    return LEVELS.index(level) if level in LEVELS else 0
