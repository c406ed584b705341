"""Who sees whom: the one privacy rule (docs/privacy.md) that every view showing people obeys.

A person's individual data (their rows on boards, proficiency, who needs help, who went quiet)
is seen by name by the person, the manager of their home site, HR and admin. Everyone else
(colleagues, a TV screen, rollout leads, other sites' managers) gets the same rows without who
they are: `user_id` null and `display_name` "Anonymous". Opting out (`employee.public_opt_out`)
also takes the name off every ranking that anyone but the person, HR and admin sees, the manager
included; who needs help (coaching) is not a ranking and keeps the name for the manager.
Aggregates over fewer than `min_group` people (`UPTAKE_MIN_GROUP`, default 5) are withheld from
everyone but HR and admin.

Plain Python: a `Viewer` and a `Person` in, a yes or no out. `Viewer.of` reads the role, sites
and employee of an `adoption.identity.credentials.Principal`; `PUBLIC` is a screen anyone may
read. The last function, `set_public_opt_out`, is the person's own choice, made on /me.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, is_dataclass, replace
from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from adoption import audit
from adoption.errors import NotFound
from adoption.locales import N_
from adoption.models import Employee

PAY_ROLES = frozenset({"hr", "admin"})  # see everyone by name, and every aggregate
ANONYMOUS = "Anonymous"
WHO = ("user_id", "display_name")
Row = TypeVar("Row")


@dataclass(frozen=True)
class Viewer:
    """Who looks: a role ("public" for a screen anyone may read), the sites a manager runs, and
    the viewer's own employee, if the login has one."""

    role: str
    site_ids: frozenset[int] = frozenset()
    employee_id: int | None = None
    home_site_id: int | None = None
    # `UPTAKE_BOARD_NAMES=colleagues`: a chain whose staff agreed to it (a works agreement, say)
    # lets clerks see their own store's rankings by name; opted-out people stay Anonymous.
    colleague_names: bool = False

    @classmethod
    def of(cls, principal, *, colleague_names: bool = False) -> Viewer:
        """The viewer behind a principal (anything with `role`, `site_ids`, `employee_id` and
        `home_site_id`)."""
        sites = frozenset(principal.site_ids) if principal.role == "manager" else frozenset()
        home = getattr(principal, "home_site_id", None)
        return cls(principal.role, sites, principal.employee_id, home, colleague_names)


PUBLIC = Viewer("public")  # a TV board: a screen in the store, read by anyone walking by
OPERATOR = Viewer("admin")  # the command line: whoever runs it runs the server


@dataclass(frozen=True)
class Person:
    """Whom a row is about: the employee, the home site, and whether they opted out."""

    employee_id: int
    site_id: int
    opted_out: bool = False


def is_self(viewer: Viewer, person: Person) -> bool:
    return viewer.employee_id is not None and viewer.employee_id == person.employee_id


def sees_person(viewer: Viewer, person: Person) -> bool:
    """Individual data by name: the person, the manager of their home site, HR and admin."""
    if viewer.role in PAY_ROLES or is_self(viewer, person):
        return True
    return viewer.role == "manager" and person.site_id in viewer.site_ids


def named_in_ranking(viewer: Viewer, person: Person) -> bool:
    """A ranking row by name: as `sees_person`, but an opted-out person only to themselves,
    HR and admin. The row itself stays, with its rank and value, as "Anonymous"."""
    if person.opted_out:
        return viewer.role in PAY_ROLES or is_self(viewer, person)
    return sees_person(viewer, person) or _colleague(viewer, person)


def _colleague(viewer: Viewer, person: Person) -> bool:
    """A clerk of the same home site, where the chain shows store rankings to colleagues."""
    return (
        viewer.colleague_names
        and viewer.role == "employee"
        and viewer.home_site_id is not None
        and viewer.home_site_id == person.site_id
    )


def shows_group(viewer: Viewer, size: int | None, min_group: int) -> bool:
    """Whether an aggregate over `size` people is shown: always to HR and admin, to others only
    for a group of at least `min_group` people."""
    return viewer.role in PAY_ROLES or (size or 0) >= min_group


def too_small(min_group: int) -> str:
    """The reason a withheld aggregate carries (JSON `suppressed_reason`, the pages' text)."""
    return N_("fewer than %(n)s people", n=min_group)


def as_seen_by(
    viewer: Viewer,
    person: Person,
    row: Row,
    *,
    ranking: bool = False,
    also_hide: Iterable[str] = (),
) -> Row:
    """The row (a dict or a dataclass) as the viewer may see it: unchanged, or without who it is
    (`user_id` None, `display_name` "Anonymous", and `also_hide` fields None). `ranking` applies
    `named_in_ranking` instead of `sees_person`."""
    shown = named_in_ranking(viewer, person) if ranking else sees_person(viewer, person)
    if shown:
        return row
    hidden = {"user_id": None, "display_name": ANONYMOUS, **dict.fromkeys(also_hide)}
    return replace(row, **hidden) if is_dataclass(row) else {**row, **hidden}


def group_row(
    viewer: Viewer, row: dict, *, size: int | None, figures: Iterable[str], min_group: int
) -> dict:
    """The row with `suppressed` (bool) and `suppressed_reason` (None, or why); when the group
    is too small for the viewer, its `figures` are None."""
    if shows_group(viewer, size, min_group):
        return {**row, "suppressed": False, "suppressed_reason": None}
    return {
        **row,
        **dict.fromkeys(figures),
        "suppressed": True,
        "suppressed_reason": too_small(min_group),
    }


def public_opt_out(session: Session, employee_id: int) -> bool:
    """Whether the person has opted out (what /me shows next to the choice)."""
    return _employee(session, employee_id).public_opt_out


def set_public_opt_out(
    session: Session, employee_id: int, opted_out: bool, *, now: datetime, actor: str
) -> Employee:
    """The person's own choice: off every board that others see by name (True), or back on.
    Audited; an unchanged choice writes nothing."""
    employee = _employee(session, employee_id)
    if employee.public_opt_out != opted_out:
        before = employee.public_opt_out
        employee.public_opt_out = opted_out
        employee.updated_at = now
        audit.record(
            session,
            actor=actor,
            action="employee.public_opt_out",
            target_type="employee",
            target=employee.external_id,
            now=now,
            details={"changes": {"public_opt_out": [before, opted_out]}},
        )
        session.flush()
    return employee


def _employee(session: Session, employee_id: int) -> Employee:
    employee = session.get(Employee, employee_id)
    if employee is None:
        raise NotFound("No employee is linked to this login.", {"employee_id": employee_id})
    return employee
