"""Sites, employees and features as the contract shows them, and their PUT bodies."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from api.pagination import PageArgs
from api.schemas.events import TrimmedString

NAME = validate.Length(min=1, max=200)


def _timezone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: e.g. a directory
        raise ValidationError(f"Unknown timezone {value!r}.") from exc


class SiteSchema(Schema):
    site_id = fields.String(attribute="code", metadata={"description": "Site code, e.g. S001."})
    name = fields.String()
    region = fields.String(allow_none=True)
    timezone = fields.String(metadata={"description": "IANA timezone of the site's local days."})
    is_pilot = fields.Boolean()
    wave = fields.Integer(allow_none=True)
    go_live_on = fields.Date(allow_none=True)
    program_started_on = fields.Date(allow_none=True)


class SitePutSchema(Schema):
    class Meta:
        unknown = RAISE

    name = TrimmedString(validate=NAME)
    region = TrimmedString(allow_none=True, validate=validate.Length(max=100))
    timezone = TrimmedString(validate=_timezone)
    is_pilot = fields.Boolean()
    wave = fields.Integer(allow_none=True, validate=validate.Range(min=0))
    go_live_on = fields.Date(allow_none=True)
    program_started_on = fields.Date(allow_none=True)


class EmployeeSchema(Schema):
    user_id = fields.String(attribute="external_id")
    display_name = fields.String()
    site_id = fields.Function(lambda e: e.site.code, metadata={"description": "Home site code."})
    role = fields.String()
    hired_on = fields.Date(allow_none=True)
    left_on = fields.Date(allow_none=True, metadata={"description": "Last day employed."})
    rostered = fields.Boolean()
    public_opt_out = fields.Boolean()


class EmployeePutSchema(Schema):
    class Meta:
        unknown = RAISE

    display_name = TrimmedString(validate=NAME)
    site_id = TrimmedString(validate=validate.Length(min=1, max=64))
    role = TrimmedString(lower=True, validate=validate.Length(min=1, max=32))
    hired_on = fields.Date(allow_none=True)
    left_on = fields.Date(allow_none=True)
    rostered = fields.Boolean()
    public_opt_out = fields.Boolean()


class FeatureSchema(Schema):
    action = fields.String()
    module = fields.String()
    is_core = fields.Boolean()
    expected_ms = fields.Integer(allow_none=True)
    points = fields.Integer()
    daily_cap = fields.Integer(allow_none=True)
    alias_of = fields.String(allow_none=True)
    mapped = fields.Boolean(metadata={"description": "False for actions first seen in events."})


class FeaturePutSchema(Schema):
    class Meta:
        unknown = RAISE

    module = TrimmedString(validate=validate.Length(min=1, max=128))
    is_core = fields.Boolean()
    expected_ms = fields.Integer(allow_none=True, validate=validate.Range(min=1))
    points = fields.Integer(validate=validate.Range(min=0, max=1_000_000))
    daily_cap = fields.Integer(allow_none=True, validate=validate.Range(min=0))
    alias_of = TrimmedString(lower=True, allow_none=True, validate=validate.Length(min=1, max=128))


class EmployeeListArgs(PageArgs):
    site_id = TrimmedString(load_default=None)
    rostered = fields.Boolean(
        load_default=None,
        metadata={"description": "false: only people known from events, not on HR's roster."},
    )


class FeatureListArgs(PageArgs):
    unmapped = fields.Boolean(
        load_default=None, metadata={"description": "true: only actions waiting to be mapped."}
    )


class QuarantineSchema(Schema):
    id = fields.Integer()
    source = fields.String()
    event_id = fields.String(allow_none=True)
    kind = fields.String(metadata={"description": "event, or body for an unreadable request."})
    payload = fields.Method("payload_text")
    reasons = fields.Dict()
    status = fields.String()
    received_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    resolved_by = fields.String(allow_none=True)

    def payload_text(self, item) -> str:
        return item.payload.decode("utf-8", errors="replace")


class QuarantineListArgs(PageArgs):
    status = fields.String(
        load_default="open", validate=validate.OneOf(["open", "replayed", "discarded", "all"])
    )


class ReplayResultSchema(Schema):
    item = fields.Nested(QuarantineSchema)
    accepted = fields.Integer()
    duplicates = fields.Integer()
