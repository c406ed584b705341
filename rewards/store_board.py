"""Store vs store (DESIGN "Ranking"): sites ranked against each other, never people.

A site's head count is its population on the period's last day: the rostered employees whose home
site it is and who are employed that day (for the current period, and all time, the last day so
far: today). The metrics:

- `points`: every ledger point earned at the site in the period (by whoever earned it, as the
  per-period totals beside the ledger hold them, `rewards.leaderboards.period_key`) ÷ head count;
- `adoption_rate`: of the head count, those active (a success of any feature, at any site) on a
  day of the period (through today for the current period) ÷ head count: DESIGN's adoption rate
  over the same population the per-head points divide by;
- `proficiency`: the mean of the head count's scores on the period's score day (yesterday for the
  current period), read as person boards read them (`stored_scores_on`); no score counts 0.

Values are rounded as shown (per head and proficiency to 2 decimals, adoption rate to 4) and then
ranked by standard competition ranking, highest first; a site with nobody (no value) ranks last,
and equal ranks are listed by site code. Every site of the scope is ranked, the small ones too:
a site of fewer than `min_group` people carries `broken_down: false` (nothing about its people is
shown anywhere from this board). The board is cached like person boards (`BOARDS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adoption.calendar import chain_today, employed_sql
from adoption.errors import Invalid
from adoption.models import DailyUsage, Employee, Site
from adoption.scoring.components import round_half_up
from adoption.scoring.proficiency import ID_CHUNK, UsageMark, stored_scores_on, usage_marks
from adoption.scoring.rules import load_rules
from rewards.board_cache import BOARDS
from rewards.leaderboards import Period, Scope, parse_period, period_key, resolve_scope
from rewards.ledger import next_confirmation, provisional_points
from rewards.models import PointsLedger, PointsTotal
from rewards.rank_change import previous_period

SITE_METRICS = ("points", "adoption_rate", "proficiency")
PLACES = {"points": 2, "adoption_rate": 4, "proficiency": 2}
ALL_TIME_FIRST = date(1900, 1, 1)  # the earliest day a board period can name


@dataclass(frozen=True)
class SiteStanding:
    site_id: int
    code: str
    name: str
    region: str | None
    head_count: int
    value: float | None


@dataclass(frozen=True)
class RankedSites:
    scope: Scope
    period: Period
    metric: str
    ranked: list[tuple[int, SiteStanding]]


def ranked_sites(
    session: Session, *, scope: Scope, period: str | None, metric: str, now: datetime
) -> RankedSites:
    """The scope's sites ranked for the period and metric (`period` None: the month holding
    yesterday), served from the worker's board cache while nothing it reads changed."""
    check_metric(metric)
    if scope.kind == "site":
        raise Invalid({"unit": ["unit=site ranks the sites of a region or the chain."]})
    today = chain_today(scope.timezones, now)
    if period is None:
        period = (today - timedelta(days=1)).strftime("%Y-%m")
    board_period = parse_period(period, today)
    pending = next_confirmation(session, now) if metric == "points" else None
    key = ("sites", scope.label, scope.site_ids, board_period, metric, pending)
    compute = partial(_rank, session, scope, board_period, metric, now)
    return BOARDS.get(session, key, compute, reads_points=metric == "points")


def store_board(
    session: Session,
    *,
    scope: Scope,
    period: str | None,
    metric: str,
    min_group: int,
    now: datetime,
    limit: int | None = None,
    hide_small: bool = False,
) -> dict:
    """The store board as GET /api/v1/leaderboards?unit=site answers it: its first `limit`
    sites (None: all). With `hide_small` (a manager or rollout lead: docs/privacy.md "Small
    groups") a site of fewer than `min_group` people keeps its rank but shows no value: with
    one or two heads, a mean score or adoption rate would be about a person."""
    board = ranked_sites(session, scope=scope, period=period, metric=metric, now=now)
    label = previous_period(board.period)
    before = None
    if label is not None:
        earlier = ranked_sites(session, scope=scope, period=label, metric=metric, now=now)
        before = {site.site_id: rank for rank, site in earlier.ranked}
    return {
        "scope": board.scope.label,
        "period": board.period.label,
        "metric": metric,
        "unit": "site",
        "entries": [
            site_entry(s, rank, before, min_group, hide_small) for rank, s in board.ranked[:limit]
        ],
    }


def store_page(
    session: Session,
    *,
    scope: str,
    period: str | None,
    metric: str,
    min_group: int,
    now: datetime,
    hide_small: bool = False,
) -> dict:
    """The store vs store page: every site of `scope` ("chain" or "region:NAME"; a site scope
    is refused on `unit`), and the regions the page offers."""
    if scope.strip().partition(":")[0].strip().lower() == "site":
        raise Invalid({"unit": ["unit=site ranks the sites of a region or the chain."]})
    resolved = resolve_scope(session, scope)
    board = store_board(
        session,
        scope=resolved,
        period=period,
        metric=metric,
        min_group=min_group,
        now=now,
        hide_small=hide_small,
    )
    found = session.scalars(select(Site.region).where(Site.region.is_not(None)).distinct())
    return {**board, "regions": sorted(found)}


def site_entry(
    site: SiteStanding, rank: int, before: dict | None, min_group: int, hide_small: bool = False
) -> dict:
    """One row: the site, its head count, value, rank change, and whether its people may be
    broken down (`min_group` people or more); a small site's value hidden with `hide_small`."""
    previous = None if before is None else before.get(site.site_id)
    small = site.head_count < min_group
    return {
        "rank": rank,
        "site_id": site.code,
        "name": site.name,
        "region": site.region,
        "head_count": site.head_count,
        "value": None if small and hide_small else site.value,
        "broken_down": not small,
        "previous_rank": previous,
        "change": None if previous is None else previous - rank,
    }


def check_metric(metric: str) -> None:
    if metric not in SITE_METRICS:
        raise Invalid({"metric": [f"With unit=site, one of: {', '.join(SITE_METRICS)}."]})


def _rank(session: Session, scope: Scope, period: Period, metric: str, now: datetime):
    """(the ranked sites, their count, the usage marks the values rest on beyond the stored
    generations: everyone scored from the rollups, or the window's people for adoption)."""
    sites = _sites(session, scope)
    heads = _head_count(session, scope, period.until)
    watched: dict[int, UsageMark] = {}
    raw = _values(session, metric, scope, period, sites, heads, watched, now)
    places = PLACES[metric]
    standings = [
        SiteStanding(
            site.id,
            site.code,
            site.name,
            site.region,
            len(heads.get(site.id, ())),
            None if raw.get(site.id) is None else float(round_half_up(raw[site.id], places)),
        )
        for site in sites
    ]
    return RankedSites(scope, period, metric, site_ranking(standings)), len(sites), watched


def site_ranking(standings: list[SiteStanding]) -> list[tuple[int, SiteStanding]]:
    """Standard competition ranking (1, 2, 2, 4) by value, high first, no value last; equal
    ranks listed by site code."""
    ordered = sorted(standings, key=lambda s: (s.value is None, -(s.value or 0), s.code))
    ranked, rank, previous = [], 0, object()
    for position, site in enumerate(ordered, start=1):
        if site.value != previous:
            rank, previous = position, site.value
        ranked.append((rank, site))
    return ranked


def _values(session, metric, scope, period, sites, heads, watched, now) -> dict[int, float | None]:
    if metric == "points":
        earned = _points(session, scope, period, now)
        return {s.id: _per_head(earned.get(s.id, 0), len(heads.get(s.id, ()))) for s in sites}
    if metric == "adoption_rate":
        people = [eid for ids in heads.values() for eid in ids]
        watched.update(usage_marks(session, people))  # before the reads: no race
        active = _active(session, people, period.first or ALL_TIME_FIRST, period.until)
        return {
            s.id: _per_head(len(active & set(heads.get(s.id, ()))), len(heads.get(s.id, ())))
            for s in sites
        }
    rules = load_rules(session)
    wanted = {eid: period.score_day for ids in heads.values() for eid in ids}
    scores = stored_scores_on(session, wanted, rules, watched)
    out: dict[int, float | None] = {}
    for site in sites:
        ids = heads.get(site.id, ())
        total = sum((scores[e].score or 0.0) if e in scores else 0.0 for e in ids)
        out[site.id] = total / len(ids) if ids else None
    return out


def _per_head(points: int, head_count: int) -> float | None:
    return points / head_count if head_count else None


def _sites(session: Session, scope: Scope) -> list[Site]:
    stmt = select(Site).order_by(Site.code)
    if scope.site_ids is not None:
        stmt = stmt.where(Site.id.in_(scope.site_ids))
    return list(session.scalars(stmt))


def _head_count(session: Session, scope: Scope, day: date) -> dict[int, list[int]]:
    """Site → its population on `day`: rostered, home site, employed that day."""
    stmt = select(Employee.site_id, Employee.id).where(
        Employee.rostered.is_(True), employed_sql(day)
    )
    if scope.site_ids is not None:
        stmt = stmt.where(Employee.site_id.in_(scope.site_ids))
    out: dict[int, list[int]] = {}
    for site_id, employee_id in session.execute(stmt):
        out.setdefault(site_id, []).append(employee_id)
    return out


def _active(session: Session, people: list[int], first: date, last: date) -> set[int]:
    """Who of `people` was active (a success, any feature, any site) on a day of [first, last],
    from the daily_usage rollup; ID_CHUNK ids a query."""
    du, out = DailyUsage, set()
    for start in range(0, len(people), ID_CHUNK):
        out |= set(
            session.scalars(
                select(du.employee_id)
                .where(
                    du.employee_id.in_(people[start : start + ID_CHUNK]),
                    du.local_day >= first,
                    du.local_day <= last,
                    du.successes > 0,
                )
                .distinct()
            )
        )
    return out


def _points(session: Session, scope: Scope, period: Period, now: datetime) -> dict[int, int]:
    """Site → confirmed points earned there in the period, by anyone (the per-period totals,
    less what is still provisional)."""
    total = PointsTotal
    stmt = (
        select(total.site_id, func.sum(total.points))
        .where(total.period == period_key(period))
        .group_by(total.site_id)
    )
    if scope.site_ids is not None:
        stmt = stmt.where(total.site_id.in_(scope.site_ids))
    pending = provisional_points(
        session,
        PointsLedger.site_id,
        first=period.first,
        last=period.last,
        site_ids=scope.site_ids,
        now=now,
    )
    return {
        site_id: int(points) - pending.get(site_id, 0) for site_id, points in session.execute(stmt)
    }
