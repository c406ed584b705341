"""Adoption rows, series, insights, proficiency and scoring configuration."""

from __future__ import annotations

from datetime import date

from marshmallow import RAISE, Schema, fields, validate

from adoption import limits
from adoption.calendar import MAX_WINDOW_DAYS
from adoption.usage import coaching
from api.pagination import PageArgs
from api.schemas.champions import BadgeSchema
from api.schemas.fields import Day, Number, text, whole

RATE = {"allow_none": True, "metadata": {"description": "A fraction in [0, 1]; null if undefined."}}


class WindowArgs(Schema):
    from_ = Day(
        data_key="from",
        load_default=None,
        metadata={"description": "First local day (inclusive); not after `to`."},
    )
    to = Day(
        load_default=None,
        metadata={
            "description": f"Last local day (inclusive); at most {MAX_WINDOW_DAYS} days "
            "after `from`."
        },
    )


class AdoptionArgs(WindowArgs):
    site_id = text(64, load_default=None)


class AdoptionListArgs(AdoptionArgs, PageArgs):
    """One row per site, by site code; the cursor is the last row's site."""


class SeriesArgs(WindowArgs, PageArgs):
    by = fields.String(load_default="day", validate=validate.OneOf(["day", "week_since_go_live"]))


# docs/privacy.md: figures about fewer than UPTAKE_MIN_GROUP people, for managers and rollout leads.
SUPPRESSED = {"metadata": {"description": "True when the figures are withheld (null)."}}
SUPPRESSED_REASON = {
    "allow_none": True,
    "metadata": {"description": "Why, e.g. 'fewer than 5 people'."},
}


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
    suppressed = fields.Boolean(**SUPPRESSED)
    suppressed_reason = fields.String(**SUPPRESSED_REASON)


class AdoptionRowSchema(MetricsFields):
    site_id = fields.String()
    is_pilot = fields.Boolean()
    go_live_on = fields.Date(allow_none=True)


class SeriesPointSchema(MetricsFields):
    day = fields.Date(metadata={"description": "With by=day."})
    week = fields.Integer(metadata={"description": "With by=week_since_go_live."})


class IsoDict(fields.Dict):
    """A dict passed through, its dates as YYYY-MM-DD (JSON would write an HTTP date)."""

    def _serialize(self, value, attr, obj, **kwargs):
        data = super()._serialize(value, attr, obj, **kwargs)
        if data is None:
            return None
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}


class InsightsSchema(Schema):
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    error_hotspots = fields.List(IsoDict(), allow_none=True)
    unused_modules = fields.List(IsoDict(), allow_none=True)
    dormant_employees = fields.List(IsoDict())
    unmapped_actions = fields.List(IsoDict(), allow_none=True)
    sites_behind = fields.List(IsoDict())
    suppressed = fields.Boolean(**SUPPRESSED)
    suppressed_reason = fields.String(**SUPPRESSED_REASON)


class ProficiencyArgs(Schema):
    as_of = Day(load_default=None, metadata={"description": "Default: yesterday at the home site."})
    config_version = whole(limits.VERSION, query=True, load_default=None)


class HistoryArgs(WindowArgs, PageArgs):
    config_version = whole(limits.VERSION, query=True, load_default=None)


class ComponentsSchema(Schema):
    breadth = fields.Float()
    accuracy = fields.Float()
    speed = fields.Float()
    consistency = fields.Float()


class ProficiencySchema(Schema):
    user_id = fields.String()
    as_of = fields.Date()
    score = fields.Float(
        allow_none=True,
        metadata={"description": "0–100, 2 decimals; null when Not started (no core attempt)."},
    )
    level = fields.String(
        metadata={"description": "Not started, Novice, Developing, Proficient, Expert."}
    )
    components = fields.Nested(ComponentsSchema)
    core_attempts = fields.Integer()
    proficient_since = fields.Date(allow_none=True)
    config_version = fields.Integer()


class HistoryPointSchema(Schema):
    day = fields.Date()
    score = fields.Float(allow_none=True, metadata={"description": "Null when Not started."})
    level = fields.String()


WEIGHT = {
    "validate": validate.Range(min=0, max=1),
    "metadata": {"description": "In [0, 1]; the four weights sum to 1."},
}
THRESHOLD = {
    "validate": validate.Range(min=0, max=100),
    "metadata": {"description": "0 ≤ developing_at ≤ proficient_at ≤ expert_at ≤ 100."},
}


class ScoringConfigSchema(Schema):
    """A version as listed; as a POST body, the fields to change (the rest are kept)."""

    class Meta:
        unknown = RAISE

    version = fields.Integer(dump_only=True)
    w_breadth = Number(**WEIGHT)
    w_accuracy = Number(**WEIGHT)
    w_speed = Number(**WEIGHT)
    w_consistency = Number(**WEIGHT)
    developing_at = Number(**THRESHOLD)
    proficient_at = Number(**THRESHOLD)
    expert_at = Number(**THRESHOLD)
    window_days = whole(limits.Whole(1, 365))
    min_core_attempts = whole(limits.Whole(0, limits.INT32_MAX))
    breadth_min_successes = whole(limits.Whole(1, limits.INT32_MAX))


class WorstFeatureSchema(Schema):
    action = fields.String()
    title = fields.String(metadata={"description": "The feature's title; its action without one."})
    quick_reference_url = fields.String(
        allow_none=True, metadata={"description": "The feature's quick-reference card, if any."}
    )
    errors = fields.Integer()
    attempts = fields.Integer(metadata={"description": "Successes + errors over the same days."})


class SuggestionSchema(Schema):
    text = fields.String(metadata={"description": "A short sentence: what the manager could do."})
    url = fields.String(
        allow_none=True,
        metadata={"description": "The quick-reference card the sentence names; null: none."},
    )


def _worst(days: str) -> fields.Nested:
    return fields.Nested(
        WorstFeatureSchema,
        allow_none=True,
        metadata={"description": f"The feature with the most errors {days}; null: no errors."},
    )


class DormantSchema(Schema):
    user_id = fields.String(allow_none=True)
    display_name = fields.String()
    last_active_day = fields.Date()
    days_silent = fields.Integer()
    active_days_before = fields.Integer()
    measured = fields.String()
    feature = _worst("in the scoring window")
    suggestion = fields.Nested(SuggestionSchema)


class StrugglingSchema(Schema):
    user_id = fields.String(allow_none=True)
    display_name = fields.String()
    accuracy = fields.Float(metadata={"description": "Smoothed core accuracy, as in the score."})
    core_attempts = fields.Integer()
    feature = _worst("in the scoring window")
    suggestion = fields.Nested(SuggestionSchema)


class SilentSchema(Schema):
    user_id = fields.String(allow_none=True)
    display_name = fields.String()
    last_active_day = fields.Date(metadata={"description": "The last day with a success."})
    days_silent = fields.Integer(metadata={"description": "as_of − last_active_day, in days."})
    feature = _worst("on any day up to as_of")
    suggestion = fields.Nested(SuggestionSchema)


class NeverStartedSchema(Schema):
    user_id = fields.String(allow_none=True)
    display_name = fields.String()
    hired_on = fields.Date(allow_none=True)
    days_employed = fields.Integer(
        allow_none=True, metadata={"description": "hired_on..as_of, both counted."}
    )
    since = fields.Date(
        allow_none=True,
        metadata={"description": "The later of the site's go-live and hired_on; null: neither."},
    )
    days_since = fields.Integer(
        allow_none=True, metadata={"description": "since..as_of, both counted."}
    )
    feature = _worst("on any day up to as_of")
    suggestion = fields.Nested(SuggestionSchema)


class CoachingArgs(Schema):
    silent_days = whole(
        coaching.SILENT_DAYS_RANGE,
        query=True,
        load_default=coaching.SILENT_DAYS,
        metadata={"description": "Silent: no success in this many days up to as_of."},
    )


class CoachingSchema(Schema):
    """Four disjoint lists; a person is in the first that applies: never_started, struggling,
    dormant, silent (docs/metrics.md)."""

    site_id = fields.String()
    as_of = fields.Date(metadata={"description": "The site's yesterday."})
    window_from = fields.Date(metadata={"description": "First day of the scoring window."})
    window_days = fields.Integer()
    struggling_accuracy = fields.Float()
    struggling_min_attempts = fields.Integer()
    silent_days = fields.Integer(metadata={"description": "The silent_days asked for."})
    dormant = fields.List(fields.Nested(DormantSchema))
    struggling = fields.List(fields.Nested(StrugglingSchema))
    silent = fields.List(fields.Nested(SilentSchema))
    never_started = fields.List(fields.Nested(NeverStartedSchema))


class NextLevelSchema(Schema):
    level = fields.String()
    at = fields.Float(metadata={"description": "The score the level starts at."})
    score_needed = fields.Float()
    attempts_needed = fields.Integer(metadata={"description": "Core attempts still missing."})


class FeaturePointsSchema(Schema):
    action = fields.String()
    points = fields.Integer(metadata={"description": "Per success."})
    cap = fields.Integer(allow_none=True, metadata={"description": "Daily cap; null: none."})
    earned = fields.Integer(metadata={"description": "Points earned today."})
    left = fields.Integer(allow_none=True, metadata={"description": "Left today; null: uncapped."})


class ComponentShareSchema(Schema):
    name = fields.String()
    value = fields.Float(metadata={"description": "The component, 0 to 1."})
    weight = fields.Float()
    adds = fields.Float(metadata={"description": "100 × weight × value: its part of the score."})


class PositionSchema(Schema):
    label = fields.String()
    period = fields.String()
    rank = fields.Integer(allow_none=True)
    points = fields.Integer(allow_none=True)
    of = fields.Integer()
    site_id = fields.String()


class MissingCoreSchema(Schema):
    action = fields.String()
    title = fields.String(metadata={"description": "The feature's title, else its action."})
    successes = fields.Integer(metadata={"description": "Successes in the scoring window."})
    needed = fields.Integer(metadata={"description": "More successes breadth needs."})


class BadgeToEarnSchema(Schema):
    badge = fields.String()
    title = fields.String()
    criterion = fields.String()


class TrendPointSchema(Schema):
    day = fields.Date()
    score = fields.Float(allow_none=True, metadata={"description": "Null when Not started."})


class GoalSchema(Schema):
    level_progress = fields.Float(
        metadata={"description": "Score ÷ the next level's threshold, 0 to 1 (1 at the top)."}
    )
    missing_core = fields.List(fields.Nested(MissingCoreSchema))
    badges_to_earn = fields.List(fields.Nested(BadgeToEarnSchema))
    trend = fields.List(
        fields.Nested(TrendPointSchema),
        metadata={"description": "The score weekly over 8 weeks ending on as_of, oldest first."},
    )


class ProgressSchema(Schema):
    """Everything /me shows, so a client can build the same page."""

    user_id = fields.String()
    display_name = fields.String()
    site_id = fields.String()
    site_name = fields.String()
    today = fields.Date(metadata={"description": "The home site's today."})
    proficiency = fields.Nested(ProficiencySchema, metadata={"description": "As of yesterday."})
    components = fields.List(
        fields.Nested(ComponentShareSchema),
        metadata={"description": "Why the score is what it is."},
    )
    next_level = fields.Nested(NextLevelSchema, allow_none=True)
    points_today = fields.Integer()
    features = fields.List(fields.Nested(FeaturePointsSchema))
    badges = fields.List(fields.Nested(BadgeSchema))
    positions = fields.List(
        fields.Nested(PositionSchema), metadata={"description": "Places on the home site's board."}
    )
    window_days = fields.Integer()
    min_core_attempts = fields.Integer()
    goal = fields.Nested(
        GoalSchema,
        metadata={"description": "The next goal: missing core features, badges, the trend."},
    )
