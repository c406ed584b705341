"""Segment (and RudderStack) and PostHog messages as Uptake events: the pure mapping.

A drop-in receiver (`api.http.receivers`) reads a client's request, and this module turns each
message into exactly one of: an Uptake-shaped event dict (for `check_events`/`ingest_batch`, the
one validator and store of events), an identify (`adoption.ingest.receive`), a message ignored
on purpose (a page view, a PostHog `$`-event) or a rejection with reasons naming the message's
own field (`userId`, `properties.site_id`), kept in the quarantine with the message as sent.
Whatever a message holds, `map_messages` never raises: a sender's mistakes are data.

A token's `mapping` (docs/integrations.md) says where the fields are: `action` (the path naming
the action, default `event`), `actions` (event name → action, checked first), `user`, `site`,
`duration_ms`, `outcome` (paths), and for PostHog `$events` ("ignore" or "map").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from adoption.errors import Invalid
from adoption.ingest.validation import MAX_ID_LENGTH, MSG_LENGTH

FORMATS = ("uptake", "segment", "posthog")
MAX_PATH_PARTS = 8
MAX_PATH_LENGTH = 200
MAX_ACTIONS = 1000
MAX_NAME_LENGTH = 128
PATH_KEYS = ("action", "user", "site", "duration_ms", "outcome")
DOLLAR_EVENTS = ("ignore", "map")
KEYS = {
    "segment": (*PATH_KEYS, "actions"),
    "posthog": (*PATH_KEYS, "actions", "$events"),
}
#: Where each field is looked for when the mapping does not say; the first path present wins.
DEFAULTS = {
    "segment": {
        "action": ("event",),
        "user": ("userId",),
        "site": (
            "properties.site_id",
            "context.groupId",
            "traits.site_id",
            "context.traits.site_id",
        ),
        "duration_ms": ("properties.duration_ms",),
        "outcome": ("properties.outcome",),
        "event_id": ("messageId",),
        "timestamp": ("timestamp", "originalTimestamp"),
        "name": ("traits.name", "context.traits.name"),
    },
    "posthog": {
        "action": ("event",),
        "user": ("distinct_id", "properties.distinct_id", "$distinct_id"),
        "site": ("properties.site_id", "$set.site_id", "properties.$set.site_id"),
        "duration_ms": ("properties.duration_ms",),
        "outcome": ("properties.outcome",),
        "event_id": ("uuid",),
        "timestamp": ("timestamp",),
        "name": ("$set.name", "properties.$set.name"),
    },
}
SEGMENT_TYPES_IGNORED = frozenset({"page", "screen", "group", "alias"})
POSTHOG_IDENTIFY = frozenset({"$identify", "$set"})
NO_USER = "Missing: the message names no employee (an anonymousId alone is not one); send {path}."
_SPACES = re.compile(r"\s+")
_MISSING = object()


def check_mapping(fmt: str, mapping: object) -> dict | None:
    """The mapping as it will be stored, or `Invalid` naming each key at fault (`mapping.site`,
    `mapping.actions.Sale Completed`); an empty mapping is None (the format's defaults)."""
    if mapping is None or mapping == {}:
        return None
    if fmt not in KEYS:
        raise Invalid({"mapping": ["Only a segment or posthog token has a mapping."]})
    if not isinstance(mapping, Mapping):
        raise Invalid({"mapping": ["Not a valid mapping type."]})
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    for key, value in mapping.items():
        name = f"mapping.{key}"
        if key not in KEYS[fmt]:
            errors[name] = [f"Unknown key; use one of: {', '.join(KEYS[fmt])}."]
        elif key == "actions":
            clean[key] = _checked_actions(value, errors)
        elif key == "$events":
            if value not in DOLLAR_EVENTS:
                errors[name] = [f"Must be one of: {', '.join(DOLLAR_EVENTS)}."]
            clean[key] = value
        else:
            problem = path_error(value)
            if problem:
                errors[name] = [problem]
            clean[key] = value
    if errors:
        raise Invalid(errors, "The token's mapping is not valid.")
    return clean


def _checked_actions(value: object, errors: dict[str, list[str]]) -> dict:
    if not isinstance(value, Mapping):
        errors["mapping.actions"] = ["Not a valid mapping type: event name → action."]
        return {}
    if len(value) > MAX_ACTIONS:
        errors["mapping.actions"] = [f"At most {MAX_ACTIONS} entries."]
    for event, action in value.items():
        name = f"mapping.actions.{event}"
        if not isinstance(event, str) or not event.strip() or len(event) > MAX_NAME_LENGTH:
            errors[name] = [f"An event name must be 1 to {MAX_NAME_LENGTH} characters."]
        elif (
            not isinstance(action, str)
            or not action.strip()
            or len(action.strip()) > MAX_NAME_LENGTH
            or "\x00" in action
        ):
            errors[name] = [f"An action must be 1 to {MAX_NAME_LENGTH} characters."]
    return {str(k): v.strip() if isinstance(v, str) else v for k, v in value.items()}


def path_error(path: object) -> str | None:
    """Why `path` is not a dotted path into a message (`properties.store`), or None."""
    if not isinstance(path, str):
        return "Not a valid string."
    if not path or len(path) > MAX_PATH_LENGTH:
        return f"A path must be 1 to {MAX_PATH_LENGTH} characters."
    parts = path.split(".")
    if len(parts) > MAX_PATH_PARTS:
        return f"A path has at most {MAX_PATH_PARTS} parts."
    if any(not part or part != part.strip() or "\x00" in part for part in parts):
        return "A path is dot-separated names, none empty (e.g. properties.store)."
    return None


def parse_map_options(entries: list[str]) -> dict:
    """`uptake tokens create --map key=value ...` as a mapping: `actions.EVENT=ACTION` entries
    fill the `actions` table; `Invalid` names an entry without a "="."""
    mapping: dict = {}
    for entry in entries:
        key, sep, value = entry.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            raise Invalid({"map": [f"{entry!r} is not key=value (e.g. site=properties.store)."]})
        if key.startswith("actions."):
            mapping.setdefault("actions", {})[key.removeprefix("actions.")] = value
        else:
            mapping[key] = value
    return mapping


def get_path(message: object, path: str) -> object:
    """The value at a dotted path of a message, or `_MISSING` (also through a non-object)."""
    node = message
    for part in path.split("."):
        if not isinstance(node, dict):
            return _MISSING
        node = node.get(part, _MISSING)
        if node is _MISSING:
            return _MISSING
    return node


def default_action(name: str) -> str:
    """An event name as an action: trimmed, lower case, each run of spaces one dot
    ("Sale Completed" → "sale.completed")."""
    return _SPACES.sub(".", name.strip()).lower()


@dataclass(frozen=True, slots=True)
class Identify:
    """Who a message says an employee is: a display name and/or a home site (as sent)."""

    index: int
    message: object
    event_id: str | None
    user_id: str
    user_field: str
    display_name: str | None
    site_id: str | None
    site_field: str


@dataclass
class MappedBatch:
    """Every message of a request, each in exactly one list (indexes are the request's)."""

    events: list[tuple[int, object, dict, dict[str, str]]] = field(default_factory=list)
    identifies: list[Identify] = field(default_factory=list)
    rejected: list[tuple[int, object, dict[str, list[str]]]] = field(default_factory=list)
    ignored: int = 0


class _Fields:
    """The paths of one format under one mapping (the mapping's path, else the defaults)."""

    def __init__(self, fmt: str, mapping: Mapping | None) -> None:
        mapping = mapping or {}
        defaults = DEFAULTS[fmt]
        self.paths = {
            key: (mapping[key],) if isinstance(mapping.get(key), str) else paths
            for key, paths in defaults.items()
        }
        actions = mapping.get("actions")
        self.actions = dict(actions) if isinstance(actions, Mapping) else {}
        self.dollar = mapping.get("$events", "ignore")

    def find(self, message: object, key: str) -> tuple[object, str]:
        """The first value present among the paths of `key`, with the path it came from."""
        paths = self.paths[key]
        for path in paths:
            value = get_path(message, path)
            if value is not _MISSING:
                return value, path
        return _MISSING, paths[0]


def map_messages(
    fmt: str, messages: list[object], mapping: Mapping | None, now: datetime
) -> MappedBatch:
    """Map a request's messages (`fmt` "segment" or "posthog"); never raises, whatever they
    hold. A track/capture becomes an event dict `validate_event` reads, with the message field
    behind each Uptake field (to name it in reasons); identify and `$identify`/`$set` (with
    `$events=map`) become `Identify`; other message types and `$`-events are counted ignored."""
    fields = _Fields(fmt, mapping)
    batch = MappedBatch()
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            batch.rejected.append((index, message, {"_schema": ["A message must be an object."]}))
            continue
        kind = _kind(fmt, message, fields)
        if kind == "ignore":
            batch.ignored += 1
        elif kind == "identify":
            _map_identify(index, message, fields, batch)
        else:
            _map_event(index, message, fields, now, batch)
    return batch


def _kind(fmt: str, message: dict, fields: _Fields) -> str:
    if fmt == "segment":
        kind = message.get("type", "track")
        if kind == "identify":
            return "identify"
        return "ignore" if isinstance(kind, str) and kind in SEGMENT_TYPES_IGNORED else "track"
    event = message.get("event")
    if isinstance(event, str) and event.startswith("$") and event not in fields.actions:
        if fields.dollar == "map" and event in POSTHOG_IDENTIFY:
            return "identify"
        return "track" if fields.dollar == "map" else "ignore"
    return "track"


def _text(value: object) -> str | object:
    """An id as text: a string, or an integer written out (Segment allows numbers)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    return value


def _user(message: dict, fields: _Fields) -> tuple[object, str]:
    value, path = fields.find(message, "user")
    return _text(value), path


def _map_event(index: int, message: dict, fields: _Fields, now: datetime, batch) -> None:
    user_id, user_path = _user(message, fields)
    if user_id is _MISSING or user_id is None or user_id == "":
        batch.rejected.append((index, message, {user_path: [NO_USER.format(path=user_path)]}))
        return
    name, action_path = fields.find(message, "action")
    if isinstance(name, str) and name in fields.actions:
        action: object = fields.actions[name]
    elif isinstance(name, str):
        action = default_action(name)
    else:
        action = name
    event_id, id_path = fields.find(message, "event_id")
    site_id, site_path = fields.find(message, "site")
    occurred_at, time_path = fields.find(message, "timestamp")
    duration, duration_path = fields.find(message, "duration_ms")
    outcome, outcome_path = fields.find(message, "outcome")
    properties = message.get("properties")
    if isinstance(properties, dict):
        used = {p.removeprefix("properties.") for p in (site_path, duration_path, outcome_path)}
        properties = {k: v for k, v in properties.items() if k not in used and k[:1] != "$"}
        properties = properties or None
    event = {
        "event_id": _text(event_id),
        "user_id": user_id,
        "site_id": _text(site_id),
        "action": action,
        "occurred_at": now.isoformat() if occurred_at is _MISSING else occurred_at,
        "outcome": None if outcome is _MISSING else outcome,
        "duration_ms": None if duration is _MISSING else duration,
        "properties": properties,
    }
    event = {k: v for k, v in event.items() if v is not _MISSING}
    origin = {
        "event_id": id_path,
        "user_id": user_path,
        "site_id": site_path,
        "action": action_path,
        "occurred_at": time_path,
        "outcome": outcome_path,
        "duration_ms": duration_path,
        "properties": "properties",
    }
    batch.events.append((index, message, event, origin))


def _map_identify(index: int, message: dict, fields: _Fields, batch) -> None:
    user_id, user_path = _user(message, fields)
    if user_id is _MISSING or user_id is None or user_id == "":
        batch.rejected.append((index, message, {user_path: [NO_USER.format(path=user_path)]}))
        return
    if not _plain_text(user_id):
        batch.rejected.append((index, message, {user_path: ["Not a valid string."]}))
        return
    event_id, event_id_path = fields.find(message, "event_id")
    event_id = _text(event_id)
    if _plain_text(event_id) and len(event_id) > MAX_ID_LENGTH:  # as a track's messageId
        batch.rejected.append((index, message, {event_id_path: [MSG_LENGTH]}))
        return
    name = _name(message, fields)
    site_id, site_path = fields.find(message, "site")
    site_id = _text(site_id)
    if site_id is not _MISSING and site_id is not None and not _plain_text(site_id):
        batch.rejected.append((index, message, {site_path: ["Not a valid string."]}))
        return
    batch.identifies.append(
        Identify(
            index,
            message,
            event_id if _plain_text(event_id) else None,
            user_id.strip(),
            user_path,
            name,
            site_id.strip() if _plain_text(site_id) else None,
            site_path,
        )
    )


def _name(message: dict, fields: _Fields) -> str | None:
    """traits.name, else first and last name together (Segment's and PostHog's spellings)."""
    name, path = fields.find(message, "name")
    if not _plain_text(name):
        parent = path.rsplit(".", 1)[0]
        first = get_path(message, f"{parent}.firstName")
        last = get_path(message, f"{parent}.lastName")
        if first is _MISSING and last is _MISSING:
            first = get_path(message, f"{parent}.first_name")
            last = get_path(message, f"{parent}.last_name")
        parts = [p.strip() for p in (first, last) if _plain_text(p)]
        name = " ".join(parts) if parts else None
    if not _plain_text(name):
        return None
    return _SPACES.sub(" ", name.strip())[:200]


def _plain_text(value: object) -> bool:
    """A non-blank string a database stores (no NUL, no lone surrogate), at most 128 long."""
    if not isinstance(value, str) or not value.strip() or len(value) > 200 or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def source_reasons(errors: dict[str, list[str]], origin: dict[str, str]) -> dict[str, list[str]]:
    """`validate_event`'s reasons keyed by the message's own fields (occurred_at → timestamp)."""
    return {origin.get(key, key): messages for key, messages in errors.items()}
