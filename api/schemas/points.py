"""A person's points statement, manual awards and the versioned points config."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

from adoption import limits
from api.schemas.fields import NOT_SPACE, Day, Flag, text, whole
from rewards.awards import MANUAL_BADGES, MAX_POINTS, REASON_LENGTH
from rewards.points_config import LIMITS
from rewards.points_trace import MAX_LISTED, MAX_SPAN_DAYS


class StatementArgs(Schema):
    from_ = Day(
        data_key="from",
        load_default=None,
        metadata={"description": "First local day; default: the 1st of `to`'s month."},
    )
    to = Day(
        load_default=None,
        metadata={
            "description": "Last local day; default: today at the home site. At most "
            f"{MAX_SPAN_DAYS} days from `from`."
        },
    )


class EventTraceSchema(Schema):
    count = fields.Integer(metadata={"description": "Success events that earned the total."})
    first = fields.String(allow_none=True, metadata={"description": "Its first event's id."})
    last = fields.String(allow_none=True, metadata={"description": "Its last event's id."})
    event_ids = fields.List(
        fields.String(),
        allow_none=True,
        metadata={
            "description": f"Every such event's id, in earning order; null above {MAX_LISTED} "
            "or once the events are gone (retention, erasure)."
        },
    )


class FeatureRefSchema(Schema):
    action = fields.String()
    title = fields.String(allow_none=True)


class LedgerRowSchema(Schema):
    id = fields.Integer()
    local_day = fields.Date()
    site_id = fields.String(metadata={"description": "The site the points count for."})
    feature = fields.Nested(
        FeatureRefSchema, allow_none=True, metadata={"description": "Null for awards, badges."}
    )
    points = fields.Integer(metadata={"description": "This row's points (a correction: delta)."})
    rule = fields.String(metadata={"description": "feature_points, award or badge:NAME."})
    reason = fields.String()
    earned_at = fields.DateTime()
    config_version = fields.Integer(
        allow_none=True, metadata={"description": "Points config version; null on older rows."}
    )
    given_by = fields.String(allow_none=True, metadata={"description": "Awards: who gave it."})
    provisional = fields.Boolean(metadata={"description": "True while provisional_until > now."})
    provisional_until = fields.DateTime(allow_none=True)
    events = fields.Nested(
        EventTraceSchema,
        allow_none=True,
        metadata={"description": "Feature rows: the events behind the key's new total."},
    )


class DayTotalSchema(Schema):
    local_day = fields.Date()
    points = fields.Integer()


class StatementSchema(Schema):
    user_id = fields.String()
    site_id = fields.String(metadata={"description": "The home site."})
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    total = fields.Integer()
    days = fields.List(fields.Nested(DayTotalSchema), metadata={"description": "Days with rows."})
    rows = fields.List(fields.Nested(LedgerRowSchema), metadata={"description": "Oldest first."})


class AwardSchema(Schema):
    class Meta:
        unknown = RAISE

    points = whole(
        limits.Whole(-MAX_POINTS, MAX_POINTS),
        required=True,
        metadata={
            "description": "± points, not 0; a negative award is a penalty.",
            "not": {"enum": [0]},
        },
    )
    reason = text(
        REASON_LENGTH[1],
        min_length=REASON_LENGTH[0],
        required=True,
        # At least 3 characters once trimmed: two non-space characters with one between them.
        metadata={"pattern": f"{NOT_SPACE}[\\s\\S]+{NOT_SPACE}"},
    )
    badge = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(MANUAL_BADGES),
        metadata={"description": "A badge to give with it (not held yet)."},
    )

    @validates("points")
    def _not_zero(self, value, **_kwargs):
        if value == 0:
            raise ValidationError("Must not be 0.")


def _bounded(name: str):
    low, high = LIMITS[name]
    return whole(limits.Whole(low, high))


class PointsConfigSchema(Schema):
    """A version as listed; as a POST body, the fields to change (the rest are kept)."""

    class Meta:
        unknown = RAISE

    version = fields.Integer(dump_only=True)
    void_window_hours = _bounded("void_window_hours")
    award_cap_per_month = _bounded("award_cap_per_month")
    kudos_points = _bounded("kudos_points")
    colleague_kudos = Flag()
    rookie_days = _bounded("rookie_days")
    rookie_division = Flag()
    display_names = Flag()
