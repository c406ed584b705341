"""Adoption rows, series, insights, proficiency and scoring configuration."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.pagination import PageArgs
from api.schemas.events import TrimmedString

RATE = {"allow_none": True, "metadata": {"description": "A fraction in [0, 1]; null if undefined."}}


class WindowArgs(Schema):
    from_ = fields.Date(
        data_key="from", load_default=None, metadata={"description": "First local day (inclusive)."}
    )
    to = fields.Date(load_default=None, metadata={"description": "Last local day (inclusive)."})


class AdoptionArgs(WindowArgs):
    site_id = TrimmedString(load_default=None)


class AdoptionListArgs(AdoptionArgs, PageArgs):
    """One row per site, by site code; the cursor is the last row's site."""


class SeriesArgs(WindowArgs, PageArgs):
    by = fields.String(load_default="day", validate=validate.OneOf(["day", "week_since_go_live"]))


class MetricsFields(Schema):
    population = fields.Integer()
    active = fields.Integer()
    adoption_rate = fields.Float(**RATE)
    stickiness = fields.Float(**RATE)
    mean_breadth = fields.Float(**RATE)
    error_rate = fields.Float(**RATE)
    proficient_share = fields.Float(**RATE)
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()


class AdoptionRowSchema(MetricsFields):
    site_id = fields.String()
    is_pilot = fields.Boolean()
    go_live_on = fields.Date(allow_none=True)


class SeriesPointSchema(MetricsFields):
    day = fields.Date(metadata={"description": "With by=day."})
    week = fields.Integer(metadata={"description": "With by=week_since_go_live."})


class InsightsSchema(Schema):
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    error_hotspots = fields.List(fields.Dict())
    unused_modules = fields.List(fields.Dict())
    dormant_employees = fields.List(fields.Dict())
    unmapped_actions = fields.List(fields.Dict())
    sites_behind = fields.List(fields.Dict())


class ProficiencyArgs(Schema):
    as_of = fields.Date(
        load_default=None, metadata={"description": "Default: yesterday at the home site."}
    )
    config_version = fields.Integer(load_default=None, validate=validate.Range(min=1))


class HistoryArgs(WindowArgs, PageArgs):
    config_version = fields.Integer(load_default=None, validate=validate.Range(min=1))


class ComponentsSchema(Schema):
    breadth = fields.Float()
    accuracy = fields.Float()
    speed = fields.Float()
    consistency = fields.Float()


class ProficiencySchema(Schema):
    user_id = fields.String()
    as_of = fields.Date()
    score = fields.Float(metadata={"description": "0–100, 2 decimals."})
    level = fields.String(metadata={"description": "Novice, Developing, Proficient, Expert."})
    components = fields.Nested(ComponentsSchema)
    core_attempts = fields.Integer()
    proficient_since = fields.Date(allow_none=True)
    config_version = fields.Integer()


class HistoryPointSchema(Schema):
    day = fields.Date()
    score = fields.Float()
    level = fields.String()


class ScoringConfigSchema(Schema):
    version = fields.Integer(dump_only=True)
    w_breadth = fields.Float()
    w_accuracy = fields.Float()
    w_speed = fields.Float()
    w_consistency = fields.Float()
    developing_at = fields.Float()
    proficient_at = fields.Float()
    expert_at = fields.Float()
    window_days = fields.Integer(validate=validate.Range(min=1, max=365))
    min_core_attempts = fields.Integer(validate=validate.Range(min=0))
    breadth_min_successes = fields.Integer(validate=validate.Range(min=1))
