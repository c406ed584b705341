"""Pilot vs non-pilot comparison, time to proficiency and chart arguments."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from adoption.limits import Whole
from api.schemas.fields import whole
from pilots.comparison import WEIGHTINGS
from pilots.curves import MAX_WEEK, METRICS

NULLABLE = {"allow_none": True}
MAX_SEED = 2**32 - 1


class ChartArgs(Schema):
    metric = fields.String(
        load_default="adoption_rate",
        validate=validate.OneOf(METRICS),
        metadata={
            "description": "Fractions, a 0–100 score (mean_proficiency) or days (time_to_*)."
        },
    )
    weighting = fields.String(
        load_default="sites",
        validate=validate.OneOf(WEIGHTINGS),
        metadata={"description": "sites: each site counts once; rostered: by population."},
    )
    seed = whole(
        Whole(0, MAX_SEED),
        query=True,
        load_default=0,
        metadata={"description": "Seed of numpy default_rng for the bootstrap and permutations."},
    )


class ComparisonArgs(ChartArgs):
    week = whole(
        Whole(0, MAX_WEEK),
        query=True,
        required=True,
        metadata={"description": "Week since go-live (≥ 0; negative weeks are on curves only)."},
    )


class GroupSchema(Schema):
    n_sites = fields.Integer()
    mean = fields.Float(**NULLABLE)


class EffectSchema(Schema):
    estimate = fields.Float(**NULLABLE)
    ci_low = fields.Float(**NULLABLE)
    ci_high = fields.Float(**NULLABLE)
    p_value = fields.Float(**NULLABLE)
    p_value_mc_se = fields.Float(
        **NULLABLE, metadata={"description": "Monte Carlo standard error; null when exact."}
    )
    method = fields.String()
    perm_ci_low = fields.Float(
        **NULLABLE,
        metadata={
            "description": "95% interval from the inverted permutation test, valid with few "
            "sites (what the verdict uses); null when too few sites to bound it."
        },
    )
    perm_ci_high = fields.Float(**NULLABLE)


class CurvePointSchema(Schema):
    week = fields.Integer()
    pilot_mean = fields.Float(**NULLABLE)
    control_mean = fields.Float(**NULLABLE)
    pilot_q1 = fields.Float(**NULLABLE)
    pilot_q3 = fields.Float(**NULLABLE)
    control_q1 = fields.Float(**NULLABLE)
    control_q3 = fields.Float(**NULLABLE)
    n_pilot = fields.Integer()
    n_control = fields.Integer()


class SiteValueSchema(Schema):
    site_id = fields.String()
    is_pilot = fields.Boolean()
    value = fields.Float(
        **NULLABLE,
        metadata={
            "description": "Null when `suppressed` (a site of fewer people than "
            "UPTAKE_MIN_GROUP, for viewers other than hr and admin)."
        },
    )
    population = fields.Integer()
    suppressed = fields.Boolean()
    suppressed_reason = fields.String(
        **NULLABLE, metadata={"description": 'Why, e.g. "fewer than 5 people".'}
    )


class ComparisonSchema(Schema):
    metric = fields.String()
    unit = fields.String()
    week = fields.Integer()
    weighting = fields.String()
    seed = fields.Integer()
    pilot = fields.Nested(GroupSchema)
    control = fields.Nested(GroupSchema)
    effect = fields.Nested(EffectSchema)
    sites = fields.List(
        fields.Nested(SiteValueSchema),
        metadata={"description": "The site values at `week` the effect rests on."},
    )
    curve = fields.List(fields.Nested(CurvePointSchema))
    caveats = fields.List(fields.String())
    verdict = fields.List(
        fields.String(),
        metadata={
            "description": "The verdict in words over every week (pilots.verdict), in the "
            "request's language."
        },
    )


class SurvivalPointSchema(Schema):
    day = fields.Float()
    at_risk = fields.Integer()
    events = fields.Integer()
    censored = fields.Integer()
    survival = fields.Float()
    ci_low = fields.Float()
    ci_high = fields.Float()


class SurvivalGroupSchema(Schema):
    n_sites = fields.Integer()
    n = fields.Integer()
    events = fields.Integer()
    censored = fields.Integer()
    median_days = fields.Float(**NULLABLE)
    median_ci_low = fields.Float(**NULLABLE)
    median_ci_high = fields.Float(**NULLABLE)
    curve = fields.List(fields.Nested(SurvivalPointSchema))


class LogRankSchema(Schema):
    statistic = fields.Float(**NULLABLE)
    df = fields.Integer()
    p_value = fields.Float(**NULLABLE)


class TimeToProficiencySchema(Schema):
    pilot = fields.Nested(SurvivalGroupSchema)
    control = fields.Nested(SurvivalGroupSchema)
    log_rank = fields.Nested(LogRankSchema)
    method = fields.String()
    caveats = fields.List(fields.String())


class HotspotSchema(Schema):
    action = fields.String()
    module = fields.String(**NULLABLE)
    attempts = fields.Integer()
    errors = fields.Integer()
    error_rate = fields.Float()
    error_sites = fields.Integer(
        metadata={"description": "Sites where the feature failed at least once in the window."}
    )
    measured = fields.String(metadata={"description": "What the figures are, in words."})


class ChainHotspotsSchema(Schema):
    first = fields.Date(
        data_key="from", metadata={"description": "First local day covered (inclusive)."}
    )
    last = fields.Date(
        data_key="to",
        metadata={"description": "Last local day covered: the chain's last complete day."},
    )
    min_attempts = fields.Integer(
        metadata={"description": "Features with fewer attempts in the window are left out."}
    )
    items = fields.List(
        fields.Nested(HotspotSchema),
        metadata={"description": "Highest error rate first, then most attempts; at most 10."},
    )
