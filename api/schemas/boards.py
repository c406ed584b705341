"""Leaderboard query parameters and the board object (CONTRACT "Read models"), and a site's team
board with levels, badges and period choices."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.events import TrimmedString
from rewards.leaderboards import MAX_LIMIT, METRICS
from rewards.team import PERIOD_KEYS


class LeaderboardArgs(Schema):
    scope = TrimmedString(
        required=True, metadata={"description": "site:CODE, region:NAME or chain."}
    )
    period = TrimmedString(
        load_default=None,
        metadata={
            "description": "YYYY-MM, ISO week YYYY-Www or all; default: yesterday's month. "
            "Points count the period's days, today's too while it runs; proficiency and "
            "improvement end on its last day, yesterday for the current period (on the current "
            "period's first day too: then they are as of yesterday, improvement 0). Only a "
            "malformed period is 422."
        },
    )
    metric = fields.String(load_default="points", validate=validate.OneOf(METRICS))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_LIMIT))


class EntrySchema(Schema):
    rank = fields.Integer(metadata={"description": "Competition ranking: 1, 2, 2, 4."})
    user_id = fields.String(allow_none=True, metadata={"description": "Null when anonymous."})
    display_name = fields.String(metadata={"description": "'Anonymous' for an opted-out person."})
    site_id = fields.String(metadata={"description": "The employee's home site."})
    value = fields.Raw(
        allow_none=True,
        metadata={"description": "Points (integer), score or score gain (2 decimals), or null."},
    )


class LeaderboardSchema(Schema):
    scope = fields.String()
    period = fields.String()
    metric = fields.String()
    entries = fields.List(fields.Nested(EntrySchema))


class TeamArgs(Schema):
    period = fields.String(
        load_default=None,
        validate=validate.OneOf(PERIOD_KEYS),
        metadata={
            "description": "A period choice's key; default: this week (last week on a Monday). "
            "A choice without a complete day yet falls back to that default, with a note."
        },
    )
    metric = fields.String(load_default="points", validate=validate.OneOf(METRICS))


class PeriodChoiceSchema(Schema):
    key = fields.String(metadata={"description": "week, last-week, month, last-month or all."})
    label = fields.String()
    value = fields.String(metadata={"description": "As /leaderboards takes it: 2026-W47, …"})
    available = fields.Boolean(metadata={"description": "False while it has no complete day."})


class TeamRowSchema(Schema):
    rank = fields.Integer()
    user_id = fields.String(allow_none=True, metadata={"description": "Null when anonymous."})
    display_name = fields.String(attribute="name")
    value = fields.Raw(allow_none=True)
    level = fields.String(allow_none=True, metadata={"description": "On `as_of`; null if hidden."})
    badges = fields.List(fields.String(), metadata={"description": "Badge titles, oldest first."})
    me = fields.Boolean(metadata={"description": "The caller's own row."})


class TeamBoardSchema(Schema):
    site_id = fields.String()
    metric = fields.String()
    period = fields.String(metadata={"description": "The shown period: 2026-W47, 2026-11, all."})
    choice = fields.Nested(PeriodChoiceSchema, metadata={"description": "The shown choice."})
    note = fields.String(allow_none=True, metadata={"description": "Why it fell back, if so."})
    choices = fields.List(fields.Nested(PeriodChoiceSchema))
    last_day = fields.Date(metadata={"description": "The last day the values count."})
    as_of = fields.Date(metadata={"description": "Levels and badges: the site's yesterday."})
    rows = fields.List(fields.Nested(TeamRowSchema))
