"""Sites and employees: read, create-or-replace, and list with keyset pagination (features:
`adoption.masterdata.feature_records`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption import audit
from adoption.errors import Invalid, NotFound
from adoption.limits import WAVE, check_values
from adoption.masterdata.cleaning import key_of, normalise_text
from adoption.models import Employee, Site

SITE_FIELDS = ("name", "region", "timezone", "is_pilot", "wave", "go_live_on", "program_started_on")
EMPLOYEE_FIELDS = (
    "display_name",
    "site_id",
    "role",
    "hired_on",
    "left_on",
    "rostered",
    "public_opt_out",
)
T = TypeVar("T")


def get_site(session: Session, code: str) -> Site:
    site = find(session, Site, Site.code_key, key_of(code))
    if site is None:
        raise NotFound(f"No site {code!r}.", {"site_id": code})
    return site


def list_sites(
    session: Session, *, limit: int, after: str | None = None, only: set[int] | None = None
) -> list[Site]:
    stmt = select(Site).order_by(Site.code_key).limit(limit)
    if after is not None:
        stmt = stmt.where(Site.code_key > after)
    if only is not None:
        stmt = stmt.where(Site.id.in_(only))
    return list(session.scalars(stmt))


def put_site(
    session: Session, code: str, values: dict, *, now: datetime, actor: str, default_tz: str
) -> tuple[Site, bool]:
    """Create (with defaults) or replace; an omitted field keeps its stored value. Audited."""
    code = required_key(code, "site_id", max_length=64)
    if "timezone" in values:
        _check_timezone(values["timezone"])
    check_values(values, {"wave": WAVE}, ("go_live_on", "program_started_on"))
    site = session.scalar(select(Site).where(Site.code_key == key_of(code)))
    created = site is None
    if created:
        if not normalise_text(values.get("name")):
            raise Invalid({"name": ["Missing data for required field."]})
        site = Site(
            code=code, code_key=key_of(code), timezone=default_tz, is_pilot=False, created_at=now
        )
        session.add(site)
    old_tz = None if created else site.timezone
    before = audit.snapshot(None if created else site, SITE_FIELDS)
    if apply_values(site, values, SITE_FIELDS) or created:
        site.updated_at = now
    session.flush()
    after = audit.snapshot(site, SITE_FIELDS)
    audit.record_put(
        session, "site", site.code, before, after, created=created, actor=actor, now=now
    )
    if old_tz is not None and old_tz != site.timezone:
        from adoption.masterdata.timezones import rederive_site_days

        changed = rederive_site_days(session, site)
        audit.record(
            session,
            actor=actor,
            action="site.timezone",
            target_type="site",
            target=site.code,
            now=now,
            details={"from": old_tz, "to": site.timezone, "events_moved": changed},
        )
    return site, created


def apply_values(obj, values: dict, fields: tuple[str, ...]) -> bool:
    """Set the given fields that differ; True when anything changed (re-imports change nothing)."""
    changed = False
    for name in fields:
        if name in values and getattr(obj, name) != values[name]:
            setattr(obj, name, values[name])
            changed = True
    return changed


def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError) as exc:
        raise Invalid({"timezone": [f"Unknown timezone {name!r}."]}) from exc


def required_key(value: str, field: str, max_length: int = 128) -> str:
    """The trimmed key; its length is bounded by the column it is stored in."""
    text = normalise_text(value)
    if not text:
        raise Invalid({field: ["Must not be empty."]})
    # The matching key is case-folded and can be longer ("ß" folds to "ss"); both are stored.
    if max(len(text), len(text.casefold())) > max_length:
        raise Invalid({field: [f"Length must be between 1 and {max_length}."]})
    if "\x00" in text:
        raise Invalid({field: ["Must not contain a NUL character."]})
    return text


def find(session: Session, model: type[T], column, key: str | None) -> T | None:
    """The row whose `column` is `key`. A key with a NUL character is no row's key, and looking
    it up would fail in PostgreSQL's driver (a 500) instead of finding nothing."""
    if key is None or "\x00" in key:
        return None
    return session.scalar(select(model).where(column == key))


def get_employee(session: Session, user_id: str) -> Employee:
    emp = find(session, Employee, Employee.external_key, key_of(user_id))
    if emp is None:
        raise NotFound(f"No employee {user_id!r}.", {"user_id": user_id})
    return emp


def list_employees(
    session: Session,
    *,
    limit: int,
    after: str | None = None,
    site_ids: set[int] | None = None,
    only: set[int] | None = None,
    rostered: bool | None = None,
) -> list[Employee]:
    """A page of employees by user id; `site_ids` filters by home site, `only` by employee id,
    `rostered` by whether HR's roster lists them (False: people known only from events)."""
    stmt = select(Employee).order_by(Employee.external_key).limit(limit)
    if rostered is not None:
        stmt = stmt.where(Employee.rostered.is_(rostered))
    if after is not None:
        stmt = stmt.where(Employee.external_key > after)
    if site_ids is not None:
        stmt = stmt.where(Employee.site_id.in_(site_ids))
    if only is not None:
        stmt = stmt.where(Employee.id.in_(only))
    return list(session.scalars(stmt))


def put_employee(
    session: Session, user_id: str, values: dict, *, now: datetime, actor: str = "system"
) -> tuple[Employee, bool]:
    """Create or replace an employee; `values["site_id"]` is a site code. Audited.

    Roster data about someone first seen in events makes them rostered unless told otherwise.
    Everything is checked before the session is touched, so a rejected row leaves nothing behind.
    """
    user_id = required_key(user_id, "user_id")
    check_values(values, {}, ("hired_on", "left_on"))
    values = dict(values)
    emp = session.scalar(select(Employee).where(Employee.external_key == key_of(user_id)))
    created = emp is None
    if created:
        missing = {
            f: ["Missing data for required field."]
            for f in ("display_name", "site_id")
            if not normalise_text(values.get(f))
        }
        if missing:
            raise Invalid(missing)
    elif not emp.rostered:
        values.setdefault("rostered", True)
    if "site_id" in values:
        values["site_id"] = get_site_id(session, values["site_id"])
    hired = values.get("hired_on", None if created else emp.hired_on)
    left = values.get("left_on", None if created else emp.left_on)
    if hired and left and left < hired:
        raise Invalid({"left_on": ["Must not be before hired_on."]})
    if created:
        emp = Employee(
            external_id=user_id,
            external_key=key_of(user_id),
            role="staff",
            public_opt_out=False,
            rostered=True,
            created_at=now,
        )
        session.add(emp)
    moved = not created and values.get("site_id", emp.site_id) != emp.site_id
    before = _employee_snapshot(session, None if created else emp)
    if apply_values(emp, values, EMPLOYEE_FIELDS) or created:
        emp.updated_at = now
    session.flush()
    if moved:
        session.expire(emp, ["site"])  # the loaded home site is the old one
    after = _employee_snapshot(session, emp)
    audit.record_put(
        session, "employee", emp.external_id, before, after, created=created, actor=actor, now=now
    )
    return emp, created


def _employee_snapshot(session: Session, emp: Employee | None) -> dict:
    """The audited fields, the home site by its code (the id means nothing to a reader)."""
    values = audit.snapshot(emp, EMPLOYEE_FIELDS)
    if emp is not None:
        values["site_id"] = session.get(Site, emp.site_id).code
    return values


def get_site_id(session: Session, code: str) -> int:
    site = find(session, Site, Site.code_key, key_of(code))
    if site is None:
        raise Invalid({"site_id": [f"Unknown site {code!r}."]})
    return site.id


def site_codes(
    session: Session, site_ids: Iterable[int] | None = None, *, limit: int | None = None
) -> list[str]:
    """The codes of these sites (every site when None), in code order; at most `limit`."""
    query = select(Site.code).order_by(Site.code_key).limit(limit)
    if site_ids is not None:
        query = query.where(Site.id.in_(list(site_ids)))
    return list(session.scalars(query))
