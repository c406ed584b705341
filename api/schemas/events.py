"""Wire shapes of `POST /api/v1/events`: the OpenAPI description of an event, and the result.

`EventSchema` and `EventBatchSchema` only *describe* the event for the OpenAPI document (types,
descriptions, examples, limits as metadata); they hold no rules and refuse to load. The one
validator of an event is `adoption.ingest.validation.validate_event`, which the endpoint, the
CLI import and quarantine replays all use.

`TrimmedString` is a field type other wire schemas use for their own (non-event) input.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, NoReturn

from marshmallow import EXCLUDE, RAISE, Schema, fields

from adoption.ingest.validation import (
    DEFAULT_OUTCOME,
    MAX_DURATION_MS,
    MAX_EVENTS_PER_BATCH,
    MAX_FUTURE,
    MAX_ID_LENGTH,
    MAX_PROPERTIES_BYTES,
    MAX_PROPERTIES_DEPTH,
    OUTCOMES,
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


class DescriptionOnly(Schema):
    """A schema for the OpenAPI document alone: loading or validating with it is a mistake."""

    class Meta:
        unknown = EXCLUDE

    def load(self, *_args: Any, **_kwargs: Any) -> NoReturn:
        raise TypeError(
            f"{type(self).__name__} only describes the wire shape; validate events with "
            "adoption.ingest.validation.validate_event."
        )

    def validate(self, *_args: Any, **_kwargs: Any) -> NoReturn:
        self.load()


def _identifier(description: str, example: str) -> fields.String:
    return fields.String(
        required=True,
        metadata={
            "description": description,
            "minLength": 1,
            "maxLength": MAX_ID_LENGTH,
            "example": example,
        },
    )


class EventSchema(DescriptionOnly):
    """One usage event (the rules: CONTRACT.md "Events"; checked by `validate_event`)."""

    event_id = _identifier(
        f"The idempotency key, unique per source; trimmed, 1 to {MAX_ID_LENGTH} characters. "
        "An event_id already stored for this source counts as a duplicate.",
        "pos-7-000123",
    )
    user_id = _identifier(
        "The employee's external id, matched case-insensitively; an unknown one registers "
        "an unrostered employee.",
        "E001",
    )
    site_id = _identifier("The code of a known site, matched case-insensitively.", "S001")
    action = _identifier(
        "The feature used, e.g. `pos.sale.complete`; trimmed and lower-cased. An unknown "
        "action registers an unmapped feature.",
        "pos.sale.complete",
    )
    occurred_at = fields.DateTime(
        required=True,
        metadata={
            "description": "When it happened: RFC 3339 with an offset, e.g. "
            "`2026-11-02T09:15:00+01:00` or `...Z`; not before 1970-01-01T00:00:00Z, not more "
            f"than {MAX_FUTURE // timedelta(minutes=1)} minutes in the future, and on a day "
            "that exists in the site's time zone.",
            "example": "2026-11-02T09:15:00+01:00",
        },
    )
    outcome = fields.String(
        allow_none=True,
        metadata={
            "description": f"`{DEFAULT_OUTCOME}` (the default, also for null) or `error`.",
            "enum": [*OUTCOMES, None],
            "default": DEFAULT_OUTCOME,
            "example": "success",
        },
    )
    duration_ms = fields.Integer(
        allow_none=True,
        metadata={
            "description": "How long the task took, in milliseconds; optional.",
            "minimum": 0,
            "maximum": MAX_DURATION_MS,
            "example": 1200,
        },
    )
    properties = fields.Dict(
        allow_none=True,
        metadata={
            "description": "Free-form JSON object kept with the event; at most "
            f"{MAX_PROPERTIES_BYTES} bytes as compact UTF-8 JSON and {MAX_PROPERTIES_DEPTH} "
            "levels deep.",
            "example": {"till": "3", "items": 2},
        },
    )


class EventBatchSchema(DescriptionOnly):
    """The body of `POST /api/v1/events`; a bare JSON array of events is accepted too."""

    class Meta:
        unknown = RAISE  # a batch object with other keys than `events` is refused (400)

    events = fields.List(
        fields.Nested(EventSchema),
        required=True,
        metadata={
            "description": f"At most {MAX_EVENTS_PER_BATCH:,} events and 10 MB (decompressed) "
            "per request. Invalid events are quarantined; the rest are accepted.",
            "maxItems": MAX_EVENTS_PER_BATCH,
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
