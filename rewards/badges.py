"""Badges: the criteria as data, and the job step that awards each badge once per employee.

`award_badges` is idempotent: (employee, badge) is unique, employees who hold a badge are not
checked for it again, and a re-run awards nothing new. The award day is the day the criterion
was first met (not the day the job ran), so a late run gives the same awards as a timely one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from adoption.calendar import Month
from adoption.locales import N_, Text
from adoption.models import Employee, Site
from adoption.notify.events import PERSON_BADGE
from adoption.notify.outbox import subscribers
from adoption.scoring.rules import ScoringRules, load_rules
from rewards import badge_evidence
from rewards.champions.first_proficient import (
    Winner,
    find_first_proficient,
    store_first_proficient,
)
from rewards.champions.periods import frozen_months
from rewards.ledger import book
from rewards.models import BadgeAward
from rewards.notify import notify_badge
from rewards.points_config import load_points_rules

log = logging.getLogger(__name__)

FIRST_PROFICIENT = "first_proficient"


@dataclass(frozen=True)
class Badge:
    name: str
    title: Text  # English as a str; `say` gives it in the reader's language
    criterion: Text
    stores: str  # what the stored evidence holds and where it comes from
    find: Callable[[Session, list[int], date, ScoringRules], badge_evidence.Found] | None
    points: int = 0  # booked on the award day at the home site, when not 0


BADGES: tuple[Badge, ...] = (
    Badge(
        FIRST_PROFICIENT,
        N_("First proficient at the site"),
        N_(
            "The first rostered employee of a site (by home site) at Proficient or above on or "
            "after its go-live; ties: higher score that day, then user id. Once per site, never "
            "moved."
        ),
        "site_id, go_live_on, proficient_since, score (scores_on) and config_version; "
        "tied_with lists the others proficient that day",
        None,
    ),
    Badge(
        "proficient",
        N_("Proficient"),
        N_("Proficient or above on some day (proficient since)."),
        "proficient_since (profile.proficient_since_map), that day's score, config_version",
        badge_evidence.proficient,
    ),
    Badge(
        "expert",
        N_("Expert"),
        N_("Expert on some day."),
        "expert_since (snapshots, else computed), that day's score, config_version",
        badge_evidence.expert,
    ),
    Badge(
        "explorer",
        N_("Explorer"),
        N_("Every core feature (is_core now, aliases counted) used successfully at least once."),
        "core_features: each action with the day of its first success (daily_usage)",
        badge_evidence.explorer,
    ),
    Badge(
        "streak",
        N_("Streak"),
        N_(
            "Active on %(days)s consecutive working days; a working day is a day on which anyone "
            "had a success at the employee's home site.",
            days=badge_evidence.STREAK_DAYS,
        ),
        "first_day, last_day and working_days of the first such run (daily_usage)",
        badge_evidence.streak,
    ),
    Badge(
        "error_free_week",
        N_("Error-free week"),
        N_(
            "A complete ISO week with ≥ %(n)s successes on core features and no error on any "
            "feature.",
            n=badge_evidence.ERROR_FREE_MIN_SUCCESSES,
        ),
        "week (YYYY-Www), from, to, core_successes, errors (daily_usage)",
        badge_evidence.error_free_week,
    ),
)
BY_NAME = {b.name: b for b in BADGES}


@dataclass(frozen=True)
class Item:
    """One award to make: `badge` for `employee_id`, met on `day`, with its evidence. A
    first-proficient item also stores the site's award (`winner`) in the same step."""

    badge: str
    employee_id: int
    day: date
    evidence: dict | None
    winner: Winner | None = None


@dataclass(frozen=True)
class Context:
    """What every item of a run shares."""

    rules: ScoringRules
    worth: Mapping[str, int]
    homes: Mapping[int, int]  # rostered employee id → home site id
    held: set[tuple[int, str]]
    zones: Mapping[int, str]  # site id → timezone
    frozen: set[str]
    now: datetime
    points_version: int | None = None  # the active points config version, named by point rows


def award_badges(
    session: Session,
    *,
    now: datetime,
    as_of: date,
    rules: ScoringRules | None = None,
    points: Mapping[str, int] | None = None,
) -> dict:
    """Award every badge whose criterion was met on a day ≤ as_of and is not yet held.

    Each award is made on its own (a savepoint): one that fails is logged and listed under
    `failed` ({employee, badge, error}) and the others are still made; it is tried again on the
    next run.
    """
    rules = rules or load_rules(session)
    roster = session.execute(
        select(Employee.id, Employee.site_id, Employee.external_id).where(
            Employee.rostered.is_(True)
        )
    ).all()
    ctx = Context(
        rules=rules,
        worth={**{b.name: b.points for b in BADGES}, **(points or {})},
        homes={eid: site for eid, site, _ in roster},
        held=set(session.execute(select(BadgeAward.employee_id, BadgeAward.badge)).all()),
        zones=dict(session.execute(select(Site.id, Site.timezone)).all()),
        frozen=frozen_months(session),
        now=now,
        points_version=load_points_rules(session).version,
    )
    users = {eid: user for eid, _, user in roster}
    counts = {b.name: 0 for b in BADGES}
    failed: list[dict] = []
    booked = sites = 0
    told = subscribers(session, PERSON_BADGE)  # people who asked to hear of their badges
    for item in _items(session, as_of, ctx):
        try:
            with session.begin_nested():
                award = award_one(session, item, ctx)
                if award is not None and award.employee_id in told:
                    _tell(session, award, ctx)
        except OperationalError:
            raise  # the database itself is failing (lock, connection): the run fails, not a person
        except Exception as exc:
            log.exception("badge %s for employee %s failed", item.badge, item.employee_id)
            user = users.get(item.employee_id, str(item.employee_id))
            failed.append({"employee": user, "badge": item.badge, "error": _error(exc)})
            continue
        sites += item.winner is not None
        if award is not None:
            counts[award.badge] += 1
            booked += bool(award.points)
    return {
        "as_of": as_of,
        "awarded": counts,
        "first_proficient_sites": sites,
        "points_rows": booked,
        "failed": failed,
    }


def _tell(session: Session, award: BadgeAward, ctx: Context) -> None:
    """Owe the person their badge's notification, in the award's own savepoint."""
    name = session.scalar(select(Employee.display_name).where(Employee.id == award.employee_id))
    notify_badge(session, award, BY_NAME[award.badge].title, name or "", ctx.now)


def _items(session: Session, as_of: date, ctx: Context) -> list[Item]:
    items = [
        Item(FIRST_PROFICIENT, w.employee.id, w.day, None, w)
        for w in find_first_proficient(session, as_of=as_of, rules=ctx.rules)
    ]
    for badge in BADGES:
        if badge.find is None:
            continue
        ids = [eid for eid in sorted(ctx.homes) if (eid, badge.name) not in ctx.held]
        for eid, (day, proof) in sorted(badge.find(session, ids, as_of, ctx.rules).items()):
            items.append(Item(badge.name, eid, day, proof))
    return items


def _error(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def award_one(session: Session, item: Item, ctx: Context) -> BadgeAward | None:
    """Make one award (and store a first-proficient site award), with its points; flushed.

    None when the item only stores a site's first-proficient award whose winner already holds
    the badge."""
    evidence = item.evidence
    if item.winner is not None:
        _row, evidence = store_first_proficient(session, item.winner, ctx.rules, ctx.now)
        if (item.employee_id, FIRST_PROFICIENT) in ctx.held:
            session.flush()
            return None
    award = BadgeAward(
        employee_id=item.employee_id,
        badge=item.badge,
        site_id=ctx.homes[item.employee_id],
        awarded_on=item.day,
        evidence=evidence,
        points=ctx.worth.get(item.badge, 0),
        created_at=ctx.now,
    )
    session.add(award)
    session.flush()
    if award.points:
        book(session, [_points_row(award, ctx)])
    return award


def _points_row(award: BadgeAward, ctx: Context) -> dict:
    """The award's ledger row: on the award day at the home site.

    A closed month never changes, so an award day in a frozen month is booked on the first day
    of the next open month instead (the reason says so).
    """
    day = open_day(award.awarded_on, ctx.frozen)
    title = BY_NAME[award.badge].title
    moved = "" if day == award.awarded_on else f" (met on {award.awarded_on}, a closed month)"
    return {
        "employee_id": award.employee_id,
        "site_id": award.site_id,
        "feature_id": None,
        "local_day": day,
        "points": award.points,
        "earned_at": end_of_day(day, ctx.zones[award.site_id]),
        "rule": f"badge:{award.badge}",
        "reason": f"badge {title}: {award.points} pts{moved}"[:300],
        "created_at": ctx.now,
        "config_version": ctx.points_version,
    }


def open_day(day: date, frozen: set[str]) -> date:
    """`day`, or the first day of the first later month that is not frozen."""
    while str(Month.of(day)) in frozen:
        day = Month.of(day).next().first_day
    return day


def end_of_day(day: date, timezone: str) -> datetime:
    """A whole-day criterion is known once the local day is over: its last second, in UTC."""
    return datetime.combine(day, time(23, 59, 59), ZoneInfo(timezone)).astimezone(UTC)


def list_badges(
    session: Session,
    employee: Employee,
    *,
    limit: int | None = None,
    after: tuple[date, str] | None = None,
) -> list[dict]:
    """The employee's badges, oldest first (by awarded_on, then badge), with criterion and
    evidence; a page of `limit` after the (awarded_on, badge) key `after` when given."""
    stmt = (
        select(BadgeAward, Site.code)
        .join(Site, Site.id == BadgeAward.site_id)
        .where(BadgeAward.employee_id == employee.id)
        .order_by(BadgeAward.awarded_on, BadgeAward.badge)
    )
    if after is not None:
        day, badge = after
        stmt = stmt.where(
            or_(
                BadgeAward.awarded_on > day,
                and_(BadgeAward.awarded_on == day, BadgeAward.badge > badge),
            )
        )
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = session.execute(stmt).all()
    return [
        {
            "badge": award.badge,
            "title": BY_NAME[award.badge].title if award.badge in BY_NAME else award.badge,
            "criterion": BY_NAME[award.badge].criterion if award.badge in BY_NAME else None,
            "awarded_on": award.awarded_on,
            "site_id": code,
            "points": award.points,
            "evidence": award.evidence,
        }
        for award, code in rows
    ]
