"""Leaderboard query parameters and the board object (CONTRACT "Read models"), and a site's team
board with levels, badges and period choices."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from adoption.limits import Whole
from api.schemas.events import TrimmedString
from api.schemas.fields import NOT_SPACE, SPACE, whole
from rewards.leaderboards import MAX_LIMIT, METRICS
from rewards.team import PERIOD_KEYS

_S, _NS = SPACE + "*", NOT_SPACE
SCOPE = (
    rf"^{_S}([Cc][Hh][Aa][Ii][Nn]{_S}|([Ss][Ii][Tt][Ee]|[Rr][Ee][Gg][Ii][Oo][Nn]){_S}:{_S}{_NS}"
    r"[\s\S]*)$"
)
# A month or ISO week from 1900 to 2999, or all (a week 53 of a year without one is 422 too).
PERIOD_RULE = "Use YYYY-MM or an ISO week YYYY-Www (years 1900 to 2999), or all."
PERIOD = (
    rf"^{_S}((19[0-9]{{2}}|2[0-9]{{3}})-(0[1-9]|1[0-2]|W(0[1-9]|[1-4][0-9]|5[0-3]))|[Aa][Ll][Ll])"
    rf"{_S}$"
)


class LeaderboardArgs(Schema):
    scope = TrimmedString(
        required=True,
        validate=[
            validate.Length(max=200),
            validate.Regexp(SCOPE, error="Use site:CODE, region:NAME or chain."),
        ],
        metadata={"description": "site:CODE, region:NAME or chain."},
    )
    period = TrimmedString(
        load_default=None,
        validate=validate.Regexp(PERIOD, error=PERIOD_RULE),
        metadata={
            "description": "YYYY-MM, ISO week YYYY-Www or all; default: yesterday's month. "
            "Points count the period's days, today's too while it runs; proficiency and "
            "improvement end on its last day, yesterday for the current period (on the current "
            "period's first day too: then they are as of yesterday, improvement 0). Only a "
            "malformed period is 422."
        },
    )
    metric = fields.String(load_default="points", validate=validate.OneOf(METRICS))
    limit = whole(Whole(1, MAX_LIMIT), query=True, load_default=50)


class EntrySchema(Schema):
    rank = fields.Integer(metadata={"description": "Competition ranking: 1, 2, 2, 4."})
    user_id = fields.String(allow_none=True, metadata={"description": "Null when anonymous."})
    display_name = fields.String(metadata={"description": "'Anonymous' for an opted-out person."})
    site_id = fields.String(metadata={"description": "The employee's home site."})
    value = fields.Raw(
        allow_none=True,
        metadata={"description": "Points (integer), score or score gain (2 decimals), or null."},
    )
    previous_rank = fields.Integer(
        allow_none=True,
        metadata={
            "description": "Rank on the same board of the previous month or ISO week (same "
            "scope, metric and rules); null for all time, for whoever was not ranked then, and "
            "on an Anonymous row."
        },
    )
    change = fields.Integer(
        allow_none=True,
        metadata={
            "description": "Places gained since: previous_rank − rank (2: up two; −1: down "
            "one); null without a previous rank."
        },
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
    previous_rank = fields.Integer(
        allow_none=True, metadata={"description": "As on /leaderboards entries."}
    )
    change = fields.Integer(allow_none=True, metadata={"description": "As on /leaderboards."})


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
