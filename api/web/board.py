"""The team leaderboard page: its period choices, and the board rows with levels and badges.

Ranks and values come from `rewards.leaderboards.leaderboard` (the same board as the API);
this module only adds what the page shows next to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption.calendar import local_today
from adoption.models import Employee, Site
from adoption.scoring.components import score_frame
from adoption.scoring.rules import load_rules
from rewards.badges import BY_NAME
from rewards.leaderboards import MAX_LIMIT, leaderboard, parse_period, resolve_scope
from rewards.models import BadgeAward

METRICS = {"points": "Points", "proficiency": "Proficiency score", "improvement": "Improvement"}
COLUMNS = {"points": "Points", "proficiency": "Score", "improvement": "Change"}
# A wall screen is public: opted-out people show as Anonymous whoever signed the screen in.
PUBLIC_VIEWER = "employee"


@dataclass(frozen=True)
class PeriodChoice:
    key: str
    label: str
    value: str  # as the API takes it: 2026-W47, 2026-11 or all
    available: bool  # False while the period has no complete day (it starts today)


def period_choices(today: date) -> list[PeriodChoice]:
    """This/last week (ISO, Monday–Sunday), this/last month and all time, at the site's today."""
    last_month = today.replace(day=1) - timedelta(days=1)
    last_week = today - timedelta(days=7)
    return [
        PeriodChoice("week", "This week", today.strftime("%G-W%V"), today.weekday() > 0),
        PeriodChoice("last-week", "Last week", last_week.strftime("%G-W%V"), True),
        PeriodChoice("month", "This month", today.strftime("%Y-%m"), today.day > 1),
        PeriodChoice("last-month", "Last month", last_month.strftime("%Y-%m"), True),
        PeriodChoice("all", "All time", "all", True),
    ]


def pick_period(choices: list[PeriodChoice], key: str | None) -> tuple[PeriodChoice, str | None]:
    """The asked-for choice, or this week (last week on a Monday); a note when it fell back.

    An unknown key raises KeyError. A period that cannot be shown yet falls back rather than
    failing, so a wall screen left on "this week" keeps working on Monday morning.
    """
    by_key = {c.key: c for c in choices}
    fallback = by_key["week"] if by_key["week"].available else by_key["last-week"]
    if key is None:
        return fallback, None
    choice = by_key[key]
    if choice.available:
        return choice, None
    return fallback, f"{choice.label} has no complete day yet; showing {fallback.label.lower()}."


@dataclass
class Row:
    rank: int
    name: str
    user_id: str | None  # None for an anonymous (opted-out) row
    value: int | float | None
    level: str | None = None
    badges: list[str] = field(default_factory=list)
    me: bool = False


def team_board(
    session: Session,
    site: Site,
    *,
    period: PeriodChoice,
    metric: str,
    viewer_role: str,
    now: datetime,
    me: str | None = None,
) -> dict:
    """The site's board for the period and metric, each row with today's standing: the level
    on the last complete day (yesterday) and badges; `me` (a user id) marks the viewer's row."""
    board = leaderboard(
        session,
        scope=resolve_scope(session, f"site:{site.code}"),
        period=period.value,
        metric=metric,
        limit=MAX_LIMIT,
        viewer_role=viewer_role,
        now=now,
    )
    today = local_today(site.timezone, now)
    shown_period = parse_period(period.value, today)
    # Points run to today in the current period; scores stop at yesterday (the last finished day).
    last = shown_period.until if metric == "points" else shown_period.score_day
    team = {
        e.external_id: e
        for e in session.scalars(select(Employee).where(Employee.site_id == site.id))
    }
    shown = {e["user_id"]: team[e["user_id"]].id for e in board["entries"] if e["user_id"] in team}
    levels = levels_on(session, list(shown.values()), today - timedelta(days=1))
    badges = badge_titles(session, list(shown.values()))
    rows = []
    for entry in board["entries"]:
        eid = shown.get(entry["user_id"])
        rows.append(
            Row(
                rank=entry["rank"],
                name=entry["display_name"],
                user_id=entry["user_id"],
                value=entry["value"],
                level=levels.get(eid),
                badges=badges.get(eid, []),
                me=me is not None and entry["user_id"] == me,
            )
        )
    return {
        "period": board["period"],
        "last_day": last,
        "as_of": today - timedelta(days=1),
        "rows": rows,
    }


def levels_on(session: Session, employee_ids: list[int], day: date) -> dict[int, str]:
    if not employee_ids:
        return {}
    frame = score_frame(session, employee_ids, day, day, load_rules(session))
    return dict(zip(frame["employee_id"].astype(int), frame["level"].astype(str), strict=True))


def badge_titles(session: Session, employee_ids: list[int]) -> dict[int, list[str]]:
    """Each employee's badge titles, oldest first (one query for the whole board)."""
    out: dict[int, list[str]] = {}
    if not employee_ids:
        return out
    rows = session.execute(
        select(BadgeAward.employee_id, BadgeAward.badge)
        .where(BadgeAward.employee_id.in_(employee_ids))
        .order_by(BadgeAward.awarded_on, BadgeAward.badge)
    )
    for eid, badge in rows:
        out.setdefault(eid, []).append(BY_NAME[badge].title if badge in BY_NAME else badge)
    return out
