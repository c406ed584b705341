"""Leaderboard query parameters and the board object (CONTRACT "Read models")."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.events import TrimmedString
from rewards.leaderboards import MAX_LIMIT, METRICS


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
