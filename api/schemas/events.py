"""Schemas of `POST /api/v1/events`: the OpenAPI description and the reference event validator.

Ingestion validates with the faster `adoption.ingest.validation.validate_event`; `EventSchema`
states the
same rules with marshmallow and a parity test keeps both giving the same errors and values.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, missing, validate, validates

from adoption.ingest.validation import (
    DEFAULT_OUTCOME,
    MAX_DURATION_MS,
    MAX_EVENTS_PER_BATCH,
    MAX_FUTURE,
    MAX_ID_LENGTH,
    MAX_PROPERTIES_BYTES,
    MSG_FUTURE,
    MSG_NOT_JSON,
    MSG_PROPERTIES_SIZE,
    OUTCOMES,
    RFC3339_PATTERN,
)


class TrimmedString(fields.String):
    """A string trimmed (and with `lower=True` lower-cased) before its validators run.

    Bytes and text no database stores (a NUL character, a lone surrogate) are not valid strings.
    """

    def __init__(self, *, lower: bool = False, **kwargs: Any) -> None:
        self.lower_case = lower
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str) or "\x00" in value:
            raise self.make_error("invalid")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise self.make_error("invalid") from error
        value = value.strip()
        return value.lower() if self.lower_case else value


class Rfc3339DateTime(fields.DateTime):
    """An RFC 3339 date-time with an offset, loaded as an aware UTC datetime.

    Stricter than marshmallow's ISO parsing, which differs between marshmallow 3 and 4.
    """

    default_error_messages = {
        "invalid": "Not a valid datetime.",
        "invalid_awareness": "Not a valid aware datetime.",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        if not isinstance(value, str) or not RFC3339_PATTERN.fullmatch(value):
            raise self.make_error("invalid")
        try:
            parsed = datetime.fromisoformat(value[:-1] + "Z" if value.endswith("z") else value)
        except ValueError as error:
            raise self.make_error("invalid") from error
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            raise self.make_error("invalid_awareness")
        try:
            return parsed.astimezone(UTC)
        except OverflowError as error:  # e.g. 0001-01-01T00:00:00+01:00 is before year 1 in UTC
            raise self.make_error("invalid") from error


class OptionalOutcome(fields.String):
    """`outcome`, where null means the same as leaving it out: the default."""

    def deserialize(self, value: Any, *args: Any, **kwargs: Any) -> Any:
        return super().deserialize(missing if value is None else value, *args, **kwargs)


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_contains_nul(item) for item in value)
    return False


def validate_properties(value: dict) -> None:
    """Storable JSON (PostgreSQL's jsonb takes no NUL, JSON no NaN) of at most 4096 bytes."""
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        size = len(text.encode("utf-8"))
    except (TypeError, ValueError, RecursionError) as error:
        raise ValidationError(MSG_NOT_JSON) from error
    if _contains_nul(value):
        raise ValidationError(MSG_NOT_JSON)
    if size > MAX_PROPERTIES_BYTES:
        raise ValidationError(MSG_PROPERTIES_SIZE)


def _identifier(description: str, *, lower: bool = False) -> TrimmedString:
    return TrimmedString(
        required=True,
        lower=lower,
        validate=validate.Length(min=1, max=MAX_ID_LENGTH),
        metadata={"description": description},
    )


class EventSchema(Schema):
    """One usage event. `EventSchema(now=...)` fixes the clock of the future check."""

    class Meta:
        unknown = EXCLUDE

    event_id = _identifier(
        f"The idempotency key, unique per source; trimmed, 1 to {MAX_ID_LENGTH} characters. "
        "An event_id already stored for this source counts as a duplicate."
    )
    user_id = _identifier(
        "The employee's external id, matched case-insensitively; an unknown one registers "
        "an unrostered employee."
    )
    site_id = _identifier("The code of a known site, matched case-insensitively.")
    action = _identifier(
        "The feature used, e.g. `pos.sale.complete`; trimmed and lower-cased. An unknown "
        "action registers an unmapped feature.",
        lower=True,
    )
    occurred_at = Rfc3339DateTime(
        required=True,
        metadata={
            "description": "When it happened: RFC 3339 with an offset, e.g. "
            "`2026-11-02T09:15:00+01:00` or `...Z`; not more than "
            f"{MAX_FUTURE // timedelta(minutes=1)} minutes in the future."
        },
    )
    outcome = OptionalOutcome(
        load_default=DEFAULT_OUTCOME,
        allow_none=True,
        validate=validate.OneOf(OUTCOMES),
        metadata={"description": "`success` (the default, also for null) or `error`."},
    )
    duration_ms = fields.Integer(
        strict=True,
        load_default=None,
        validate=validate.Range(min=0, max=MAX_DURATION_MS),
        metadata={"description": "How long the task took, in milliseconds; optional."},
    )
    properties = fields.Dict(
        load_default=None,
        validate=validate_properties,
        metadata={
            "description": "Free-form JSON object kept with the event; at most "
            f"{MAX_PROPERTIES_BYTES} bytes as compact UTF-8 JSON."
        },
    )

    def __init__(self, *, now: datetime | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.now = now

    @validates("occurred_at")
    def _not_in_future(self, value: datetime, **kwargs: Any) -> None:
        # **kwargs: marshmallow 4 passes data_key, marshmallow 3 does not
        now = self.now if self.now is not None else datetime.now(UTC)
        if value > now + MAX_FUTURE:
            raise ValidationError(MSG_FUTURE)


class EventBatchSchema(Schema):
    """The body of `POST /api/v1/events`; a bare JSON array of events is accepted too."""

    class Meta:
        unknown = EXCLUDE

    events = fields.List(
        fields.Nested(EventSchema),
        required=True,
        validate=validate.Length(max=MAX_EVENTS_PER_BATCH),
        metadata={
            "description": f"At most {MAX_EVENTS_PER_BATCH:,} events and 10 MB (decompressed) "
            "per request. Invalid events are quarantined; the rest are accepted."
        },
    )


class IngestErrorSchema(Schema):
    """Why one event of a batch was quarantined."""

    index = fields.Integer(
        required=True, metadata={"description": "Position of the event in the batch, from 0."}
    )
    event_id = fields.String(
        allow_none=True,
        metadata={"description": "The event's event_id when it sent a string one, else null."},
    )
    details = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Field → list of messages, as for a 422 validation_error."},
    )


class IngestResultSchema(Schema):
    """The outcome of one batch."""

    accepted = fields.Integer(metadata={"description": "Events stored now."})
    duplicates = fields.Integer(
        metadata={
            "description": "Valid events already stored for this source, or repeated "
            "earlier in the batch; they change nothing."
        }
    )
    quarantined = fields.Integer(
        metadata={
            "description": "Invalid events (or events for an unknown site), kept in the "
            "quarantine with their reasons."
        }
    )
    errors = fields.List(
        fields.Nested(IngestErrorSchema),
        metadata={"description": "One entry per quarantined event."},
    )
