"""Manual awards and penalties (docs/metrics.md "Points"): a manager, HR or an admin gives a
person ± points for a reason, optionally with a badge.

An award is a ledger row with rule `award` (`rewards.ledger.book`), booked at the person's home
site on that site's today, earned now, naming who gave it and the active points config version;
it counts like any points (boards, champions) and is confirmed at once. It is refused (409) when
that day's month is closed, and (422 naming `points`, with what is left) when the |points| of
the person's awards in that month would exceed the config's `award_cap_per_month`. A badge given
with it is a `BadgeAward` with evidence {"manual": true, "reason", "given_by"} and no points of
its own; a badge the person holds already is 409. Every award is audited (`points.award`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adoption import audit
from adoption.calendar import Month, local_today
from adoption.errors import Conflict, Invalid, NotFound
from adoption.models import Employee
from rewards.badges import BADGES, FIRST_PROFICIENT
from rewards.champions.periods import frozen_months
from rewards.ledger import book
from rewards.models import BadgeAward, PointsLedger
from rewards.points_config import load_points_rules

AWARD_RULE = "award"
MAX_POINTS = 1000
REASON_LENGTH = (3, 300)
# The first-proficient badge belongs to one person per site and is never moved: not by hand.
MANUAL_BADGES = tuple(b.name for b in BADGES if b.name != FIRST_PROFICIENT)


def check_award(points: int, reason: str, badge: str | None) -> str:
    """The trimmed reason, once points, reason and badge follow the rules (else 422 naming
    each field that does not)."""
    errors: dict[str, list[str]] = {}
    if isinstance(points, bool) or not isinstance(points, int):
        errors["points"] = ["Must be an integer."]
    elif points == 0 or abs(points) > MAX_POINTS:
        errors["points"] = [f"Must be between -{MAX_POINTS} and {MAX_POINTS}, and not 0."]
    text = (reason or "").strip()
    low, high = REASON_LENGTH
    if not low <= len(text) <= high:
        errors["reason"] = [f"Length must be between {low} and {high}."]
    if badge is not None and badge not in MANUAL_BADGES:
        errors["badge"] = [f"Must be one of: {', '.join(MANUAL_BADGES)}."]
    if errors:
        raise Invalid(errors)
    return text


def award_points(
    session: Session,
    employee: Employee,
    *,
    points: int,
    reason: str,
    badge: str | None = None,
    actor: str,
    now: datetime,
    giver_employee_id: int | None = None,
) -> int:
    """Book the award (and make the badge award); returns the ledger row's id.

    The person's row is locked first (PostgreSQL; SQLite has one writer anyway), so two awards
    at once are checked against the cap one after the other."""
    reason = check_award(points, reason, badge)
    if giver_employee_id is not None and giver_employee_id == employee.id:
        raise Invalid({"user_id": ["You cannot award yourself."]})
    if employee.erased_at is not None:
        raise NotFound(f"No employee {employee.external_id!r}.", {"user_id": employee.external_id})
    session.execute(select(Employee.id).where(Employee.id == employee.id).with_for_update())
    day = local_today(employee.site.timezone, now)
    month = Month.of(day)
    if str(month) in frozen_months(session):
        raise Conflict(f"{month} is closed; its points no longer change.", {"month": str(month)})
    rules = load_points_rules(session)
    _check_cap(session, employee, month, points, rules.award_cap_per_month)
    if badge is not None:
        _give_badge(session, employee, badge, day, reason, actor, now)
    book(session, [_row(employee, day, points, reason, rules.version, actor, now)])
    row_id = session.scalar(
        select(func.max(PointsLedger.id)).where(
            PointsLedger.employee_id == employee.id,
            PointsLedger.rule == AWARD_RULE,
            PointsLedger.local_day == day,
        )
    )
    audit.record(
        session,
        actor=actor,
        action="points.award",
        target_type="employee",
        target=employee.external_id,
        now=now,
        details={"points": points, "reason": reason, "badge": badge, "ledger_id": row_id},
    )
    return row_id


def awarded_in(session: Session, employee_id: int, month: Month) -> int:
    """The sum of |points| of the person's award rows in the month."""
    total = session.scalar(
        select(func.sum(func.abs(PointsLedger.points))).where(
            PointsLedger.employee_id == employee_id,
            PointsLedger.rule == AWARD_RULE,
            PointsLedger.local_day >= month.first_day,
            PointsLedger.local_day <= month.last_day,
        )
    )
    return int(total or 0)


def _check_cap(session, employee: Employee, month: Month, points: int, cap: int) -> None:
    used = awarded_in(session, employee.id, month)
    left = max(0, cap - used)
    if abs(points) > left:
        raise Invalid(
            {
                "points": [
                    f"Over the monthly award cap of {cap}: {used} already given in {month}, "
                    f"{left} left."
                ]
            }
        )


def _give_badge(session, employee, badge: str, day, reason: str, actor: str, now) -> None:
    held = session.scalar(
        select(BadgeAward.id).where(
            BadgeAward.employee_id == employee.id, BadgeAward.badge == badge
        )
    )
    if held is not None:
        raise Conflict(f"{employee.external_id} already holds {badge!r}.", {"badge": badge})
    session.add(
        BadgeAward(
            employee_id=employee.id,
            badge=badge,
            site_id=employee.site_id,
            awarded_on=day,
            evidence={"manual": True, "reason": reason, "given_by": actor},
            points=0,
            created_at=now,
        )
    )
    session.flush()


def _row(employee: Employee, day, points: int, reason: str, version: int, actor: str, now):
    return {
        "employee_id": employee.id,
        "site_id": employee.site_id,
        "feature_id": None,
        "local_day": day,
        "points": points,
        "earned_at": now,
        "rule": AWARD_RULE,
        "reason": reason,
        "created_at": now,
        "config_version": version,
        "given_by": actor[:128],
    }
