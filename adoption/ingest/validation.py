"""Per-event validation for ingestion: the rules of CONTRACT.md "Events" in plain Python.

This is the one validator of an event (HTTP, CLI imports, quarantine replays all come here); the
OpenAPI document only describes the event (`api.schemas.events.EventSchema`). It is the hot path
(a batch holds up to 10,000 events), so it is plain Python; its messages keep marshmallow's wording
so a reason reads like any other 422 `validation_error`.

Hostile input never raises here: absurd dates, numbers no int holds, text no database stores and
deeply nested properties all come back as errors naming the field. Bodies are read by
`adoption.ingest.json_input.read_json` (re-exported here), which never raises for them either.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from numbers import Integral
from typing import NamedTuple

from adoption.ingest.json_input import OversizedNumber
from adoption.ingest.json_input import UnreadableJson as UnreadableJson  # re-exported
from adoption.ingest.json_input import read_json as read_json  # re-exported

MAX_EVENTS_PER_BATCH = 10_000
MAX_BODY_BYTES = 10 * 1024 * 1024
MAX_PROPERTIES_BYTES = 4096
MAX_FUTURE = timedelta(minutes=5)
MAX_DURATION_MS = 86_400_000
MAX_ID_LENGTH = 128
MAX_PROPERTIES_DEPTH = 32
#: No event happened before the Unix epoch; older dates are typos (0001-01-01) and would leave no
#: room for the date arithmetic of rollups and scoring windows.
EARLIEST_OCCURRED_AT = datetime(1970, 1, 1, tzinfo=UTC)
OUTCOMES = ("success", "error")
DEFAULT_OUTCOME = "success"

MSG_MISSING = "Missing data for required field."
MSG_NULL = "Field may not be null."
MSG_NOT_STRING = "Not a valid string."
MSG_LENGTH = f"Length must be between 1 and {MAX_ID_LENGTH}."
MSG_DATETIME = "Not a valid datetime."
MSG_NAIVE = "Not a valid aware datetime."
MSG_FUTURE = f"Must not be more than {MAX_FUTURE // timedelta(minutes=1)} minutes in the future."
MSG_OUTCOME = f"Must be one of: {', '.join(OUTCOMES)}."
MSG_INTEGER = "Not a valid integer."
MSG_DURATION_RANGE = (
    f"Must be greater than or equal to 0 and less than or equal to {MAX_DURATION_MS}."
)
MSG_MAPPING = "Not a valid mapping type."
MSG_PROPERTIES_SIZE = f"Must be at most {MAX_PROPERTIES_BYTES} bytes when serialised."
MSG_NOT_JSON = "Must be serialisable as JSON."
MSG_INVALID_INPUT = "Invalid input type."
MSG_TOO_OLD = "Must not be before 1970-01-01T00:00:00Z."
MSG_PROPERTIES_DEPTH = f"Must be nested at most {MAX_PROPERTIES_DEPTH} levels deep."

#: RFC 3339 date-time; the offset is optional here so a naive value gets the "aware" message.
#: "T"/"Z" may be lower case and the separator a space (RFC 3339 section 5.6).
RFC3339_PATTERN = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
    r"(?:[Zz]|[+-][0-9]{2}:[0-9]{2})?"
)
# PostgreSQL's jsonb refuses the \u0000 escape; an odd run of backslashes marks a real escape.
_NUL_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")
#: The C encoder that json.JSONEncoder.encode builds on every call, built once (that was half the
#: cost of validating an event with properties): compact, not ASCII-only, NaN refused. It has no
#: circular check: a cycle (only a Python caller can send one) ends in RecursionError instead of
#: ValueError, and is refused all the same.
_COMPACT = json.encoder.c_make_encoder(
    None,  # markers: no circular check
    json.JSONEncoder().default,  # raises TypeError for what JSON cannot hold
    json.encoder.encode_basestring,  # ensure_ascii=False
    None,  # indent
    ":",  # key separator
    ",",  # item separator
    False,  # sort_keys
    False,  # skipkeys
    False,  # allow_nan
)


def _dumps(value: dict) -> str:
    return "".join(_COMPACT(value, 0))


_MISSING = object()


class ValidEvent(NamedTuple):
    """A cleaned event (a named tuple: a batch makes thousands, a frozen dataclass costs 5×)."""

    event_id: str
    user_id: str
    site_id: str
    action: str
    occurred_at: datetime
    outcome: str
    duration_ms: int | None
    properties: dict | None


def validate_event(raw: object, now: datetime) -> tuple[ValidEvent | None, dict[str, list[str]]]:
    """Return the cleaned event, or None and marshmallow-style errors (field → messages).

    `now` must be tz-aware; all field errors are collected, unknown fields are ignored.
    """
    if not isinstance(raw, dict):
        return None, {"_schema": [MSG_INVALID_INPUT]}
    errors: dict[str, list[str]] = {}
    get = raw.get
    event_id = _identifier(get("event_id", _MISSING), "event_id", errors)
    user_id = _identifier(get("user_id", _MISSING), "user_id", errors)
    site_id = _identifier(get("site_id", _MISSING), "site_id", errors)
    action = _identifier(get("action", _MISSING), "action", errors)
    if action is not None:
        action = action.lower()
        if len(action) > MAX_ID_LENGTH:  # lower() can lengthen a string ("İ" → "i̇")
            errors["action"] = [MSG_LENGTH]
    # The employee's matching key is the case-folded id, and folding lengthens ("ß" → "ss").
    if user_id is not None and not user_id.isascii() and len(user_id.casefold()) > MAX_ID_LENGTH:
        errors["user_id"] = [MSG_LENGTH]
    occurred_at = _occurred_at(get("occurred_at", _MISSING), now + MAX_FUTURE, errors)
    outcome = _outcome(get("outcome"), errors)
    duration_ms = _duration_ms(get("duration_ms"), errors)
    properties = _properties(get("properties"), errors)
    if errors:
        return None, errors
    event = ValidEvent(
        event_id, user_id, site_id, action, occurred_at, outcome, duration_ms, properties
    )
    return event, errors


def _identifier(value: object, key: str, errors: dict[str, list[str]]) -> str | None:
    if isinstance(value, str):
        if not is_storable_text(value):
            errors[key] = [MSG_NOT_STRING]
            return None
        value = value.strip()
        if value and len(value) <= MAX_ID_LENGTH:
            return value
        errors[key] = [MSG_LENGTH]
    elif value is _MISSING:
        errors[key] = [MSG_MISSING]
    elif value is None:
        errors[key] = [MSG_NULL]
    else:
        errors[key] = [MSG_NOT_STRING]
    return None


def is_storable_text(value: str) -> bool:
    """False for text no database stores: a NUL character or a lone surrogate ("\\ud800")."""
    if "\x00" in value:
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _occurred_at(value: object, limit: datetime, errors: dict[str, list[str]]) -> datetime | None:
    if value is _MISSING:
        errors["occurred_at"] = [MSG_MISSING]
        return None
    if value is None:
        errors["occurred_at"] = [MSG_NULL]
        return None
    parsed = parse_rfc3339(value)
    if parsed is None:
        errors["occurred_at"] = [MSG_DATETIME]
    elif parsed.tzinfo is None:
        errors["occurred_at"] = [MSG_NAIVE]
    elif parsed > limit:
        errors["occurred_at"] = [MSG_FUTURE]
    elif parsed < EARLIEST_OCCURRED_AT:
        errors["occurred_at"] = [MSG_TOO_OLD]
    else:
        return parsed
    return None


def parse_rfc3339(value: object) -> datetime | None:
    """An RFC 3339 date-time converted to UTC (naive when it has no offset), or None if invalid."""
    if not isinstance(value, str) or RFC3339_PATTERN.fullmatch(value) is None:
        return None
    if value[-1] == "z":
        value = value[:-1] + "Z"
    try:
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # a day 31 in April; year 1 shifted before year 1
        return None


def _outcome(value: object, errors: dict[str, list[str]]) -> str | None:
    if value is None:  # absent and null both mean the default
        return DEFAULT_OUTCOME
    if not isinstance(value, str):
        errors["outcome"] = [MSG_NOT_STRING]
    elif value in OUTCOMES:
        return value
    else:
        errors["outcome"] = [MSG_OUTCOME]
    return None


def _duration_ms(value: object, errors: dict[str, list[str]]) -> int | None:
    if value is None:
        return None
    if value.__class__ is not int:
        if isinstance(value, OversizedNumber):  # an integer, just far out of range
            errors["duration_ms"] = [MSG_DURATION_RANGE]
            return None
        # bool is an int subclass but not an integer here; numpy integers are (Parquet imports)
        if value is True or value is False or not isinstance(value, Integral):
            errors["duration_ms"] = [MSG_INTEGER]
            return None
        value = int(value)
    if 0 <= value <= MAX_DURATION_MS:
        return value
    errors["duration_ms"] = [MSG_DURATION_RANGE]
    return None


def _properties(value: object, errors: dict[str, list[str]]) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        if not isinstance(value, Mapping):
            errors["properties"] = [MSG_MAPPING]
            return None
        value = dict(value)
    text = _compact_json(value)
    # Only a text with more brackets than levels allowed can be too deep; the walk decides the
    # same for a value the encoder could not write (too deep for it), so the reason is stable.
    if text is None or text.count("{") + text.count("[") > MAX_PROPERTIES_DEPTH:
        shape_error = _shape_error(value)
        if shape_error is not None:
            errors["properties"] = [shape_error]
            return None
    if text is None:
        errors["properties"] = [MSG_NOT_JSON]
    elif (len(text) if text.isascii() else len(text.encode("utf-8"))) > MAX_PROPERTIES_BYTES:
        errors["properties"] = [MSG_PROPERTIES_SIZE]
    else:
        return value
    return None


def _shape_error(value: dict) -> str | None:
    """Too deep or too big, found by walking at most MAX_PROPERTIES_BYTES nodes (no recursion):
    every JSON value takes at least one byte, so more nodes than bytes is too large anyway."""
    nodes = 0
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        nodes += 1
        if nodes > MAX_PROPERTIES_BYTES:
            return MSG_PROPERTIES_SIZE
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list | tuple):
            children = node
        else:
            continue
        if depth > MAX_PROPERTIES_DEPTH:  # the properties object itself is level 1
            return MSG_PROPERTIES_DEPTH
        pending.extend((child, depth + 1) for child in children)
    return None


def _compact_json(value: dict) -> str | None:
    """The compact JSON text of `value`; None when it is not storable JSON."""
    try:
        text = _dumps(value)
    except (TypeError, ValueError, RecursionError):  # NaN, a set, an OversizedNumber, deep nesting
        return None
    if "\\u0000" in text and _NUL_ESCAPE.search(text):
        return None
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return None
    return text
