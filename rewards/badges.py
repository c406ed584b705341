"""Badges: the criteria as data, and the job step that awards each badge once per employee.

`award_badges` is idempotent: (employee, badge) is unique, employees who hold a badge are not
checked for it again, and a re-run awards nothing new. The award day is the day the criterion
was first met (not the day the job ran), so a late run gives the same awards as a timely one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from adoption.models import Employee, Site
from adoption.scoring.rules import ScoringRules, load_rules
from rewards import badge_evidence
from rewards.champions.first_proficient import award_first_proficient
from rewards.champions.periods import frozen_months, month_of
from rewards.models import BadgeAward, PointsLedger

FIRST_PROFICIENT = "first_proficient"


@dataclass(frozen=True)
class Badge:
    name: str
    title: str
    criterion: str
    stores: str  # what the stored evidence holds and where it comes from
    find: Callable[[Session, list[int], date, ScoringRules], badge_evidence.Found] | None
    points: int = 0  # booked on the award day at the home site, when not 0


BADGES: tuple[Badge, ...] = (
    Badge(
        FIRST_PROFICIENT,
        "First proficient at the site",
        "The first employee of a site (by home site) at Proficient or above on or after its "
        "go-live; ties: higher score that day, then user id. Once per site, never moved.",
        "site_id, go_live_on, proficient_since, score and config_version from score_frame; "
        "tied_with lists the others proficient that day",
        None,
    ),
    Badge(
        "proficient",
        "Proficient",
        "Proficient or above on some day (proficient since).",
        "proficient_since (profile.proficient_since_map), that day's score, config_version",
        badge_evidence.proficient,
    ),
    Badge(
        "expert",
        "Expert",
        "Expert on some day.",
        "expert_since (snapshots, else score_frame), that day's score, config_version",
        badge_evidence.expert,
    ),
    Badge(
        "explorer",
        "Explorer",
        "Every core feature (is_core now, aliases counted) used successfully at least once.",
        "core_features: each action with the day of its first success (daily_usage)",
        badge_evidence.explorer,
    ),
    Badge(
        "streak",
        "Streak",
        f"Active on {badge_evidence.STREAK_DAYS} consecutive working days; a working day is a day "
        "on which anyone had a success at the employee's home site.",
        "first_day, last_day and working_days of the first such run (daily_usage)",
        badge_evidence.streak,
    ),
    Badge(
        "error_free_week",
        "Error-free week",
        f"A complete ISO week with ≥ {badge_evidence.ERROR_FREE_MIN_SUCCESSES} successes on core "
        "features and no error on any feature.",
        "week (YYYY-Www), from, to, core_successes, errors (daily_usage)",
        badge_evidence.error_free_week,
    ),
)
BY_NAME = {b.name: b for b in BADGES}


def award_badges(
    session: Session,
    *,
    now: datetime,
    as_of: date,
    rules: ScoringRules | None = None,
    points: Mapping[str, int] | None = None,
) -> dict:
    """Award every badge whose criterion was met on a day ≤ as_of and is not yet held."""
    rules = rules or load_rules(session)
    worth = {**{b.name: b.points for b in BADGES}, **(points or {})}
    homes = dict(
        session.execute(
            select(Employee.id, Employee.site_id).where(Employee.rostered.is_(True))
        ).all()
    )
    held = set(session.execute(select(BadgeAward.employee_id, BadgeAward.badge)).all())
    found: list[tuple[str, int, date, dict]] = []
    first = award_first_proficient(session, now=now, as_of=as_of, rules=rules)
    for row, proof in first:
        if (row.employee_id, FIRST_PROFICIENT) not in held:
            found.append((FIRST_PROFICIENT, row.employee_id, row.proficient_since, proof))
    for badge in BADGES:
        if badge.find is None:
            continue
        ids = [eid for eid in sorted(homes) if (eid, badge.name) not in held]
        for eid, (day, proof) in sorted(badge.find(session, ids, as_of, rules).items()):
            found.append((badge.name, eid, day, proof))
    awards = [_award(name, eid, day, proof, homes, worth, now) for name, eid, day, proof in found]
    session.add_all(awards)
    session.flush()
    booked = _book_points(session, [a for a in awards if a.points], now)
    counts = {b.name: sum(a.badge == b.name for a in awards) for b in BADGES}
    return {
        "as_of": as_of,
        "awarded": counts,
        "first_proficient_sites": len(first),
        "points_rows": booked,
    }


def _award(name, eid, day, proof, homes, worth, now) -> BadgeAward:
    return BadgeAward(
        employee_id=eid,
        badge=name,
        site_id=homes[eid],
        awarded_on=day,
        evidence=proof,
        points=worth.get(name, 0),
        created_at=now,
    )


def _book_points(session: Session, awards: list[BadgeAward], now: datetime) -> int:
    """One ledger row per award with points, on the award day at the home site.

    A closed month never changes, so an award day in a frozen month is booked on the first day
    of the next open month instead (the reason says so).
    """
    if not awards:
        return 0
    frozen = frozen_months(session)
    zones = dict(session.execute(select(Site.id, Site.timezone)).all())
    rows = []
    for award in awards:
        day = open_day(award.awarded_on, frozen)
        title = BY_NAME[award.badge].title
        moved = "" if day == award.awarded_on else f" (met on {award.awarded_on}, a closed month)"
        rows.append(
            {
                "employee_id": award.employee_id,
                "site_id": award.site_id,
                "feature_id": None,
                "local_day": day,
                "points": award.points,
                "earned_at": end_of_day(day, zones[award.site_id]),
                "rule": f"badge:{award.badge}",
                "reason": f"badge {title}: {award.points} pts{moved}"[:300],
                "created_at": now,
            }
        )
    session.execute(PointsLedger.__table__.insert(), rows)
    return len(rows)


def open_day(day: date, frozen: set[str]) -> date:
    """`day`, or the first day of the first later month that is not frozen."""
    while month_of(day) in frozen:
        day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
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
