"""Rollout waves, readiness rules and the go / no-go answer."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from adoption import limits
from adoption.errors import Invalid
from api.schemas.fields import Day, Flag, Number, text, whole
from pilots.readiness_rules import COMPARISONS, MAX_WEEKS, METRICS, SCOPES
from pilots.waves import MAX_WAVE, STATUSES, check_canary_share


def _share(value: float) -> None:
    """`pilots.waves.check_canary_share` as a marshmallow validator."""
    try:
        check_canary_share(value)
    except Invalid as exc:
        raise ValidationError(exc.details["canary_share"]) from exc


class WaveSchema(Schema):
    wave = fields.Integer(metadata={"description": "The wave's number; pilots are wave 0."})
    name = fields.String(allow_none=True)
    planned_go_live_on = fields.Date(
        allow_none=True, metadata={"description": "The plan; sites keep their own go_live_on."}
    )
    canary_share = fields.Float(allow_none=True, metadata={"description": "In (0, 1]."})
    canary_sites = fields.List(
        fields.String(),
        allow_none=True,
        metadata={"description": "The ceil(share × sites) sites that go first; chosen once."},
    )
    sites = fields.List(fields.String(), metadata={"description": "Codes of the wave's sites."})
    notes = fields.String(allow_none=True)
    status = fields.String(
        validate=validate.OneOf(STATUSES),
        metadata={
            "description": "planned (no site live), canary_live (only canary sites live), "
            "partly_live (some sites live, not only canaries), live (every site live)."
        },
    )
    sites_live = fields.Integer(
        metadata={"description": "Sites whose go_live_on has come in their time zone."}
    )
    first_go_live_on = fields.Date(
        allow_none=True, metadata={"description": "The earliest go_live_on of a live site."}
    )
    full_go_live_on = fields.Date(
        allow_none=True,
        metadata={"description": "The last site's go_live_on, once every site is live."},
    )


class WavePutSchema(Schema):
    class Meta:
        unknown = RAISE

    name = text(100, min_length=0, allow_none=True)
    planned_go_live_on = Day(allow_none=True)
    canary_share = Number(
        allow_none=True,
        validate=_share,
        metadata={
            "description": "In (0, 1]: greater than 0, at most 1.",
            "minimum": 0,
            "exclusiveMinimum": True,
            "maximum": 1,
        },
    )
    sites = fields.List(
        text(64, metadata={"description": "A known site code."}),
        metadata={"description": "Replaces the wave's sites (they leave any other wave)."},
    )
    notes = fields.String(allow_none=True, validate=validate.Length(max=10_000))


class ReadinessArgs(Schema):
    wave = whole(
        limits.Whole(1, MAX_WAVE),
        query=True,
        required=True,
        metadata={"description": "The wave about to go live (wave 0 holds the pilots)."},
    )


class RuleSchema(Schema):
    class Meta:
        unknown = RAISE

    # Accepted and ignored on PUT, so a GET body can be edited and sent back.
    id = whole(limits.ID, metadata={"description": "Ignored on PUT; an unchanged rule keeps it."})
    metric = fields.String(required=True, validate=validate.OneOf(METRICS))
    comparison = fields.String(required=True, validate=validate.OneOf(COMPARISONS))
    threshold = Number(required=True, validate=validate.Range(min=0, max=1))
    weeks = whole(limits.Whole(1, MAX_WEEKS), required=True)
    scope = fields.String(required=True, validate=validate.OneOf(SCOPES))
    enabled = Flag(load_default=True)
    text = fields.String(metadata={"description": "The rule in words; ignored on PUT."})


class EvidenceSchema(Schema):
    site_id = fields.String(allow_none=True)
    week = fields.Integer(allow_none=True, metadata={"description": "Week since go-live."})
    from_ = fields.Date(data_key="from", attribute="from", allow_none=True)
    to = fields.Date(allow_none=True)
    value = fields.Float(allow_none=True)
    passed = fields.Boolean()
    note = fields.String(allow_none=True, metadata={"description": "Why there is no value."})


class RuleResultSchema(Schema):
    rule = fields.Nested(RuleSchema)
    passed = fields.Boolean()
    evidence = fields.List(fields.Nested(EvidenceSchema))


class ReadinessSchema(Schema):
    wave = fields.Integer()
    decision = fields.String(metadata={"description": "go or no_go."})
    status = fields.String(
        validate=validate.OneOf(("go", "no_go", "no_rule")),
        metadata={
            "description": "go, no_go, or no_rule when no rule is enabled (decision is then "
            "no_go): no rule yet is not a NO GO on evidence."
        },
    )
    reason = fields.String()
    config_version = fields.Integer(
        metadata={"description": "Scoring config behind proficient_share."}
    )
    rules = fields.List(fields.Nested(RuleResultSchema))
