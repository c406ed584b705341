"""Targets: a metric over a population, a threshold and a deadline, with their progress."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from adoption import limits
from api.schemas.fields import Day, Number, text, whole
from pilots.curves import MAX_WEEK
from pilots.measures import COMPARISONS, METRICS, POPULATIONS
from pilots.targets import NAME_LENGTH, NOTES_LENGTH, REGION_LENGTH

NULLABLE = {"allow_none": True}
STATUS = (
    "met, missed (every deadline week complete), on_track, at_risk (some value projected: "
    "whether the projected value meets the threshold) or no_data."
)
ONE_DEADLINE = "Exactly one of deadline_week and deadline_on."


class TargetBodySchema(Schema):
    """POST creates, PUT replaces: a field left out is cleared (notes, the other deadline)."""

    class Meta:
        unknown = RAISE

    name = text(NAME_LENGTH, required=True, metadata={"example": "80% proficient by week 8"})
    metric = fields.String(
        required=True,
        validate=validate.OneOf(METRICS),
        metadata={"description": "Fractions, or mean_proficiency: a score 0–100."},
    )
    population = fields.String(required=True, validate=validate.OneOf(POPULATIONS))
    population_value = fields.Raw(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The wave number (population wave) or a region some site has "
            "(population region); null otherwise.",
            "oneOf": [
                {"type": "integer", "minimum": 0, "maximum": limits.INT32_MAX},
                {"type": "string", "minLength": 1, "maxLength": REGION_LENGTH},
            ],
        },
    )
    comparison = fields.String(required=True, validate=validate.OneOf(COMPARISONS))
    threshold = Number(
        required=True,
        validate=validate.Range(min=0, max=100),
        metadata={"description": "In the metric's unit: a fraction 0–1, a score 0–100."},
    )
    deadline_week = whole(
        limits.Whole(0, MAX_WEEK),
        load_default=None,
        allow_none=True,
        metadata={"description": f"Week k since each site's go-live. {ONE_DEADLINE}"},
    )
    deadline_on = Day(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "A date: per site, the last week since go-live whose last local "
            f"day is on or before it. {ONE_DEADLINE}"
        },
    )
    notes = text(NOTES_LENGTH, min_length=0, load_default=None, allow_none=True)


class TargetSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    metric = fields.String()
    label = fields.String(
        metadata={"description": 'The metric as people read it, "Adoption rate".'}
    )
    unit = fields.String(metadata={"description": "fraction (shown as %) or score (0–100)."})
    better = fields.String(metadata={"description": "higher or lower."})
    population = fields.String()
    population_value = fields.String(**NULLABLE)
    comparison = fields.String()
    threshold = fields.Float()
    deadline_week = fields.Integer(**NULLABLE)
    deadline_on = fields.Date(**NULLABLE)
    notes = fields.String(**NULLABLE)
    text = fields.String(metadata={"description": "The target in words."})
    created_by = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class TargetListItemSchema(TargetSchema):
    status = fields.String(metadata={"description": f"Overall: {STATUS}"})
    value = fields.Float(
        **NULLABLE,
        metadata={
            "description": "Overall, projected where pending; null when `suppressed` (the valued "
            "sites hold fewer than UPTAKE_MIN_GROUP people, docs/privacy.md)."
        },
    )
    final = fields.Boolean(metadata={"description": "Every site's deadline week is complete."})
    suppressed = fields.Boolean()


class TargetSiteSchema(Schema):
    site_id = fields.String()
    name = fields.String()
    deadline_week = fields.Integer(
        metadata={"description": "The site's deadline as a week since its go-live (< 0: none)."}
    )
    week = fields.Integer(
        **NULLABLE, metadata={"description": "The complete week `value` is from."}
    )
    value = fields.Float(
        **NULLABLE,
        metadata={"description": "Null without data, or when `suppressed` (docs/privacy.md)."},
    )
    population = fields.Integer(**NULLABLE, metadata={"description": "Rostered, in `week`."})
    final = fields.Boolean(metadata={"description": "The deadline week is complete."})
    projected_value = fields.Float(
        **NULLABLE, metadata={"description": "At the deadline week; null when final."}
    )
    status = fields.String(**NULLABLE, metadata={"description": f"{STATUS} Null when suppressed."})
    suppressed = fields.Boolean()
    suppressed_reason = fields.String(**NULLABLE)


class TargetProgressSchema(Schema):
    status = fields.String(metadata={"description": STATUS})
    value = fields.Float(
        **NULLABLE,
        metadata={
            "description": "Site values weighted by rostered population; null when `suppressed`."
        },
    )
    final = fields.Boolean()
    population = fields.Integer(metadata={"description": "Rostered people of the valued sites."})
    suppressed = fields.Boolean()
    suppressed_reason = fields.String(**NULLABLE)
    method = fields.String(metadata={"description": "The projection and weighting, in words."})
    sites = fields.List(fields.Nested(TargetSiteSchema))
    sites_without_go_live = fields.List(
        fields.String(), metadata={"description": "Sites of the population left out."}
    )


class TargetDetailSchema(TargetSchema):
    progress = fields.Nested(TargetProgressSchema)
