"""Sites, employees and features as the contract shows them, and their PUT bodies."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import RAISE, Schema, ValidationError, fields

from adoption import limits
from adoption.errors import Invalid
from adoption.masterdata import feature_records
from api.pagination import PageArgs
from api.schemas.fields import Day, Flag, query_flag, text, whole

NULLABLE = {"allow_none": True}


def _timezone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: e.g. a directory
        raise ValidationError(f"Unknown timezone {value!r}.") from exc


def _http_url(value: str) -> None:
    """`feature_records.check_text_fields`'s URL rule on the trimmed text."""
    try:
        feature_records.check_text_fields({"quick_reference_url": value})
    except Invalid as exc:
        raise ValidationError(exc.details["quick_reference_url"]) from None


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

    name = text(200)
    region = text(100, min_length=0, **NULLABLE)
    timezone = text(
        64, validate=_timezone, metadata={"description": "An IANA name, e.g. Europe/Berlin."}
    )
    is_pilot = Flag()
    wave = whole(limits.WAVE, **NULLABLE)
    go_live_on = Day(**NULLABLE)
    program_started_on = Day(**NULLABLE)


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

    display_name = text(200)
    site_id = text(64, metadata={"description": "The home site's code; it must exist."})
    role = text(32, lower=True)
    hired_on = Day(**NULLABLE)
    left_on = Day(**NULLABLE, metadata={"description": "Last day employed; not before hired_on."})
    rostered = Flag()
    public_opt_out = Flag()


class FeatureSchema(Schema):
    action = fields.String()
    module = fields.String()
    is_core = fields.Boolean()
    expected_ms = fields.Integer(allow_none=True)
    points = fields.Integer()
    daily_cap = fields.Integer(allow_none=True)
    alias_of = fields.String(allow_none=True)
    mapped = fields.Boolean(metadata={"description": "False for actions first seen in events."})
    title = fields.String(
        allow_none=True, metadata={"description": "What people call it, e.g. Process a return."}
    )
    quick_reference_url = fields.String(
        allow_none=True, metadata={"description": "The feature's quick-reference card."}
    )
    titles = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        allow_none=True,
        metadata={"description": 'The title in other languages, e.g. {"zh": "办理退货"}.'},
    )


# A feature's titles by locale (`feature_records.TITLE_LOCALES`), each as `title` is; another
# key is 422 naming it.
TitlesSchema = Schema.from_dict(
    {
        locale: text(feature_records.TITLE_MAX, min_length=0, **NULLABLE)
        for locale in feature_records.TITLE_LOCALES
    },
    name="TitlesSchema",
)


class FeatureBodySchema(Schema):
    """The body of `PUT /features/{action}`."""

    class Meta:
        unknown = RAISE

    module = text(128)
    is_core = Flag()
    expected_ms = whole(
        limits.EXPECTED_MS, **NULLABLE, metadata={"description": "Expert task time."}
    )
    points = whole(limits.POINTS, metadata={"description": "Per success."})
    daily_cap = whole(limits.DAILY_CAP, **NULLABLE, metadata={"description": "Null: uncapped."})
    alias_of = text(
        128, lower=True, **NULLABLE, metadata={"description": "A known action, not this one."}
    )
    title = text(
        feature_records.TITLE_MAX,
        min_length=0,
        **NULLABLE,
        metadata={
            "description": "What people call it, e.g. Process a return; trimmed, blank clears "
            "it. Changes no score and no points."
        },
    )
    quick_reference_url = text(
        feature_records.URL_MAX,
        min_length=0,
        **NULLABLE,
        validate=_http_url,
        metadata={
            "pattern": feature_records.URL_PATTERN,
            "description": "The feature's quick-reference card: an http:// or https:// URL; "
            "trimmed, blank clears it. Changes no score and no points.",
        },
    )
    titles = fields.Nested(
        TitlesSchema,
        **NULLABLE,
        metadata={
            "description": "The title by locale besides the default `title`: each locale named "
            "is set (blank or null clears it), the others stay; null clears them all."
        },
    )


class FeaturePutSchema(FeatureBodySchema):
    """The admin page's feature form (api/web/features.py): the PUT body's fields and ranges, with
    its numbers sent as text (digits)."""

    expected_ms = whole(limits.EXPECTED_MS, query=True, **NULLABLE)
    points = whole(limits.POINTS, query=True)
    daily_cap = whole(limits.DAILY_CAP, query=True, **NULLABLE)


class EmployeeListArgs(PageArgs):
    site_id = text(64, load_default=None)
    rostered = query_flag(
        load_default=None,
        metadata={"description": "false: only people known from events, not on HR's roster."},
    )


class FeatureListArgs(PageArgs):
    unmapped = query_flag(
        load_default=None, metadata={"description": "true: only actions waiting to be mapped."}
    )
