"""Event ingestion: validate → resolve → dedupe → insert the batch as a set → update rollups.

One call is one batch and runs inside the caller's transaction, so a batch lands whole or not
at all. Invalid events are never dropped: they go to the quarantine with their reasons. The
rows go to the database as multi-row statements (`adoption.ingest.bulk`) or, for a file import
on PostgreSQL, by COPY (`adoption.ingest.pgcopy`); both write the same rows in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from adoption import generations
from adoption.calendar import Month
from adoption.ingest import bulk, pgcopy, quarantine, registry
from adoption.ingest.bulk import select_in
from adoption.ingest.validation import ValidEvent, validate_event
from adoption.masterdata.cleaning import key_of
from adoption.models import Event, EventKey, Site
from adoption.usage.rollups import UsageRow, add_to_rollups

SITE_NOT_ALLOWED = "site_not_allowed: this token may not send events for this site."
UNKNOWN_SITE = "Unknown site."
NO_LOCAL_DAY = "Cannot be placed on a day in the site's time zone."
KEY_COLUMNS = ("source", "event_id")
EVENT_COLUMNS = (
    "source",
    "event_id",
    "employee_id",
    "site_id",
    "feature_id",
    "occurred_at",
    "local_day",
    "outcome",
    "duration_ms",
    "properties",
    "received_at",
)


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    quarantined: int = 0
    errors: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class CheckedEvents:
    """A batch validated without touching the database (`check_events`): each event with its
    index, what was sent, the valid event or None, and its errors; and each site_id as sent with
    its key. `ingest_batch` then only places and stores it, so a caller can validate before it
    takes a write lock (`api.http.events`)."""

    items: list[tuple[int, object, ValidEvent | None, dict]]
    site_keys: dict[str, str]

    def months(self) -> set[Month]:
        """The months the valid events' local days can fall in, wherever their site is: a UTC
        day's local day is at most a day before or after it."""
        days = {valid.occurred_at.date() for _, _, valid, _ in self.items if valid is not None}
        return {Month.of(d + timedelta(days=shift)) for d in days for shift in (-1, 0, 1)}


def check_events(events: Sequence[object], now: datetime) -> CheckedEvents:
    items: list[tuple[int, object, ValidEvent | None, dict]] = []
    site_keys: dict[str, str] = {}  # site_id as sent → key_of(site_id), computed once per value
    for index, raw in enumerate(events):
        valid, errors = validate_event(raw, now)
        items.append((index, raw, valid, errors))
        if valid is not None and valid.site_id not in site_keys:
            site_keys[valid.site_id] = key_of(valid.site_id)
    return CheckedEvents(items, site_keys)


@dataclass(slots=True)
class _Staged:
    index: int
    event: ValidEvent
    site_id: int
    local_day: date
    ended: bool  # its local day has ended at its site: a late event (generations.USAGE_HISTORY)


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def ingest_batch(
    session: Session,
    *,
    source: str,
    events: Sequence[object] | CheckedEvents,
    now: datetime,
    allowed_sites: frozenset[str] | None = None,
    copy: bool = False,
) -> IngestResult:
    """Store a batch of raw events (or events `check_events` validated already);
    `allowed_sites` (site keys) limits a site-scoped token.

    `copy` writes through `adoption.ingest.pgcopy` on PostgreSQL (COPY and array statements, for
    the large batches of a file import); SQLite, and every batch without it, takes the
    multi-row statements of `adoption.ingest.bulk`. Both store the same rows.
    """
    result = IngestResult()
    staged, rejected = place_events(session, events, now, allowed_sites)
    for index, raw, reasons in rejected:
        _reject(result, index, raw, reasons)
    quarantine.store_events(session, source, [(raw, reasons) for _, raw, reasons in rejected], now)

    unique: dict[str, _Staged] = {}
    for item in staged:
        unique.setdefault(item.event.event_id, item)
    result.accepted = store_events(session, source, list(unique.values()), now, copy=copy)
    result.duplicates = len(staged) - result.accepted
    return result


def _reject(result: IngestResult, index: int, raw: object, reasons: dict) -> None:
    event_id = raw.get("event_id") if isinstance(raw, dict) else None
    result.quarantined += 1
    result.errors.append(
        {
            "index": index,
            "event_id": event_id if isinstance(event_id, str) else None,
            "details": reasons,
        }
    )


def place_events(
    session: Session,
    events: Sequence[object] | CheckedEvents,
    now: datetime,
    allowed_sites: frozenset[str] | None,
) -> tuple[list[_Staged], list[tuple[int, object, dict]]]:
    """Validate each event (unless `check_events` did), find its site and its local day there;
    every event comes back either placed or rejected with reasons naming the field, whatever it
    holds."""
    checked = events if isinstance(events, CheckedEvents) else check_events(events, now)
    site_keys = checked.site_keys
    sites = _sites_by_key(session, set(site_keys.values()))
    staged: list[_Staged] = []
    rejected: list[tuple[int, object, dict]] = []
    todays: dict[str, date] = {}  # each site time zone's local today
    for index, raw, valid, errors in checked.items:
        if valid is None:
            rejected.append((index, raw, errors))
            continue
        key = site_keys[valid.site_id]
        site = sites.get(key)
        if site is None:
            rejected.append((index, raw, {"site_id": [UNKNOWN_SITE]}))
        elif allowed_sites is not None and key not in allowed_sites:
            rejected.append((index, raw, {"site_id": [SITE_NOT_ALLOWED]}))
        else:
            local_day = local_day_of(valid.occurred_at, site[1])
            if local_day is None:
                rejected.append((index, raw, {"occurred_at": [NO_LOCAL_DAY]}))
            else:
                today = todays.get(site[1]) or todays.setdefault(site[1], _today(site[1], now))
                staged.append(_Staged(index, valid, site[0], local_day, local_day < today))
    return staged, rejected


def _today(timezone: str, now: datetime) -> date:
    return now.astimezone(_zone(timezone)).date()


def local_day_of(occurred_at: datetime, timezone: str) -> date | None:
    """The site's calendar day of an instant; None when it falls outside what a date can hold
    (0001-01-01T00:00Z is still year 0 in New York)."""
    try:
        return occurred_at.astimezone(_zone(timezone)).date()
    except (OverflowError, ValueError):
        return None


def _sites_by_key(session: Session, keys: set[str]) -> dict[str, tuple[int, str]]:
    rows = select_in(session, Site.__table__, ("code_key", "id", "timezone"), "code_key", keys)
    return {key: (site_id, tz) for key, site_id, tz in rows}


def store_events(
    session: Session, source: str, staged: list[_Staged], now: datetime, *, copy: bool = False
) -> int:
    """Insert events that are new for `source` (ON CONFLICT DO NOTHING), roll up what landed.

    The keys go first: only events whose keys are new register unknown users and actions, so a
    resent event changes nothing at all, even when the person it names was erased since."""
    copy = copy and session.get_bind().dialect.name == "postgresql"
    staged = _new_for_source(session, source, staged, copy)
    if not staged:
        return 0
    user_keys, wanted = _employee_keys(staged)
    employees = registry.ensure_employees(session, wanted, now)
    features = registry.ensure_features(session, {s.event.action for s in staged}, now)
    employee_ids = {user_id: employees[key] for user_id, key in user_keys.items()}
    feature_ids = {action: ref.feature_id for action, ref in features.items()}
    insert = _event_writer(session)
    rows, usage = _event_rows(insert, source, staged, employee_ids, feature_ids, now)
    if copy:
        pgcopy.copy_rows(session, Event.__table__, EVENT_COLUMNS, rows)
    else:
        insert.insert(session, rows)
    canonical = {f.feature_id: f.canonical_id for f in features.values()}
    add_to_rollups(session, usage, canonical, arrays=copy)
    if any(item.ended for item in staged):
        generations.bump(session, generations.USAGE_HISTORY, now)
    return len(staged)


def _new_for_source(
    session: Session, source: str, staged: list[_Staged], copy: bool
) -> list[_Staged]:
    """Store the events' keys; the events whose keys were new, in batch order. Keys go in
    sorted order, so that concurrent batches sharing keys wait on each other instead of
    deadlocking on PostgreSQL."""
    if not staged:
        return staged
    if copy:
        ids = sorted(s.event.event_id for s in staged)
        stored = pgcopy.insert_keys(session, EventKey.__table__, source, ids)
        return [s for s in staged if s.event.event_id not in stored] if stored else staged
    keys = sorted((source, s.event.event_id) for s in staged)
    kept = {event_id for (event_id,) in key_writer(session).insert(session, keys)}
    return staged if len(kept) == len(staged) else [s for s in staged if s.event.event_id in kept]


def _event_rows(
    insert: bulk.Writer,
    source: str,
    staged: list[_Staged],
    employee_ids: dict[str, int],
    feature_ids: dict[str, int],
    now: datetime,
) -> tuple[list[tuple], list[UsageRow]]:
    """Each event as its `event` row (values converted for the database) and as what rollups
    read of it; a batch's few local days, its absent properties and `now` convert once."""
    occurred_at = insert.convert("occurred_at")
    properties = insert.convert("properties")
    no_properties = properties(None)
    local_day = bulk.memo(insert.convert("local_day"))
    received_at = insert.convert("received_at")(now)
    rows = []
    usage = []
    for item in staged:
        ev = item.event
        employee_id = employee_ids[ev.user_id]
        feature_id = feature_ids[ev.action]
        rows.append(
            (
                source,
                ev.event_id,
                employee_id,
                item.site_id,
                feature_id,
                occurred_at(ev.occurred_at),
                local_day(item.local_day),
                ev.outcome,
                ev.duration_ms,
                no_properties if ev.properties is None else properties(ev.properties),
                received_at,
            )
        )
        usage.append(
            (employee_id, item.site_id, feature_id, item.local_day, ev.outcome, ev.duration_ms)
        )
    return rows, usage


def key_writer(session: Session) -> bulk.Writer:
    """A key that is new for the source is stored and comes back; one already stored is skipped.
    Only the events whose keys came back are stored and rolled up: exactly once, even under
    concurrent batches (the second waits on the first's keys, then finds them)."""
    tail = " ON CONFLICT (source, event_id) DO NOTHING RETURNING event_id"
    return bulk.writer(session.get_bind().dialect, EventKey.__table__, KEY_COLUMNS, tail)


def _event_writer(session: Session) -> bulk.Writer:
    return bulk.writer(session.get_bind().dialect, Event.__table__, EVENT_COLUMNS)


def _employee_keys(staged: list[_Staged]) -> tuple[dict[str, str], dict[str, tuple[str, int]]]:
    """key_of each distinct user_id once; and key → (user_id, site) of the first event naming it:
    an unrostered employee is stored as first seen (DESIGN "Identifiers")."""
    user_keys: dict[str, str] = {}
    wanted: dict[str, tuple[str, int]] = {}
    for item in staged:
        user_id = item.event.user_id
        key = user_keys.get(user_id)
        if key is None:
            key = user_keys[user_id] = key_of(user_id)
        wanted.setdefault(key, (user_id, item.site_id))
    return user_keys, wanted
