"""Kudos (docs/metrics.md "Kudos"): a thank-you for something concrete ("helped E012 with
returns"), from a manager, HR or an admin, and from a colleague of the same home site when the
points config's `colleague_kudos` is on.

A kudos is a `Kudos` row on the recipient's home-site today. When the active points config's
`kudos_points` is above 0 it also books that many points as a ledger row with rule `kudos` (the
giver in `given_by`, the message as its reason), which count like any points; with 0 it carries
none. Limits, so thanks stay thanks and not a points pump: one kudos per giver and recipient per
day (409), nobody thanks themselves (422), and a colleague gives at most `COLLEAGUE_DAILY` a day
(409). Every kudos is audited (`kudos.give`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adoption import audit
from adoption.calendar import Month, local_today
from adoption.errors import Conflict, Forbidden, Invalid, NotFound
from adoption.models import Employee
from rewards.champions.periods import frozen_months
from rewards.ledger import book
from rewards.models import Kudos
from rewards.points_config import load_points_rules

KUDOS_RULE = "kudos"
MESSAGE_LENGTH = (3, 300)
COLLEAGUE_DAILY = 3


@dataclass(frozen=True)
class Giver:
    """Who thanks: the caller's name (an account or token), role and, for an employee, which
    employee it is (and their home site)."""

    name: str
    role: str
    employee_id: int | None = None
    home_site_id: int | None = None
    actor: str | None = None  # who the audit log names, when not `name` (the CLI: "cli")


def check_message(message: str | None) -> str:
    """The trimmed message, 3 to 300 characters (else 422 naming `message`)."""
    text = (message or "").strip()
    low, high = MESSAGE_LENGTH
    if not low <= len(text) <= high:
        raise Invalid({"message": [f"Length must be between {low} and {high}."]})
    return text


def give_kudos(
    session: Session, employee: Employee, *, message: str, giver: Giver, now: datetime
) -> dict:
    """Record the kudos (and its points, if the config gives any); returns it as listed.

    Whether a manager may reach this person is the caller's check (`require_person`); a
    colleague's rules are checked here. The recipient's row is locked first, so two kudos at
    once are checked against the daily limits one after the other."""
    text = check_message(message)
    if employee.erased_at is not None:
        raise NotFound(f"No employee {employee.external_id!r}.", {"user_id": employee.external_id})
    rules = load_points_rules(session)
    if giver.employee_id is not None and giver.employee_id == employee.id:
        raise Invalid({"user_id": ["You cannot thank yourself."]})
    if giver.role == "employee":
        _check_colleague(employee, giver, rules.colleague_kudos)
    # The recipient (daily limit per giver) and the giver (a colleague's 3 a day), in id order.
    people = sorted({employee.id, giver.employee_id or employee.id})
    session.execute(
        select(Employee.id).where(Employee.id.in_(people)).order_by(Employee.id).with_for_update()
    )
    day = local_today(employee.site.timezone, now)
    _check_limits(session, employee, giver, day)
    points = rules.kudos_points
    if points and str(Month.of(day)) in frozen_months(session):
        raise Conflict(f"{Month.of(day)} is closed; its points no longer change.", {})
    row = Kudos(
        employee_id=employee.id,
        site_id=employee.site_id,
        local_day=day,
        message=text,
        given_by=giver.name[:128],
        giver_employee_id=giver.employee_id,
        points=points,
        created_at=now,
    )
    session.add(row)
    session.flush()
    if points:
        book(session, [_ledger_row(employee, day, points, text, rules.version, giver, now)])
    audit.record(
        session,
        actor=giver.actor or giver.name,
        action="kudos.give",
        target_type="employee",
        target=employee.external_id,
        now=now,
        details={"kudos_id": row.id, "message": text, "points": points, "from": giver.name},
    )
    return kudos_entry(row, _giver_names(session, [row]))


def _check_colleague(employee: Employee, giver: Giver, allowed: bool) -> None:
    if not allowed:
        raise Forbidden("Colleagues may not give kudos here (the points config).", {})
    if giver.home_site_id != employee.site_id:
        asked = employee.external_id
        raise NotFound(f"No employee {asked!r}.", {"user_id": asked})


def _check_limits(session: Session, employee: Employee, giver: Giver, day: date) -> None:
    given_today = select(func.count()).where(Kudos.given_by == giver.name[:128])
    same = session.scalar(
        given_today.where(Kudos.employee_id == employee.id, Kudos.local_day == day)
    )
    if same:
        raise Conflict(
            f"You already thanked {employee.external_id} today.", {"user_id": employee.external_id}
        )
    if giver.role == "employee":
        count = session.scalar(
            select(func.count()).where(
                Kudos.giver_employee_id == giver.employee_id, Kudos.local_day == day
            )
        )
        if count >= COLLEAGUE_DAILY:
            raise Conflict(f"A colleague gives at most {COLLEAGUE_DAILY} kudos a day.", {})


def _ledger_row(employee, day, points, message, version, giver: Giver, now) -> dict:
    return {
        "employee_id": employee.id,
        "site_id": employee.site_id,
        "feature_id": None,
        "local_day": day,
        "points": points,
        "earned_at": now,
        "rule": KUDOS_RULE,
        "reason": f"Kudos: {message}"[:300],
        "created_at": now,
        "config_version": version,
        "given_by": giver.name[:128],
    }


def list_kudos(session: Session, employee: Employee, first: date, last: date) -> list[dict]:
    """The person's kudos with local day in [first, last], newest first."""
    rows = list(
        session.scalars(
            select(Kudos)
            .where(
                Kudos.employee_id == employee.id,
                Kudos.local_day >= first,
                Kudos.local_day <= last,
            )
            .order_by(Kudos.local_day.desc(), Kudos.id.desc())
        )
    )
    names = _giver_names(session, rows)
    return [kudos_entry(row, names) for row in rows]


def kudos_counts(session: Session, employee_ids: list[int], first: date, last: date) -> dict:
    """Employee → kudos received with local day in [first, last] (one query for a board)."""
    if not employee_ids:
        return {}
    rows = session.execute(
        select(Kudos.employee_id, func.count())
        .where(
            Kudos.employee_id.in_(employee_ids),
            Kudos.local_day >= first,
            Kudos.local_day <= last,
        )
        .group_by(Kudos.employee_id)
    )
    return {eid: int(n) for eid, n in rows}


def _giver_names(session: Session, rows: list[Kudos]) -> dict[int, str]:
    ids = {r.giver_employee_id for r in rows if r.giver_employee_id is not None}
    if not ids:
        return {}
    found = session.execute(select(Employee.id, Employee.display_name).where(Employee.id.in_(ids)))
    return dict(found.all())


def kudos_entry(row: Kudos, names: dict[int, str]) -> dict:
    """A kudos as listed: who gave it is the colleague's name, else the giver's account."""
    return {
        "id": row.id,
        "day": row.local_day,
        "message": row.message,
        "from": names.get(row.giver_employee_id, row.given_by),
        "colleague": row.giver_employee_id is not None,
        "points": row.points,
    }
