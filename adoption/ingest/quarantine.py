"""The quarantine: invalid events and unparseable bodies, kept whole until replayed or discarded.

One row per (source, event_id), or per hash of the raw bytes when there is no usable event_id, so
re-sending the same bad input changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from adoption import audit
from adoption.db import dialect_insert
from adoption.errors import Conflict, Invalid, NotFound
from adoption.ingest import batch, compat
from adoption.ingest.json_input import OversizedNumber, UnreadableJson, read_json
from adoption.ingest.validation import MAX_EVENTS_PER_BATCH, is_storable_text, validate_event
from adoption.models import Quarantine

STATUSES = ("open", "replayed", "discarded")
# The source's sender: its format ("uptake", "segment", "posthog") and mapping, by source name.
SenderOf = Callable[[str], tuple[str, Mapping | None]]
MAX_EVENT_ID = 128
REASON_LENGTH = 200
SITE_LENGTH = 128


def payload_bytes(raw: object) -> bytes:
    """The stored form of one raw event: compact JSON, keys in the order received.

    Whatever a parsed body holds is kept: NaN as NaN, a lone surrogate ("\\ud800") as its JSON
    escape, an `OversizedNumber` as its digits, nesting deeper than the C encoder goes as is.
    """
    try:
        text = json.dumps(raw, ensure_ascii=False, separators=(",", ":"), default=_refuse)
    except (ValueError, TypeError, RecursionError):  # a surrogate, a huge number, deep nesting
        text = _encode_iteratively(raw)
    try:
        return text.encode()
    except UnicodeEncodeError:
        return _encode_iteratively(raw).encode()


def _refuse(value: object) -> object:
    if isinstance(value, OversizedNumber):
        raise TypeError("an oversized number is written by _encode_iteratively")
    return str(value)


_SCALAR = json.JSONEncoder(separators=(",", ":"), default=str).encode  # ASCII: escapes surrogates


def _encode_iteratively(raw: object) -> str:
    """Compact ASCII JSON of `raw` with an explicit stack, so no depth is too deep."""
    out: list[str] = []
    pending: list[object] = [raw]
    while pending:
        node = pending.pop()
        if isinstance(node, _Literal | OversizedNumber):
            out.append(node.text)
        elif isinstance(node, dict):
            pending.append(_Literal("}"))
            items = list(node.items())
            for position in range(len(items) - 1, -1, -1):
                key, value = items[position]
                pending.append(value)
                separator = "," if position else ""
                pending.append(_Literal(f"{separator}{_SCALAR(str(key))}:"))
            out.append("{")
        elif isinstance(node, list | tuple):
            pending.append(_Literal("]"))
            for position in range(len(node) - 1, -1, -1):
                pending.append(node[position])
                if position:
                    pending.append(_Literal(","))
            out.append("[")
        else:
            out.append(_SCALAR(node))
    return "".join(out)


@dataclass(frozen=True, slots=True)
class _Literal:
    text: str


def dedup_key(raw: object, payload: bytes) -> tuple[str, str | None]:
    event_id = raw.get("event_id") if isinstance(raw, dict) else None
    if isinstance(event_id, str) and _storable(event_id.strip()):
        return f"e:{event_id.strip()}", event_id.strip()
    return f"h:{hashlib.sha256(payload).hexdigest()}", None


def _storable(text: str) -> bool:
    """Fits the event_id column: 1-128 characters, and no NUL or lone surrogate (PostgreSQL)."""
    return 0 < len(text) <= MAX_EVENT_ID and is_storable_text(text)


def store_events(
    session: Session, source: str, items: list[tuple[object, dict]], now: datetime
) -> None:
    """Quarantine invalid events with their reasons; an already quarantined one is kept as is."""
    rows = {}
    for raw, reasons in items:
        payload = payload_bytes(raw)
        key, event_id = dedup_key(raw, payload)
        row = _row(source, key, event_id, "event", payload, reasons, now)
        rows.setdefault(key, row | {"site": site_named(raw)})
    # In key order, as every multi-row write of ingest: two batches quarantining the same events
    # in different orders then wait for each other instead of deadlocking (PostgreSQL).
    _insert(session, [rows[key] for key in sorted(rows)])


def store_body(session: Session, source: str, body: bytes, reasons: dict, now: datetime) -> None:
    """Keep a request body that could not be read as events, byte for byte."""
    key = f"h:{hashlib.sha256(body).hexdigest()}"
    _insert(session, [_row(source, key, None, "body", body, reasons, now)])


def _row(source, key, event_id, kind, payload, reasons, now) -> dict:
    return {
        "source": source,
        "dedup_key": key,
        "event_id": event_id,
        "kind": kind,
        "payload": payload,
        "reasons": reasons,
        "reason": reason_line(reasons),
        "site": None,
        "status": "open",
        "received_at": now,
    }


def reason_line(reasons: object) -> str:
    """The reasons as one line to total and filter by: each field with its first message, fields
    in order ("duration_ms: Must be greater than or equal to 0 …; site_id: Unknown site.")."""
    if not isinstance(reasons, dict):
        return _storable_text(str(reasons))[:REASON_LENGTH].strip()
    parts = []
    for field in sorted(reasons, key=str):
        message = reasons[field]
        while isinstance(message, list) and message:
            message = message[0]
        if not isinstance(message, str):
            message = json.dumps(message, sort_keys=True, default=str)
        parts.append(f"{field}: {message}")
    # cut, then trimmed: a filter's text is trimmed, so a line ending in a space never matched
    return _storable_text("; ".join(parts))[:REASON_LENGTH].strip()


# Where a sender names the site: Uptake's field, then a Segment/RudderStack or PostHog message's.
SITE_PLACES = (
    (None, "site_id"),
    ("properties", "site_id"),
    ("context", "groupId"),
    ("traits", "site_id"),
)


def site_named(raw: object) -> str | None:
    """The site an event names, as sent (trimmed), to filter by; None when it names none."""
    if not isinstance(raw, dict):
        return None
    for path, key in SITE_PLACES:
        holder = raw.get(path) if path else raw
        value = holder.get(key) if isinstance(holder, dict) else None
        if isinstance(value, str) and value.strip():
            return _storable_text(value.strip())[:SITE_LENGTH]
    return None


def _storable_text(text: str) -> str:
    """Without what no database stores (NUL, a lone surrogate)."""
    return text.replace("\x00", "\ufffd").encode("utf-8", errors="replace").decode("utf-8")


def _insert(session: Session, rows: list[dict]) -> None:
    if rows:
        stmt = dialect_insert(session, Quarantine.__table__).on_conflict_do_nothing(
            index_elements=["source", "dedup_key"]
        )
        session.execute(stmt, rows)


def get_item(session: Session, item_id: int) -> Quarantine:
    item = session.get(Quarantine, item_id)
    if item is None:
        raise NotFound(f"No quarantine item {item_id}.", {"id": item_id})
    return item


def _open_item(session: Session, item_id: int) -> Quarantine:
    """The item, locked for this transaction (PostgreSQL), so two replays cannot both pass."""
    item = session.get(Quarantine, item_id, with_for_update=True)
    if item is None:
        raise NotFound(f"No quarantine item {item_id}.", {"id": item_id})
    if item.status != "open":
        raise Conflict(
            f"Quarantine item {item_id} is already {item.status}.", {"status": item.status}
        )
    return item


@dataclass
class ReplayOutcome:
    item: Quarantine
    accepted: int
    duplicates: int


def replay(
    session: Session,
    item_id: int,
    *,
    now: datetime,
    actor: str,
    corrected: object | None = None,
    sender_of: SenderOf | None = None,
) -> ReplayOutcome:
    """Ingest the stored event (or a corrected one) under its original source.

    A message a Segment, RudderStack or PostHog client sent (`sender_of` tells the source's
    format) is kept as the client sent it, so it is mapped again first, with the source's
    mapping as it is now; a correction may be sent in the client's shape or in Uptake's (with
    an `event_id`). A still-invalid event raises Invalid and the item stays open; nothing else
    changes.
    """
    item = _open_item(session, item_id)
    events = events_to_place(item, corrected, sender_of, now)
    staged, rejected = batch.place_events(session, events, now, allowed_sites=None)
    if rejected:
        if item.kind == "event":
            details = rejected[0][2]
        else:
            details = {str(index): reasons for index, _raw, reasons in rejected}
        raise Invalid(details, "The event still does not validate.")
    unique: dict[str, object] = {}
    for placed in staged:  # as in a batch, the first of a repeated event_id wins
        unique.setdefault(placed.event.event_id, placed)
    accepted = batch.store_events(session, item.source, list(unique.values()), now)
    item.status = "replayed"
    item.resolved_at = now
    item.resolved_by = actor
    audit.record(
        session,
        actor=actor,
        action="quarantine.replay",
        target_type="quarantine",
        target=str(item.id),
        now=now,
        details={
            "accepted": accepted,
            "duplicates": len(staged) - accepted,
            "corrected": corrected is not None,
        },
    )
    session.flush()
    return ReplayOutcome(item, accepted, len(staged) - accepted)


def events_to_place(
    item: Quarantine, corrected: object | None, sender_of: SenderOf | None, now: datetime
) -> list[object]:
    """The Uptake events a replay of the item (as stored, or corrected) places; Invalid when
    they cannot even be read or mapped."""
    events = _events_to_replay(item, corrected)
    if item.kind == "event" and sender_of is not None:
        return _mapped_again(sender_of(item.source), events[0], now)
    return events


def _mapped_again(
    sender: tuple[str, Mapping | None], message: object, now: datetime
) -> list[object]:
    """A client's message as the Uptake event it maps to (Invalid naming the client's field
    when it still does not validate); an Uptake-shaped event (it has an `event_id`) as it is.
    Where it lands (an unknown site, say) is checked as for any event, keyed `site_id` as when
    the message arrived."""
    fmt, mapping = sender
    if fmt not in compat.DEFAULTS or (isinstance(message, dict) and "event_id" in message):
        return [message]
    mapped = compat.map_messages(fmt, [message], mapping, now)
    if mapped.events:
        _index, _message, event, origin = mapped.events[0]
        _valid, errors = validate_event(event, now)
        if errors:  # named by the client's field, as when the message arrived
            raise Invalid(
                compat.source_reasons(errors, origin), "The event still does not validate."
            )
        return [event]
    if mapped.rejected:
        raise Invalid(mapped.rejected[0][2], "The event still does not validate.")
    what = "an identify" if mapped.identifies else "a message the source's mapping ignores"
    raise Invalid(
        {"body": [f"The stored message is {what}, not an event: send it again instead."]},
        "The event still does not validate.",
    )


def _events_to_replay(item: Quarantine, corrected: object | None) -> list[object]:
    """An event item replays one event; a body item a batch (an array or {"events": [...]})."""
    if item.kind == "event":
        if corrected is not None and not isinstance(corrected, dict):
            raise Invalid({"body": ["A corrected event must be one JSON object."]})
        return [corrected if corrected is not None else decode_payload(item)]
    raw = corrected if corrected is not None else decode_payload(item)
    if isinstance(raw, dict) and set(raw) == {"events"} and isinstance(raw["events"], list):
        raw = raw["events"]
    events = raw if isinstance(raw, list) else [raw]
    if len(events) > MAX_EVENTS_PER_BATCH:
        raise Invalid({"body": [f"At most {MAX_EVENTS_PER_BATCH:,} events per replay."]})
    return events


def discard(session: Session, item_id: int, *, now: datetime, actor: str) -> Quarantine:
    item = _open_item(session, item_id)
    item.status = "discarded"
    item.resolved_at = now
    item.resolved_by = actor
    audit.record(
        session,
        actor=actor,
        action="quarantine.discard",
        target_type="quarantine",
        target=str(item.id),
        now=now,
        details={},
    )
    session.flush()
    return item


def decode_payload(item: Quarantine) -> object:
    """The stored JSON; a body that cannot be read (not JSON, not UTF-8, nested too deeply)
    cannot be replayed without a correction, and the reason says why."""
    try:
        return read_json(item.payload)
    except UnreadableJson as exc:
        reason = f"{exc.message} Send a corrected event to replay it."
        raise Invalid({"body": [reason]}, "The stored body cannot be replayed as it is.") from exc
