"""A site's team board as its people see it: the period choices, and the ranked rows with each
person's level and badges.

Ranks and values come from `rewards.leaderboards.ranked_board` (the same board as the API's
/leaderboards). Period choices are this/last ISO week (Monday–Sunday), this/last month and all
time, at the site's today; "this week" has no complete day on a Monday and "this month" none on the
1st, so asking for them then falls back to this week, or last week on a Monday, with a note (a wall
screen left on "this week" keeps working on Monday morning). Levels are the score's level
(`adoption.scoring.proficiency.stored_scores_on`, as boards read scores) on the site's yesterday,
the last complete day; badges are the titles of the person's awards, oldest first. Who is named
to whom is `adoption.privacy.named_in_ranking` (docs/privacy.md); an anonymous row carries no
level or badges: nothing that would point at the person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption.calendar import Month, local_today
from adoption.errors import Invalid
from adoption.masterdata.cards import titles_by_action
from adoption.models import Site
from adoption.privacy import Viewer, named_in_ranking
from adoption.scoring.proficiency import stored_scores_on
from adoption.scoring.rules import load_rules
from adoption.usage.coaching import Coaching, features_of, titled
from adoption.usage.visible import visible_coaching
from rewards.badges import BY_NAME
from rewards.kudos import kudos_counts
from rewards.leaderboards import (
    METRICS,
    entry,
    parse_period,
    ranked_board,
    resolve_scope,
)
from rewards.models import BadgeAward
from rewards.points_config import load_points_rules
from rewards.rank_change import previous_ranks, with_change

PERIOD_KEYS = ("week", "last-week", "month", "last-month", "all")


@dataclass(frozen=True)
class PeriodChoice:
    key: str
    label: str
    value: str  # as /leaderboards takes it: 2026-W47, 2026-11 or all
    available: bool  # False while the period has no complete day (it starts today)


def period_choices(today: date) -> list[PeriodChoice]:
    """This/last week (ISO, Monday–Sunday), this/last month and all time, at the site's today."""
    month = Month.of(today)
    last_week = today - timedelta(days=7)
    return [
        PeriodChoice("week", "This week", today.strftime("%G-W%V"), today.weekday() > 0),
        PeriodChoice("last-week", "Last week", last_week.strftime("%G-W%V"), True),
        PeriodChoice("month", "This month", str(month), today.day > 1),
        PeriodChoice("last-month", "Last month", str(month.previous()), True),
        PeriodChoice("all", "All time", "all", True),
    ]


def pick_period(choices: list[PeriodChoice], key: str | None) -> tuple[PeriodChoice, str | None]:
    """The asked-for choice, or this week (last week on a Monday); a note when it fell back.

    An unknown key is Invalid. A period that cannot be shown yet falls back rather than failing.
    """
    by_key = {c.key: c for c in choices}
    fallback = by_key["week"] if by_key["week"].available else by_key["last-week"]
    if key is None:
        return fallback, None
    if key not in by_key:
        raise Invalid({"period": [f"Must be one of: {', '.join(PERIOD_KEYS)}."]})
    choice = by_key[key]
    if choice.available:
        return choice, None
    return fallback, f"{choice.label} has no complete day yet; showing {fallback.label.lower()}."


@dataclass(frozen=True)
class TeamRow:
    rank: int
    name: str
    user_id: str | None  # None for an anonymous row
    value: int | float | None
    level: str | None = None
    badges: list[str] = field(default_factory=list)
    me: bool = False
    previous_rank: int | None = None  # `rewards.leaderboards.with_change`
    change: int | None = None
    kudos: int = 0  # kudos received in the shown period (named rows only)
    provisional: int | None = None  # points boards: provisional points, not in `value` yet


@dataclass(frozen=True)
class TeamBoard:
    site_id: str  # the site's code
    site_name: str
    metric: str
    choice: PeriodChoice  # the period shown (after any fallback)
    note: str | None  # why the asked-for period was not shown
    choices: list[PeriodChoice]
    period: str  # the shown period's label: 2026-W47, 2026-11 or all
    last_day: date  # points run to today in the current period, scores stop at yesterday
    as_of: date  # levels and badges: the site's yesterday
    rows: list[TeamRow]
    division: str = "all"  # `rewards.leaderboards.DIVISIONS`
    divisions: bool = False  # the points config offers the rookie division
    goes_live_on: date | None = None  # set while the site's go-live is still ahead


def team_board(
    session: Session,
    site: Site,
    *,
    period: str | None,
    metric: str,
    viewer: Viewer,
    now: datetime,
    division: str = "all",
) -> TeamBoard:
    """The site's board for the period choice (a key of `period_choices`, None: the default)
    and metric, each row named or "Anonymous" as the viewer may see it; `me` marks the
    viewer's own row. `division` ranks rookies or veterans apart (`ranked_board`); the page
    offers it when the points config's `rookie_division` is on. Before the site's go-live
    `goes_live_on` says when it starts, and the rows are none: a board of zeros ranks nobody."""
    if metric not in METRICS:
        raise Invalid({"metric": [f"Must be one of: {', '.join(METRICS)}."]})
    today = local_today(site.timezone, now)
    choices = period_choices(today)
    choice, note = pick_period(choices, period)
    board = ranked_board(
        session,
        scope=resolve_scope(session, f"site:{site.code}"),
        period=choice.value,
        metric=metric,
        now=now,
        division=division,
    )
    ahead = site.go_live_on if site.go_live_on is not None and site.go_live_on > today else None
    as_of = today - timedelta(days=1)
    shown_period = parse_period(choice.value, today)
    rows = []
    known = [e.employee_id for _, e in board.ranked if named_in_ranking(viewer, e.person)]
    levels = {
        eid: s.level
        for eid, s in stored_scores_on(
            session, dict.fromkeys(known, as_of), load_rules(session)
        ).items()
    }
    badges = badge_titles(session, known)
    thanks = kudos_counts(session, known, shown_period.first or date.min, shown_period.until)
    before = previous_ranks(session, board, now, division)
    for rank, entrant in [] if ahead else board.ranked:
        shown = with_change(entry(entrant, rank, viewer), entrant, before)
        eid = entrant.employee_id if shown["user_id"] is not None else None
        rows.append(
            TeamRow(
                rank=rank,
                name=shown["display_name"],
                user_id=shown["user_id"],
                value=entrant.value,
                level=levels.get(eid),
                badges=badges.get(eid, []),
                me=eid is not None and eid == viewer.employee_id,
                previous_rank=shown["previous_rank"],
                change=shown["change"],
                kudos=thanks.get(eid, 0),
                provisional=entrant.provisional,
            )
        )
    return TeamBoard(
        site_id=site.code,
        site_name=site.name,
        metric=metric,
        choice=choice,
        note=note,
        choices=choices,
        period=board.period.label,
        last_day=shown_period.until if metric == "points" else shown_period.score_day,
        as_of=as_of,
        rows=rows,
        division=division,
        divisions=load_points_rules(session).rookie_division,
        goes_live_on=ahead,
    )


@dataclass(frozen=True)
class TeamPage:
    """What the manager's board page shows: the board, and who needs help when asked for."""

    board: TeamBoard
    coaching: Coaching | None


def team_page(
    session: Session,
    site: Site,
    *,
    period: str | None,
    metric: str,
    viewer: Viewer,
    with_coaching: bool,
    now: datetime,
    division: str = "all",
    locale: str | None = None,
) -> TeamPage:
    """The team board (`team_board`) and, with `with_coaching`, the site's "who needs help"
    (`adoption.usage.visible.visible_coaching`), both as the viewer may see them; features in
    the coaching named in `locale` when given (`feature_title`)."""
    board = team_board(
        session, site, period=period, metric=metric, viewer=viewer, now=now, division=division
    )
    coaching = visible_coaching(session, site, now, viewer) if with_coaching else None
    if coaching is not None and locale is not None:
        titles = titles_by_action(session, features_of(coaching), locale)
        coaching = titled(coaching, titles)
    return TeamPage(board, coaching)


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
