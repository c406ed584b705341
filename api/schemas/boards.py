"""Leaderboard query parameters and the board object (CONTRACT "Read models"), and a site's team
board with levels, badges and period choices."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from adoption.limits import Whole
from api.schemas.events import TrimmedString
from api.schemas.fields import NOT_SPACE, SPACE, whole
from rewards.around import DEFAULT_NEIGHBOURS, MAX_NEIGHBOURS
from rewards.leaderboards import DIVISIONS, MAX_LIMIT, METRICS
from rewards.store_board import SITE_METRICS
from rewards.team import PERIOD_KEYS

_S, _NS = SPACE + "*", NOT_SPACE
SCOPE = (
    rf"^{_S}([Cc][Hh][Aa][Ii][Nn]{_S}|([Ss][Ii][Tt][Ee]|[Rr][Ee][Gg][Ii][Oo][Nn]){_S}:{_S}{_NS}"
    r"[\s\S]*)$"
)
UNITS = ("person", "site")
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
    metric = fields.String(
        load_default="points",
        validate=validate.OneOf(tuple(dict.fromkeys(METRICS + SITE_METRICS))),
        metadata={
            "description": "unit=person: points, proficiency or improvement; unit=site: points "
            "(per head), adoption_rate or proficiency (mean). Another pairing is 422 on metric."
        },
    )
    unit = fields.String(
        load_default="person",
        validate=validate.OneOf(UNITS),
        metadata={
            "description": "person (default): people ranked; site: the sites of a region or "
            "the chain ranked (store vs store); unit=site with scope=site:… is 422 on unit."
        },
    )
    division = fields.String(
        load_default="all",
        validate=validate.OneOf(DIVISIONS),
        metadata={
            "description": "unit=person: all (default); rookies: only people hired within the "
            "points config's rookie_days of the period's last day (today for the current "
            "period), ranked among themselves; veterans: everyone else."
        },
    )
    limit = whole(Whole(1, MAX_LIMIT), query=True, load_default=50)


class EntrySchema(Schema):
    """A person's row (unit=person) or a site's row (unit=site: no user_id or display_name)."""

    rank = fields.Integer(metadata={"description": "Competition ranking: 1, 2, 2, 4."})
    user_id = fields.String(allow_none=True, metadata={"description": "Null when anonymous."})
    display_name = fields.String(metadata={"description": "'Anonymous' for an opted-out person."})
    site_id = fields.String(
        metadata={"description": "The employee's home site; unit=site: the ranked site."}
    )
    name = fields.String(metadata={"description": "unit=site: the site's name."})
    region = fields.String(allow_none=True, metadata={"description": "unit=site: its region."})
    head_count = fields.Integer(
        metadata={
            "description": "unit=site: rostered people whose home site it is, employed on the "
            "period's last day (today for the current period and all time)."
        }
    )
    broken_down = fields.Boolean(
        metadata={
            "description": "unit=site: false when head_count is under UPTAKE_MIN_GROUP; nothing "
            "about the site's people is shown then."
        }
    )
    value = fields.Raw(
        allow_none=True,
        metadata={
            "description": "Points (integer), score or score gain (2 decimals), or null; "
            "unit=site: points per head or mean score (2 decimals), adoption rate (a fraction, "
            "4 decimals), null for a site with nobody."
        },
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
    provisional = fields.Integer(
        allow_none=True,
        metadata={
            "description": "Points boards: points earned but still provisional (the points "
            "config's void window), not counted in `value` yet; null on other metrics."
        },
    )


class LeaderboardSchema(Schema):
    scope = fields.String()
    period = fields.String()
    metric = fields.String()
    unit = fields.String(metadata={"description": "site on a store board; absent for people."})
    division = fields.String(metadata={"description": "rookies or veterans; absent for all."})
    entries = fields.List(fields.Nested(EntrySchema))


class AroundArgs(LeaderboardArgs):
    """The person board's scope, period and metric, then whose window and how wide."""

    class Meta:
        exclude = ("unit", "limit", "division")

    metric = fields.String(load_default="points", validate=validate.OneOf(METRICS))
    user_id = TrimmedString(
        required=True,
        validate=validate.Length(min=1, max=128),
        metadata={"description": "The person whose window it is."},
    )
    n = whole(
        Whole(0, MAX_NEIGHBOURS),
        query=True,
        load_default=DEFAULT_NEIGHBOURS,
        metadata={"description": "Rows above and below; a tie at either edge widens it."},
    )


class GapSchema(Schema):
    rank = fields.Integer(metadata={"description": "The rank just above the person's."})
    points = fields.Raw(
        metadata={"description": "How much more of the metric reaches it (tying reaches it)."}
    )


class AroundSchema(Schema):
    scope = fields.String()
    period = fields.String()
    metric = fields.String()
    user_id = fields.String(metadata={"description": "The person, as stored."})
    rank = fields.Integer()
    value = fields.Raw(allow_none=True)
    of = fields.Integer(metadata={"description": "How many people the board ranks."})
    n = fields.Integer()
    gap = fields.Nested(
        GapSchema, allow_none=True, metadata={"description": "Null at rank 1 or without a value."}
    )
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
    division = fields.String(
        load_default="all",
        validate=validate.OneOf(DIVISIONS),
        metadata={"description": "all (default), rookies or veterans, as on /leaderboards."},
    )


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
    kudos = fields.Integer(
        metadata={"description": "Kudos received in the shown period; 0 on anonymous rows."}
    )
    provisional = fields.Integer(
        allow_none=True,
        metadata={"description": "Points boards: provisional points not in `value` yet."},
    )


class TeamBoardSchema(Schema):
    site_id = fields.String()
    metric = fields.String()
    period = fields.String(metadata={"description": "The shown period: 2026-W47, 2026-11, all."})
    choice = fields.Nested(PeriodChoiceSchema, metadata={"description": "The shown choice."})
    note = fields.String(allow_none=True, metadata={"description": "Why it fell back, if so."})
    choices = fields.List(fields.Nested(PeriodChoiceSchema))
    last_day = fields.Date(metadata={"description": "The last day the values count."})
    as_of = fields.Date(metadata={"description": "Levels and badges: the site's yesterday."})
    rows = fields.List(
        fields.Nested(TeamRowSchema), metadata={"description": "None before the go-live."}
    )
    division = fields.String(metadata={"description": "all, rookies or veterans."})
    divisions = fields.Boolean(
        metadata={"description": "Whether the points config offers the rookie division."}
    )
    goes_live_on = fields.Date(
        allow_none=True,
        metadata={"description": "The site's go-live while it is ahead (no rows then)."},
    )
