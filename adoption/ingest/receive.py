"""Store what a Segment, RudderStack or PostHog client sent, once `compat` has mapped it.

`check_messages` validates the mapped events without the database (`check_events`, the one
validator), keeping each message as sent: a message that fails is quarantined as the client sent
it, with reasons naming the client's field (`timestamp`, not `occurred_at`). `receive` then runs
in the caller's one transaction: identifies first (so a batch that introduces someone and
records their first sale names them), then `ingest_batch` for the events, exactly as
POST /api/v1/events stores them (dedup by (source, messageId), site scope, quarantine).

The identify rule (docs/integrations.md): HR's roster is the authority on who works where, so
an identify never changes a rostered or erased employee. Someone known only from events gets
the name and home site it sends; someone unknown is stored as first seen (unrostered, DESIGN
"Identifiers") when it names a site. A site the token may not send for is never anyone's home:
the message is quarantined with `site_not_allowed`. Every change is audited as `employee.put`
by `token:<source>`; an identify's messageId is kept as an event key, so a resent one changes
nothing even after a later identify.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption import audit
from adoption.db import dialect_insert
from adoption.ingest import quarantine
from adoption.ingest.batch import (
    SITE_NOT_ALLOWED,
    UNKNOWN_SITE,
    CheckedEvents,
    ingest_batch,
    key_writer,
)
from adoption.ingest.compat import Identify, MappedBatch, source_reasons
from adoption.ingest.validation import MAX_ID_LENGTH, MSG_LENGTH, validate_event
from adoption.masterdata.cleaning import key_of
from adoption.models import Employee, Site

OTHER_SITES_PERSON = (
    "site_not_allowed: this token may not change a person whose home is a site it may not send for."
)


@dataclass
class ReceiveResult:
    accepted: int = 0
    duplicates: int = 0
    quarantined: int = 0
    ignored: int = 0
    identified: int = 0
    errors: list[dict] = field(default_factory=list)


def check_messages(mapped: MappedBatch, now: datetime) -> CheckedEvents:
    """The mapped events validated (no database), each item holding the message as sent, the
    unmappable messages among them with their reasons; in the request's order."""
    items: list[tuple[int, object, object, dict]] = []
    site_keys: dict[str, str] = {}
    for index, message, event, origin in mapped.events:
        valid, errors = validate_event(event, now)
        items.append((index, message, valid, source_reasons(errors, origin)))
        if valid is not None and valid.site_id not in site_keys:
            site_keys[valid.site_id] = key_of(valid.site_id)
    items += [(index, message, None, reasons) for index, message, reasons in mapped.rejected]
    items.sort(key=lambda item: item[0])
    return CheckedEvents(items, site_keys)


def receive(
    session: Session,
    *,
    source: str,
    mapped: MappedBatch,
    checked: CheckedEvents,
    now: datetime,
    allowed_sites: frozenset[str] | None = None,
) -> ReceiveResult:
    """Apply the identifies, then store the events (`ingest_batch`): one batch, one
    transaction (the caller's)."""
    result = ReceiveResult(ignored=mapped.ignored)
    rejected: list[tuple[object, dict]] = []
    for identify, outcome in _identifies(session, source, mapped.identifies, allowed_sites, now):
        if isinstance(outcome, dict):
            rejected.append((identify.message, outcome))
            result.errors.append({"index": identify.index, "details": outcome})
        elif outcome == "duplicate":
            result.duplicates += 1
        elif outcome == "identified":
            result.identified += 1
        else:
            result.ignored += 1
    quarantine.store_events(session, source, rejected, now)
    session.flush()
    stored = ingest_batch(
        session, source=source, events=checked, now=now, allowed_sites=allowed_sites
    )
    result.accepted = stored.accepted
    result.duplicates += stored.duplicates
    result.quarantined = stored.quarantined + len(rejected)
    result.errors += [{"index": e["index"], "details": e["details"]} for e in stored.errors]
    result.errors.sort(key=lambda error: error["index"])
    return result


def _identifies(
    session: Session,
    source: str,
    identifies: list[Identify],
    allowed_sites: frozenset[str] | None,
    now: datetime,
) -> list[tuple[Identify, str | dict[str, list[str]]]]:
    """Each identify with its outcome: "identified", "ignored", "duplicate", or the reasons to
    quarantine it.

    As every multi-row write of ingest, the writes go in key order, so that two batches
    resending the same identifies in different orders wait for each other instead of
    deadlocking on PostgreSQL: the messageIds of the identifies that pass are stored sorted in
    one statement (the first of a repeated messageId in the batch claims it), then the people
    are written sorted by user key, each person's identifies still in batch order."""
    outcomes: dict[int, str | dict[str, list[str]]] = {}
    passing: list[tuple[Identify, Site | None]] = []
    for identify in identifies:
        site = _identify_site(session, identify, allowed_sites)
        if isinstance(site, dict):
            outcomes[identify.index] = site
        else:
            passing.append((identify, site))
    ids = sorted({i.event_id for i, _ in passing if i.event_id is not None})
    fresh = (
        {
            event_id
            for (event_id,) in key_writer(session).insert(
                session, [(source, event_id) for event_id in ids]
            )
        }
        if ids
        else set()
    )
    applied: list[tuple[Identify, Site | None]] = []
    for identify, site in passing:
        if identify.event_id is None:
            applied.append((identify, site))
        elif identify.event_id in fresh:
            fresh.discard(identify.event_id)  # claimed: a repeat later in the batch is a duplicate
            applied.append((identify, site))
        else:
            outcomes[identify.index] = "duplicate"
    for identify, site in sorted(applied, key=lambda pair: key_of(pair[0].user_id)):
        outcomes[identify.index] = _identify(session, source, identify, site, now)
    return [(identify, outcomes[identify.index]) for identify in identifies]


def _identify_site(
    session: Session, identify: Identify, allowed_sites: frozenset[str] | None
) -> Site | dict[str, list[str]] | None:
    """The home site an identify names (None when it names none), or the reasons it cannot be
    applied; reads only. A token limited to some sites changes only people at home there: it
    can neither rename nor take in someone from another store."""
    key = key_of(identify.user_id)
    if len(identify.user_id) > MAX_ID_LENGTH or len(key) > MAX_ID_LENGTH:
        return {identify.user_field: [MSG_LENGTH]}
    if allowed_sites is not None:
        home = session.scalar(
            select(Site.code_key)
            .join(Employee, Employee.site_id == Site.id)
            .where(Employee.external_key == key)
        )
        if home is not None and home not in allowed_sites:
            return {identify.user_field: [OTHER_SITES_PERSON]}
    if identify.site_id is None:
        return None
    site = session.scalar(select(Site).where(Site.code_key == key_of(identify.site_id)))
    if site is None:
        return {identify.site_field: [UNKNOWN_SITE]}
    if allowed_sites is not None and site.code_key not in allowed_sites:
        return {identify.site_field: [SITE_NOT_ALLOWED]}
    return site


def _identify(session: Session, source: str, identify: Identify, site: Site | None, now) -> str:
    """Apply one identify whose key was new: "identified" or "ignored"."""
    key = key_of(identify.user_id)
    employee = session.scalar(select(Employee).where(Employee.external_key == key))
    if employee is None:
        return _first_seen(session, source, identify, key, site, now)
    if employee.rostered or employee.erased_at is not None:
        return "ignored"
    return _update(session, source, employee, identify, site, now)


def _first_seen(session, source, identify: Identify, key: str, site, now) -> str:
    """Someone unknown: stored unrostered at the site named, as events store them; without a
    site there is no home to give them, and nothing is stored."""
    if site is None:
        return "ignored"
    name = identify.display_name or identify.user_id
    row = {
        "external_id": identify.user_id,
        "external_key": key,
        "display_name": name,
        "site_id": site.id,
        "role": "staff",
        "rostered": False,
        "public_opt_out": False,
        "created_at": now,
        "updated_at": now,
    }
    # As `registry.ensure_employees`: a concurrent batch naming the same newcomer wins quietly.
    stmt = (
        dialect_insert(session, Employee.__table__)
        .values(**row)
        .on_conflict_do_nothing(index_elements=["external_key"])
        .returning(Employee.__table__.c.id)
    )
    if session.execute(stmt).first() is None:
        return "ignored"
    after = {"display_name": name, "site_id": site.code, "rostered": False}
    _audit(session, source, identify.user_id, {}, after, created=True, now=now)
    return "identified"


def _update(session, source, employee: Employee, identify: Identify, site, now) -> str:
    before = {"display_name": employee.display_name, "site_id": employee.site.code}
    if identify.display_name:
        employee.display_name = identify.display_name
    if site is not None and site.id != employee.site_id:
        employee.site_id = site.id
        session.flush()
        session.expire(employee, ["site"])  # the loaded home site is the old one
    after = {"display_name": employee.display_name, "site_id": employee.site.code}
    if after == before:
        return "ignored"
    employee.updated_at = now
    _audit(session, source, employee.external_id, before, after, created=False, now=now)
    return "identified"


def _audit(session, source, user_id, before, after, *, created: bool, now) -> None:
    audit.record_put(
        session,
        "employee",
        user_id,
        before,
        after,
        created=created,
        actor=f"token:{source}",
        now=now,
    )
