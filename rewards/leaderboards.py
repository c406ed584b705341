"""Leaderboards (CONTRACT "Read models"; DESIGN "Ranking", "Improvement") from ledger and rollups.

Points are read from the per-period totals kept beside the ledger (`rewards.ledger`); proficiency
and improvement are the score of e on day d, read from fresh stored snapshots and computed from the
daily_usage rollup for the rest (`adoption.scoring.proficiency.stored_scores_on`). Nothing here
reads raw events. Entrants: rostered, home site in scope, employed on a day of the period
(`adoption.calendar.employed_sql`). Who is named to whom is `adoption.privacy.named_in_ranking`
(docs/privacy.md): the rows of everyone else are "Anonymous" and keep their rank and value;
`ranked_board` is the board before that choice, for callers (the team board, /me) that add their
own columns.

Points count every ledger row of the period's local days, today's included while the period runs,
except the points still provisional (a void window, `rewards.voids`): `value` is confirmed
points, and `provisional` says how many more are pending.
Proficiency is the score on the period's last day, and improvement runs to that day; for the
current period that day is yesterday (the last finished day), and on the current period's first day
(a Monday for this week, the 1st for this month), when it has no finished day yet, both are read as
of yesterday: the scores as they stand, an improvement of 0 (the day before the period is yesterday
itself). A well-formed period is never refused, a future one included. "Today" and "yesterday" are
the site's for a site board, UTC's for a region or chain board (one cut-off for everyone ranked
together).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adoption.calendar import Month, chain_today, employed_sql, site_timezones
from adoption.errors import Invalid, NotFound
from adoption.masterdata.records import get_site
from adoption.models import Employee, Site
from adoption.privacy import Person, Viewer, as_seen_by
from adoption.scoring.components import round_half_up
from adoption.scoring.proficiency import (
    Coverage,
    UsageMark,
    snapshot_coverage,
    stored_first_active_days,
    stored_scores_on,
)
from adoption.scoring.rules import ScoringRules, load_rules
from rewards.board_cache import BOARDS
from rewards.ledger import ALL_TIME, next_confirmation, period_keys, provisional_points
from rewards.models import PointsLedger, PointsTotal
from rewards.points_config import load_points_rules

METRICS = ("points", "proficiency", "improvement")
DIVISIONS = ("all", "rookies", "veterans")
MAX_LIMIT = 1000
WEEK = re.compile(r"([0-9]{4})-W([0-9]{2})")
MALFORMED = "Use YYYY-MM, an ISO week YYYY-Www, or all."


@dataclass(frozen=True)
class Period:
    kind: str  # "month", "week" or "all"
    first: date | None  # None for all time
    last: date | None  # the period's real last day; None for all time
    label: str
    until: date  # employment (and the page's "up to"): `last`, or today for the current period
    score_day: date  # proficiency and improvement: `last`, or yesterday for the current period


def parse_period(text: str, today: date) -> Period:
    """`YYYY-MM`, ISO week `%G-W%V` (Monday–Sunday) or `all`; only a malformed text is invalid.

    Points use the real bounds [first, last] (`until` is today for the current period and all
    time); proficiency and improvement are read on `score_day`, never after yesterday, so the
    current period on its first day (and a future period) reads them as of yesterday.
    """
    value = (text or "").strip()
    yesterday = today - timedelta(days=1)
    if value.lower() == "all":
        return Period("all", None, None, "all", today, yesterday)
    kind, first, last, label = _calendar_period(value)
    until = last if first > today else min(last, today)
    return Period(kind, first, last, label, until, min(last, yesterday))


def _calendar_period(value: str) -> tuple[str, date, date, str]:
    try:
        month = Month.parse(value, "period")
        return "month", month.first_day, month.last_day, value
    except Invalid:
        pass
    if match := WEEK.fullmatch(value):
        try:
            monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
            return "week", monday, monday + timedelta(days=6), value
        except (ValueError, OverflowError):
            pass
    raise Invalid({"period": [MALFORMED]})


@dataclass(frozen=True)
class Scope:
    kind: str  # "site", "region" or "chain"
    label: str  # as echoed: "site:S001", "region:North", "chain"
    site_ids: frozenset[int] | None  # None: every site
    timezones: tuple[str, ...]  # the scope's sites' zones: their chain_today is the scope's today


def resolve_scope(session: Session, text: str) -> Scope:
    """`site:CODE` (case-insensitive), `region:NAME` (case-insensitive) or `chain`."""
    kind, sep, name = (text or "").strip().partition(":")
    kind, name = kind.strip().lower(), name.strip()
    if kind == "chain" and not sep:
        return Scope("chain", "chain", None, tuple(site_timezones(session)))
    if kind == "site" and name:
        site = get_site(session, name)
        return Scope("site", f"site:{site.code}", frozenset({site.id}), (site.timezone,))
    if kind == "region" and name:
        rows = session.execute(
            select(Site.id, Site.region, Site.timezone).where(
                func.lower(Site.region) == name.lower()
            )
        ).all()
        if not rows:
            raise NotFound(f"No site is in region {name!r}.", {"scope": text})
        return Scope(
            "region",
            f"region:{rows[0][1]}",
            frozenset(r[0] for r in rows),
            tuple(sorted({r[2] for r in rows})),
        )
    raise Invalid({"scope": ["Use site:CODE, region:NAME or chain."]})


@dataclass
class Entrant:
    employee_id: int
    user_id: str
    user_key: str
    display_name: str
    opted_out: bool
    site_code: str
    site_id: int  # the home site
    hired_on: date | None = None
    value: int | float | None = None
    provisional: int | None = None  # points boards: points not confirmed yet (not in `value`)

    @property
    def person(self) -> Person:
        return Person(self.employee_id, self.site_id, self.opted_out)


@dataclass(frozen=True)
class RankedBoard:
    """A board before it is shown: every entrant with its rank, best first."""

    scope: Scope
    period: Period
    metric: str
    ranked: list[tuple[int, Entrant]]


def ranked_board(
    session: Session,
    *,
    scope: str | Scope,
    period: str | None,
    metric: str,
    now: datetime,
    division: str = "all",
) -> RankedBoard:
    """The scope's entrants for the period and metric, ranked (`period` None: the month
    holding yesterday). Served from the worker's board cache while nothing it reads changed.

    `division` "rookies" keeps the entrants hired within the points config's `rookie_days`
    of the period's `until` day (hired_on > until − rookie_days), "veterans" the others (no
    hire date: a veteran); each is ranked among itself by the same rules."""
    _check_metric(metric)
    if division not in DIVISIONS:
        raise Invalid({"division": [f"Must be one of: {', '.join(DIVISIONS)}."]})
    if isinstance(scope, str):
        scope = resolve_scope(session, scope)
    today = chain_today(scope.timezones, now)
    if period is None:
        period = (today - timedelta(days=1)).strftime("%Y-%m")
    board_period = parse_period(period, today)
    cutoff = None
    if division != "all":
        rookie_days = load_points_rules(session).rookie_days
        cutoff = (division, board_period.until - timedelta(days=rookie_days))
    # Points boards count confirmed points: the board changes when provisional ones confirm.
    pending = next_confirmation(session, now) if metric == "points" else None
    key = (scope.label, scope.site_ids, board_period, metric, cutoff, pending)
    compute = partial(_rank, session, scope, board_period, metric, cutoff, now)
    return BOARDS.get(session, key, compute, reads_points=metric == "points")


def is_rookie(hired_on: date | None, cutoff: date) -> bool:
    """Hired after `cutoff` (the period's until day − rookie_days): a rookie."""
    return hired_on is not None and hired_on > cutoff


def _rank(
    session: Session,
    scope: Scope,
    period: Period,
    metric: str,
    cutoff: tuple[str, date] | None = None,
    now: datetime | None = None,
):
    """(the ranked board, its size, the usage marks of whoever was scored from the rollups)."""
    entrants = _entrants(session, scope, period)
    if cutoff is not None:
        division, day = cutoff
        entrants = [e for e in entrants if is_rookie(e.hired_on, day) == (division == "rookies")]
    on_rollups: dict[int, UsageMark] = {}
    ids = [e.employee_id for e in entrants]
    values = _values(session, metric, scope, period, ids, on_rollups)
    pending = {}
    if metric == "points" and now is not None:
        pending = provisional_points(
            session,
            PointsLedger.employee_id,
            first=period.first,
            last=period.last,
            site_ids=scope.site_ids,
            now=now,
        )
    for entrant in entrants:
        entrant.value = values.get(entrant.employee_id)
        if metric == "points":
            entrant.provisional = pending.get(entrant.employee_id, 0)
            entrant.value -= entrant.provisional
    board = RankedBoard(scope, period, metric, competition_ranking(entrants))
    return board, len(entrants), on_rollups


def leaderboard(
    session: Session,
    *,
    scope: str | Scope,
    period: str | None,
    metric: str,
    limit: int,
    viewer: Viewer,
    now: datetime,
    division: str = "all",
) -> dict:
    """The contract's board: ranked entries of the scope's entrants for the period and metric.

    `period` None means the month holding yesterday. Each row is named or "Anonymous" as the
    viewer may see it (`adoption.privacy.named_in_ranking`); every row keeps its rank and value.
    A division other than "all" ranks rookies or veterans among themselves (`ranked_board`).
    """
    _check_metric(metric)
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid({"limit": [f"Must be between 1 and {MAX_LIMIT}."]})
    board = ranked_board(
        session, scope=scope, period=period, metric=metric, now=now, division=division
    )
    from rewards.rank_change import previous_ranks, with_change  # it ranks boards itself

    before = previous_ranks(session, board, now, division)
    entries = [with_change(entry(e, rank, viewer), e, before) for rank, e in board.ranked[:limit]]
    out = {
        "scope": board.scope.label,
        "period": board.period.label,
        "metric": metric,
        "entries": entries,
    }
    if division != "all":
        out["division"] = division
    return out


def _check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise Invalid({"metric": [f"Must be one of: {', '.join(METRICS)}."]})


def _values(
    session: Session, metric: str, scope: Scope, period: Period, ids: list[int], on_rollups: dict
) -> dict:
    if metric == "points":
        earned = _points(session, scope, period)
        return {eid: earned.get(eid, 0) for eid in ids}
    rules = load_rules(session)
    if metric == "proficiency":
        return _scores(session, dict.fromkeys(ids, period.score_day), rules, on_rollups)
    return improvement(session, ids, period, rules, on_rollups)


def _entrants(session: Session, scope: Scope, period: Period) -> list[Entrant]:
    """Rostered employees whose home site is in scope, employed on a day of the period."""
    stmt = (
        select(
            Employee.id,
            Employee.external_id,
            Employee.external_key,
            Employee.display_name,
            Employee.public_opt_out,
            Site.code,
            Employee.site_id,
            Employee.hired_on,
        )
        .join(Site, Site.id == Employee.site_id)
        .where(Employee.rostered.is_(True), employed_sql(period.first or date.min, period.until))
    )
    if scope.site_ids is not None:
        stmt = stmt.where(Employee.site_id.in_(scope.site_ids))
    return [Entrant(*row) for row in session.execute(stmt)]


def _points(session: Session, scope: Scope, period: Period) -> dict[int, int]:
    """Points per employee earned at the scope's sites on the period's local days (today's too
    while the period runs), read from the period totals `rewards.ledger.book` keeps."""
    total = PointsTotal
    stmt = (
        select(total.employee_id, func.sum(total.points))
        .where(total.period == period_key(period))
        .group_by(total.employee_id)
    )
    if scope.site_ids is not None:
        stmt = stmt.where(total.site_id.in_(scope.site_ids))
    return {eid: int(points) for eid, points in session.execute(stmt)}


def period_key(period: Period) -> str:
    """The `points_total` period of a board period (`rewards.ledger.period_keys`)."""
    if period.first is None:
        return ALL_TIME
    if period.kind == "month":
        return period.first.strftime("%Y-%m")
    return period_keys(period.first)[1]


def _scores(
    session: Session,
    wanted: dict[int, date],
    rules: ScoringRules,
    on_rollups: dict | None = None,
    coverage: Coverage | None = None,
) -> dict[int, float]:
    """Each employee's score on their own day (`adoption.scoring.proficiency.stored_scores_on`)."""
    scores = stored_scores_on(session, wanted, rules, on_rollups, coverage)
    return {eid: s.score for eid, s in scores.items()}


def improvement(
    session: Session,
    ids: list[int],
    period: Period,
    rules: ScoringRules,
    on_rollups: dict | None = None,
) -> dict[int, float | None]:
    """Score at period end − baseline (DESIGN "Improvement"); None without the minimum evidence.

    The period end is `score_day` (yesterday for the current period). Baseline: the day before
    the period, or the first active day when that falls inside the period (always for all time);
    a baseline day that is Not started (no score) counts as 0.
    Without any activity by the period end, all time has none. While the period has no finished
    day yet, the day before it is not before `score_day`: the baseline is `score_day` itself.
    """
    if not ids:
        return {}
    end_day = period.score_day
    coverage = snapshot_coverage(session, ids, rules.version)
    end = stored_scores_on(session, dict.fromkeys(ids, end_day), rules, on_rollups, coverage)
    end_score = {
        e: s.score
        for e, s in end.items()
        if s.score is not None and s.core_attempts >= rules.min_core_attempts
    }
    first_active = stored_first_active_days(session, list(end_score), rules.version, coverage)
    before, joined = {}, {}
    for eid in end_score:
        day = first_active.get(eid)
        started = day is not None and day <= end_day  # active by the period end
        if period.first is not None and not (started and day >= period.first):
            before[eid] = min(period.first - timedelta(days=1), end_day)
        elif started:
            joined[eid] = day
    # Two groups, so a late joiner's span of days never widens everybody else's frame.
    baseline = {
        **_scores(session, before, rules, on_rollups, coverage),
        **_scores(session, joined, rules, on_rollups, coverage),
    }
    out: dict[int, float | None] = dict.fromkeys(ids)
    for eid, base in baseline.items():  # Not started at the baseline: from no score, 0
        out[eid] = float(round_half_up(end_score[eid] - (base or 0.0), 2))
    return out


def competition_ranking(entrants: list[Entrant]) -> list[tuple[int, Entrant]]:
    """Standard competition ranking (1, 2, 2, 4) by value, high first; nulls share the last rank.

    Equal ranks are listed by user id: the plain `external_id` string order, as champions and
    first proficient break their last ties (so "B2" comes before "a1").
    """
    ordered = sorted(
        entrants,
        key=lambda e: (e.value is None, -(e.value or 0), e.user_id, e.employee_id),
    )
    ranked, rank, previous = [], 0, object()
    for position, entrant in enumerate(ordered, start=1):
        if entrant.value != previous:
            rank, previous = position, entrant.value
        ranked.append((rank, entrant))
    return ranked


def entry(entrant: Entrant, rank: int, viewer: Viewer) -> dict:
    """One row of the contract's board, named or "Anonymous" as the viewer may see it."""
    row = {
        "rank": rank,
        "user_id": entrant.user_id,
        "display_name": entrant.display_name,
        "site_id": entrant.site_code,
        "value": entrant.value,
        "provisional": entrant.provisional,
    }
    return as_seen_by(viewer, entrant.person, row, ranking=True)
