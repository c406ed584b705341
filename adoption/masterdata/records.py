"""Sites, employees and features: read, create-or-replace, and list with keyset pagination."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption import audit
from adoption.calendar import chain_today_of
from adoption.errors import Invalid, NotFound
from adoption.ingest.registry import module_of
from adoption.limits import DAILY_CAP, EXPECTED_MS, POINTS, WAVE, check_values
from adoption.masterdata.cleaning import key_of, normalise_action, normalise_text
from adoption.models import Employee, Feature, Site
from adoption.usage.insights import unmapped_actions

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
FEATURE_FIELDS = ("module", "is_core", "expected_ms", "points", "daily_cap", "alias_of")
UNMAPPED_WINDOW_DAYS = 28
DEFAULT_POINTS = 1  # a feature's points when an admin maps it without giving any
MAX_MAPPED_SHOWN = 1000
T = TypeVar("T")


def get_site(session: Session, code: str) -> Site:
    site = _find(session, Site, Site.code_key, key_of(code))
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
    code = _required_key(code, "site_id", max_length=64)
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


def _required_key(value: str, field: str, max_length: int = 128) -> str:
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


def _find(session: Session, model: type[T], column, key: str | None) -> T | None:
    """The row whose `column` is `key`. A key with a NUL character is no row's key, and looking
    it up would fail in PostgreSQL's driver (a 500) instead of finding nothing."""
    if key is None or "\x00" in key:
        return None
    return session.scalar(select(model).where(column == key))


def get_employee(session: Session, user_id: str) -> Employee:
    emp = _find(session, Employee, Employee.external_key, key_of(user_id))
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
    user_id = _required_key(user_id, "user_id")
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
    site = _find(session, Site, Site.code_key, key_of(code))
    if site is None:
        raise Invalid({"site_id": [f"Unknown site {code!r}."]})
    return site.id


def get_feature(session: Session, action: str) -> Feature:
    feature = _find(session, Feature, Feature.action, normalise_action(action))
    if feature is None:
        raise NotFound(f"No feature {action!r}.", {"action": action})
    return feature


def list_features(
    session: Session, *, limit: int, after: str | None = None, unmapped: bool | None = None
) -> list[Feature]:
    stmt = select(Feature).order_by(Feature.action).limit(limit)
    if after is not None:
        stmt = stmt.where(Feature.action > after)
    if unmapped is not None:
        stmt = stmt.where(Feature.mapped.is_(not unmapped))
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class MappingQueue:
    """What an admin maps: the actions waiting (`adoption.usage.insights.unmapped_actions`:
    action, first_seen, events) with their events counted at every site over `first`..`last`
    (`window_days` local days ending on the chain's current day, `chain_today`), and the mapped
    actions an alias may name (by action, at most `MAX_MAPPED_SHOWN`)."""

    first: date
    last: date
    window_days: int
    waiting: list[dict]
    mapped: list[str]


def mapping_queue(session: Session, now: datetime) -> MappingQueue:
    last = chain_today_of(session, now)
    first = last - timedelta(days=UNMAPPED_WINDOW_DAYS - 1)
    site_ids = set(session.scalars(select(Site.id)))
    return MappingQueue(
        first=first,
        last=last,
        window_days=UNMAPPED_WINDOW_DAYS,
        waiting=unmapped_actions(session, site_ids, first, last),
        mapped=[f.action for f in list_features(session, limit=MAX_MAPPED_SHOWN, unmapped=False)],
    )


def map_feature(
    session: Session, action: str, values: dict, *, now: datetime, actor: str = "system"
) -> tuple[Feature, bool]:
    """Map an action as an admin does it (the admin page and `PUT /features/{action}`).

    The one rule of both doors:
    - `points` not given (a blank field on the page, an omitted key in the API) is the
      contract's default, 1, while the action is not mapped yet: new, or only seen in events
      (registered with 0 points, `Feature.mapped` false); once mapped, it keeps its stored
      value. A blank field never means 0.
    - Any other field not given keeps its stored value (or its default on create).
    - `alias_of`, when given, must name a feature already known (after trimming and lowering):
      a typo is refused with Invalid naming `alias_of`, it never maps silently; an action
      cannot be an alias of itself.
    Then as `put_feature`. (An import of a whole catalog uses `put_feature`, where a row may
    name an alias target that a later row creates.)
    """
    values = dict(values)
    alias = values.get("alias_of")
    if alias is not None:
        target = normalise_action(alias)
        known = _find(session, Feature, Feature.action, target)
        if known is None and target != normalise_action(action):
            raise Invalid({"alias_of": [f"No feature {alias!r}."]})
    if "points" not in values:
        mapped = session.scalar(
            select(Feature.mapped).where(Feature.action == normalise_action(action))
        )
        if not mapped:
            values["points"] = DEFAULT_POINTS
    return put_feature(session, action, values, now=now, actor=actor)


def put_feature(
    session: Session, action: str, values: dict, *, now: datetime, actor: str = "system"
) -> tuple[Feature, bool]:
    """Create or replace a feature; saving it maps it. A changed alias re-derives rollups.
    Audited: points and caps feed the bonus run."""
    action = normalise_action(_required_key(action, "action"))
    check_values(values, {"expected_ms": EXPECTED_MS, "points": POINTS, "daily_cap": DAILY_CAP})
    values = dict(values)
    if values.get("alias_of") is not None:
        values["alias_of"] = normalise_action(values["alias_of"])
        if values["alias_of"] == action:
            raise Invalid({"alias_of": ["A feature cannot be an alias of itself."]})
    feature = session.scalar(select(Feature).where(Feature.action == action))
    created = feature is None
    if created:
        feature = Feature(
            action=action,
            module=module_of(action),
            is_core=False,
            points=DEFAULT_POINTS,
            created_at=now,
        )
        session.add(feature)
    old_alias = None if created else feature.alias_of
    scored = (feature.is_core, feature.expected_ms, feature.alias_of)
    before = audit.snapshot(None if created else feature, (*FEATURE_FIELDS, "mapped"))
    if apply_values(feature, {**values, "mapped": True}, (*FEATURE_FIELDS, "mapped")) or created:
        feature.updated_at = now
    if (feature.is_core, feature.expected_ms, feature.alias_of) != scored or (
        created and (feature.is_core or feature.alias_of)
    ):
        feature.scores_changed_at = now
    session.flush()
    after = audit.snapshot(feature, (*FEATURE_FIELDS, "mapped"))
    audit.record_put(
        session, "feature", feature.action, before, after, created=created, actor=actor, now=now
    )
    if not created and old_alias != feature.alias_of:
        _rebuild_for_alias_change(session, feature, old_alias)
    elif created:
        _rebuild_for_new_alias_target(session, feature)
    return feature, created


def _rebuild_for_new_alias_target(session: Session, feature: Feature) -> None:
    """Features aliased to an action not known until now counted as themselves: move them."""
    from adoption.usage.rollups import rebuild_rollups

    aliased = set(session.scalars(select(Feature.id).where(Feature.alias_of == feature.action)))
    if aliased:
        rebuild_rollups(session, feature_ids={feature.id, *aliased})


def _rebuild_for_alias_change(session: Session, feature: Feature, old_alias: str | None) -> None:
    from adoption.ingest.registry import canonical_map
    from adoption.usage.rollups import rebuild_rollups

    targets = {feature.id}
    for alias in (old_alias, feature.alias_of):
        if alias:
            target = session.scalar(select(Feature.id).where(Feature.action == alias))
            if target is not None:
                targets.add(target)
    canonical = canonical_map(session)
    targets |= {canonical[t] for t in targets}
    rebuild_rollups(session, feature_ids=targets)


def site_codes(
    session: Session, site_ids: Iterable[int] | None = None, *, limit: int | None = None
) -> list[str]:
    """The codes of these sites (every site when None), in code order; at most `limit`."""
    query = select(Site.code).order_by(Site.code_key).limit(limit)
    if site_ids is not None:
        query = query.where(Site.id.in_(list(site_ids)))
    return list(session.scalars(query))
