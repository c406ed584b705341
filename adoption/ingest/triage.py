"""The quarantine at scale: filters, totals by reason and by source, which items would pass if
replayed as stored now, and bulk replay or discard of a filtered set, with a dry run.

A filter selects items by status, reason line, source, the site they name and the UTC day they
were received. Bulk actions take open items only, oldest first, in chunks, so a set of any size
holds only one chunk's payloads in memory; each bulk action is one audit record naming its
filter and the items it resolved.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, defer

from adoption import audit, limits
from adoption.errors import Invalid
from adoption.ingest import batch, quarantine
from adoption.ingest.validation import is_storable_text
from adoption.models import Quarantine

CHUNK = 200  # items per read at most,
CHUNK_BYTES = 32 * 1024 * 1024  # and payload bytes (a body item may hold 10 MB; one alone is read)
MAX_BULK = 50_000  # items one bulk action resolves; `more` says when the filter matched more
TOP_GROUPS = 50  # groups per total


@dataclass(frozen=True, slots=True)
class Filter:
    """Which items: None (or "") means any. `received_to` is inclusive; days are UTC days."""

    status: str | None = "open"
    reason: str | None = None
    source: str | None = None
    site: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    up_to_id: int | None = None  # items up to this id only: the set a dry run counted

    def __post_init__(self) -> None:
        errors = {}
        if self.status and self.status not in quarantine.STATUSES:
            errors["status"] = [f"Must be one of: {', '.join(quarantine.STATUSES)}."]
        for name in ("reason", "source", "site"):
            text = getattr(self, name)
            if text is not None and not is_storable_text(text):
                errors[name] = ["Not a valid string."]
        for name in ("received_from", "received_to"):
            day = getattr(self, name)
            if day is not None and not limits.day_holds(day):
                errors[name] = [limits.DAY_RULE]
        if self.received_from and self.received_to and self.received_from > self.received_to:
            errors.setdefault("received_to", ["Must not be before received_from."])
        if errors:
            raise Invalid(errors)

    def applied(self, stmt: Select, *, but: str = "") -> Select:
        """`stmt` narrowed to the filter; `but` names one criterion left out (a total by it)."""
        if self.status:
            stmt = stmt.where(Quarantine.status == self.status)
        if self.reason and but != "reason":
            stmt = stmt.where(Quarantine.reason == self.reason)
        if self.source and but != "source":
            stmt = stmt.where(Quarantine.source == self.source)
        if self.site and but != "site":
            stmt = stmt.where(func.lower(Quarantine.site) == self.site.strip().lower())
        if self.received_from:
            stmt = stmt.where(Quarantine.received_at >= _midnight(self.received_from))
        if self.received_to:
            stmt = stmt.where(Quarantine.received_at < _midnight(self.received_to, 1))
        if self.up_to_id is not None:
            stmt = stmt.where(Quarantine.id <= self.up_to_id)
        return stmt

    def described(self) -> dict:
        """The criteria given, JSON-ready (for the audit)."""
        given = {k: v for k, v in asdict(self).items() if v}
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in given.items()}


def _midnight(day: date, days_later: int = 0) -> datetime:
    return datetime.combine(day + timedelta(days=days_later), time(), tzinfo=UTC)


def list_items(
    session: Session, filt: Filter, *, limit: int = 100, after_id: int | None = None
) -> list[Quarantine]:
    """Oldest first, keyset-paginated on id; each payload is read when it is used."""
    stmt = filt.applied(select(Quarantine)).order_by(Quarantine.id).limit(limit)
    stmt = stmt.options(defer(Quarantine.payload))
    if after_id is not None:
        stmt = stmt.where(Quarantine.id > after_id)
    return list(session.scalars(stmt))


@dataclass(frozen=True, slots=True)
class Summary:
    """How many items the filter selects, and totals by reason and by source (each total leaves
    its own criterion out, so it shows what else there is), largest first."""

    total: int
    by_reason: list[tuple[str, int]]
    by_source: list[tuple[str, int]]


def summary(session: Session, filt: Filter) -> Summary:
    total = session.scalar(filt.applied(select(func.count(Quarantine.id)))) or 0
    return Summary(total, _totals(session, filt, "reason"), _totals(session, filt, "source"))


def _totals(session: Session, filt: Filter, by: str) -> list[tuple[str, int]]:
    column = getattr(Quarantine, by)
    count = func.count(Quarantine.id)
    stmt = select(column, count).group_by(column).order_by(count.desc(), column).limit(TOP_GROUPS)
    return [(key, n) for key, n in session.execute(filt.applied(stmt, but=by))]


def still_failing(
    session: Session, items: Sequence[Quarantine], now: datetime, sender_of=None
) -> dict[int, dict]:
    """The items that would not pass if replayed as stored now, each with the reasons it would
    fail with today (the site may have been imported since, the mapping changed)."""
    return _placed(session, items, now, sender_of)[1]


def _placed(
    session: Session, items: Sequence[Quarantine], now: datetime, sender_of
) -> tuple[dict[int, list], dict[int, dict]]:
    """Each item's events placed as a replay would place them, or its reasons to fail; an item
    passes only when all its events do."""
    owners: list[int] = []
    events: list[object] = []
    failing: dict[int, dict] = {}
    for item in items:
        try:
            mine = quarantine.events_to_place(item, None, sender_of, now)
        except Invalid as exc:
            failing[item.id] = exc.details or {"body": [exc.message]}
            continue
        owners += [item.id] * len(mine)
        events += mine
    staged, rejected = batch.place_events(session, events, now, allowed_sites=None)
    for index, _raw, reasons in rejected:
        failing.setdefault(owners[index], reasons)
    placed: dict[int, list] = {}
    for event in staged:
        if owners[event.index] not in failing:
            placed.setdefault(owners[event.index], []).append(event)
    return placed, failing


@dataclass(slots=True)
class BulkOutcome:
    """What a bulk action did (or, on a dry run, would do) to the open items a filter selects."""

    dry_run: bool
    matched: int = 0  # open items selected (at most MAX_BULK)
    passed: int = 0  # replayed, or would be; discarded, or would be
    failing: int = 0  # would not pass as stored (replay only); they stay open
    failing_by_reason: list[tuple[str, int]] = field(default_factory=list)
    accepted: int = 0  # events stored (0 on a dry run)
    duplicates: int = 0  # events already stored (0 on a dry run)
    more: bool = False  # the filter selects more open items than one bulk action takes
    last_id: int | None = None  # the newest item selected: `up_to_id` for the same set again


def bulk_replay(
    session: Session, filt: Filter, *, dry_run: bool, now: datetime, actor: str, sender_of=None
) -> BulkOutcome:
    """Replay as stored every open item the filter selects that would pass now; the others stay
    open, totalled by the reason they would fail with today."""
    outcome = BulkOutcome(dry_run)
    sender_of = cache(sender_of) if sender_of is not None else None
    failing_reasons: Counter[str] = Counter()
    replayed: list[int] = []
    for items in _open_chunks(session, filt, outcome, lock=not dry_run, payloads=True):
        placed, failing = _placed(session, items, now, sender_of)
        failing_reasons.update(quarantine.reason_line(r) for r in failing.values())
        passing = [item for item in items if item.id not in failing]
        if not dry_run:
            _store(session, passing, placed, now, actor, outcome)
        replayed += [item.id for item in passing]
    outcome.passed = len(replayed)
    outcome.failing = outcome.matched - outcome.passed
    outcome.failing_by_reason = failing_reasons.most_common(TOP_GROUPS)
    if not dry_run and replayed:
        details = {"filter": filt.described(), "items": replayed, "still_failing": outcome.failing}
        details |= {"accepted": outcome.accepted, "duplicates": outcome.duplicates}
        _audit(session, "quarantine.bulk_replay", details, actor, now)
        session.flush()
    return outcome


def _store(session, items, placed, now, actor, outcome: BulkOutcome) -> None:
    """Store the passing items' events, per source the first of a repeated event_id winning (as
    in a batch), and mark the items replayed. Every other placed event counts as a duplicate, as
    when the items are replayed one by one."""
    by_source: dict[str, dict[str, object]] = {}
    placed_by_source: Counter[str] = Counter()
    for item in items:
        unique = by_source.setdefault(item.source, {})
        for event in placed.get(item.id, []):
            unique.setdefault(event.event.event_id, event)
            placed_by_source[item.source] += 1
        item.status, item.resolved_at, item.resolved_by = "replayed", now, actor
    for source, unique in by_source.items():
        accepted = batch.store_events(session, source, list(unique.values()), now)
        outcome.accepted += accepted
        outcome.duplicates += placed_by_source[source] - accepted
    session.flush()


def bulk_discard(
    session: Session, filt: Filter, *, dry_run: bool, now: datetime, actor: str
) -> BulkOutcome:
    """Discard every open item the filter selects (kept, marked discarded, never ingested)."""
    outcome = BulkOutcome(dry_run)
    discarded: list[int] = []
    for items in _open_chunks(session, filt, outcome, lock=not dry_run, payloads=False):
        for item in items:
            if not dry_run:
                item.status, item.resolved_at, item.resolved_by = "discarded", now, actor
            discarded.append(item.id)
    outcome.passed = len(discarded)
    if not dry_run and discarded:
        details = {"filter": filt.described(), "items": discarded}
        _audit(session, "quarantine.bulk_discard", details, actor, now)
        session.flush()
    return outcome


def _open_chunks(
    session: Session, filt: Filter, outcome: BulkOutcome, *, lock: bool, payloads: bool
) -> Iterator[list[Quarantine]]:
    """The open items the filter selects, oldest first, up to MAX_BULK, a chunk at a time: at
    most CHUNK items and CHUNK_BYTES of payload (read only with `payloads`), locked for this
    transaction on PostgreSQL unless it is a dry run."""
    opened = replace(filt, status="open")
    sizes = select(Quarantine.id, func.length(Quarantine.payload))
    found = session.execute(opened.applied(sizes).order_by(Quarantine.id).limit(MAX_BULK + 1))
    found = found.all()
    outcome.more = len(found) > MAX_BULK
    for ids in _chunked(found[:MAX_BULK]):
        stmt = select(Quarantine).where(Quarantine.id.in_(ids), Quarantine.status == "open")
        stmt = stmt.order_by(Quarantine.id)
        if not payloads:
            stmt = stmt.options(defer(Quarantine.payload))
        items = list(session.scalars(stmt.with_for_update() if lock else stmt))
        if items:  # another request may have resolved some since they were counted
            outcome.matched += len(items)
            outcome.last_id = items[-1].id
            yield items


def _chunked(found: Sequence[tuple[int, int | None]]) -> Iterator[list[int]]:
    chunk: list[int] = []
    size = 0
    for item_id, length in found:
        if chunk and (len(chunk) == CHUNK or size + (length or 0) > CHUNK_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(item_id)
        size += length or 0
    if chunk:
        yield chunk


def _audit(session: Session, action: str, details: dict, actor: str, now: datetime) -> None:
    target = f"{len(details['items'])} items"
    audit.record(
        session,
        actor=actor,
        action=action,
        target_type="quarantine",
        target=target,
        now=now,
        details=details,
    )
