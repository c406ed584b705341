"""Monthly champions, their exports, reopening, and an employee's badges."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from adoption import limits
from api.pagination import PageArgs
from api.schemas.events import TrimmedString
from api.schemas.fields import whole


class MonthArgs(Schema):
    version = whole(
        limits.VERSION,
        query=True,
        load_default=None,
        metadata={"description": "A version of the month; default: the newest."},
    )


class ExportArgs(MonthArgs):
    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))


class ReopenSchema(Schema):
    note = TrimmedString(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata={"description": "Why the month is reopened (kept in the audit log)."},
    )


class ChampionSchema(Schema):
    site_id = fields.String()
    user_id = fields.String(allow_none=True, metadata={"description": "Null: nobody eligible."})
    display_name = fields.String(allow_none=True)
    points = fields.Integer(allow_none=True)
    score = fields.Float(allow_none=True)
    rank_reason = fields.String()


class FirstProficientSchema(Schema):
    site_id = fields.String()
    user_id = fields.String()
    display_name = fields.String()
    proficient_since = fields.Date()


class ChampionMonthSchema(Schema):
    month = fields.String(metadata={"description": "YYYY-MM"})
    version = fields.Integer()
    status = fields.String(metadata={"description": "draft or closed"})
    closed_at = fields.DateTime(allow_none=True)
    closed_by = fields.String(allow_none=True)
    rules_version = fields.String(
        allow_none=True,
        metadata={"description": "Frozen with a closed version; what a close would freeze now."},
    )
    champions = fields.List(fields.Nested(ChampionSchema))
    first_proficient = fields.List(fields.Nested(FirstProficientSchema))


class ChampionMonthReviewSchema(ChampionMonthSchema):
    """A month as HR reviews it (`GET /champions/{month}`, `uptake champions show`)."""

    can_close = fields.Boolean(
        metadata={
            "description": "This version is the newest, a draft, and the month's last local day "
            "has ended at every site (with no site, in UTC): HR may close it now."
        }
    )
    running_sites = fields.List(
        fields.String(),
        metadata={"description": "Codes of the sites where the month's last day has not ended."},
    )


class BadgeListArgs(PageArgs):
    """Oldest first, by (awarded_on, badge); the cursor is the last badge listed."""


class BadgeSchema(Schema):
    badge = fields.String()
    title = fields.String()
    criterion = fields.String(allow_none=True)
    awarded_on = fields.Date()
    site_id = fields.String(metadata={"description": "The home site when it was awarded."})
    points = fields.Integer()
    evidence = fields.Dict()
