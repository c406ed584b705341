"""The per-site weekly panel: every site's metrics in every week since its go-live, computed
together from a few reads of the daily_usage rollup, grouped by site week in SQL.

Week k of a site = local days [go_live_on + 7k, go_live_on + 7k + 6] (DESIGN.md "Pilot
comparison"). A cell is one (site, week); its members are the site's population that week
(rostered, home site, employed on at least one of its days). Every number is the one
`adoption.usage.metrics.site_metrics` gives for that window, from the same counts and the same
divisions; the medians are `pilots.survival.km_median`'s. A chain of 500 sites × 26 weeks costs
a handful of grouped queries and array operations, not a pass over the rollup per window.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Integer, case, cast, func, select
from sqlalchemy.orm import Session

from adoption.ingest.registry import canonical_map
from adoption.models import DailyUsage, Employee, Site
from adoption.scoring.components import score_frame
from adoption.scoring.cube import core_catalog
from adoption.scoring.proficiency import first_active_days, proficient_since_map
from adoption.scoring.rules import PROFICIENT_LEVELS, ScoringRules
from adoption.usage.by_site import EARLIEST_WEEK
from pilots.survival import km_medians

FIELDS = (
    "active",
    "adoption_rate",
    "stickiness",
    "mean_breadth",
    "error_rate",
    "proficient_share",
    "mean_proficiency",
    "time_to_first_use",
    "time_to_proficiency",
)
STRIDE = 1 << 20  # a (person, week) key: employee id × STRIDE + (week − EARLIEST_WEEK)
NO_START, NO_END = -(1 << 40), 1 << 40  # day ordinals standing for "unknown" / "open-ended"


@dataclass(frozen=True)
class Cells:
    """The (site, week) cells: each site's weeks ascending, sites in the order given; days are
    ordinals."""

    site: np.ndarray
    week: np.ndarray
    first: np.ndarray
    go_live: np.ndarray

    @property
    def last(self) -> np.ndarray:
        return self.first + 6

    def __len__(self) -> int:
        return len(self.site)

    def span(self) -> tuple[date, date]:
        return date.fromordinal(int(self.first.min())), date.fromordinal(int(self.last.max()))


def cells_of(sites: list[Site], last_week: dict[int, int]) -> Cells:
    """Weeks EARLIEST_WEEK … last_week[site.id] of each site, in the order of `sites`."""
    counts = np.array([max(0, last_week[s.id] - EARLIEST_WEEK + 1) for s in sites], dtype=int)
    owner, offset = _expand(counts)
    go_live = np.array([s.go_live_on.toordinal() for s in sites], dtype=np.int64)[owner]
    week = offset + EARLIEST_WEEK
    site = np.array([s.id for s in sites], dtype=np.int64)[owner]
    return Cells(site, week, go_live + 7 * week, go_live)


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For counts [2, 3]: owners [0, 0, 1, 1, 1] and offsets [0, 1, 0, 1, 2]."""
    owner = np.repeat(np.arange(len(counts)), counts)
    return owner, np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)


@dataclass(frozen=True)
class Members:
    """One row per (cell, member): cells ascending, members in employee id order in a cell."""

    cell: np.ndarray
    employee: np.ndarray
    hired: np.ndarray  # ordinal, NO_START when unknown
    left: np.ndarray  # ordinal, NO_END when open-ended
    key: np.ndarray  # (person, week) key of the row


def members_of(session: Session, cells: Cells) -> Members:
    """Each cell's population: rostered people of the site employed on one of its days."""
    rows = session.execute(
        select(Employee.id, Employee.site_id, Employee.hired_on, Employee.left_on)
        .where(Employee.site_id.in_(set(cells.site.tolist())), Employee.rostered.is_(True))
        .order_by(Employee.id)
    ).all()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    hired = np.array([r[2].toordinal() if r[2] else NO_START for r in rows], dtype=np.int64)
    left = np.array([r[3].toordinal() if r[3] else NO_END for r in rows], dtype=np.int64)
    # A site's cells are consecutive: each person is a candidate for their home site's cells.
    sites, first_cell, site_cells = np.unique(cells.site, return_index=True, return_counts=True)
    home = np.searchsorted(sites, np.array([r[1] for r in rows], dtype=np.int64))
    person, offset = _expand(site_cells[home])
    cell = first_cell[home][person] + offset
    employed = (hired[person] <= cells.last[cell]) & (left[person] >= cells.first[cell])
    person, cell = person[employed], cell[employed]
    by_cell = np.argsort(cell, kind="stable")  # people stay in id order within a cell
    person, cell = person[by_cell], cell[by_cell]
    key = ids[person] * STRIDE + (cells.week[cell] - EARLIEST_WEEK)
    return Members(cell, ids[person], hired[person], left[person], key)


def _days_since(session: Session, day, origin):
    """Whole days from `origin` to `day` in SQL (julianday on SQLite, date − date elsewhere)."""
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.julianday(day) - func.julianday(origin), Integer)
    return day - origin


def _by_week(session: Session, rows, *, home: bool):
    """`rows` (a subquery with local_day and employee_id or site_id) with `week`: the week since
    go-live of the person's home site (home) or of the site; only weeks ≥ EARLIEST_WEEK."""
    if home:
        stmt = select(rows).join(Employee, Employee.id == rows.c.employee_id)
        stmt = stmt.join(Site, Site.id == Employee.site_id)
    else:
        stmt = select(rows).join(Site, Site.id == rows.c.site_id)
    days = _days_since(session, rows.c.local_day, Site.go_live_on)
    week = (days - 7 * EARLIEST_WEEK) // 7 + EARLIEST_WEEK  # floor, as days ≥ 7 × EARLIEST_WEEK
    return stmt.add_columns(week.label("week")).where(days >= 7 * EARLIEST_WEEK).subquery()


def _people_usage(cells: Cells, *columns, where=()):
    """Rollup rows in the cells' days of the cells' sites' rostered people (at any site)."""
    du = DailyUsage
    first, last = cells.span()
    return (
        select(*columns)
        .join(Employee, Employee.id == du.employee_id)
        .where(Employee.site_id.in_(set(cells.site.tolist())), Employee.rostered.is_(True))
        .where(du.local_day >= first, du.local_day <= last, *where)
    )


def _per_member(rows, members: Members) -> np.ndarray:
    """The value of each member's (person, week) from rows (employee, week, value); 0 if none."""
    if not rows:
        return np.zeros(len(members.cell), dtype=np.int64)
    people, weeks, values = (np.array(c, dtype=np.int64) for c in zip(*rows, strict=True))
    keys = people * STRIDE + (weeks - EARLIEST_WEEK)
    order = np.argsort(keys)
    keys, values = keys[order], values[order]
    at = np.minimum(np.searchsorted(keys, members.key), len(keys) - 1)
    return np.where(keys[at] == members.key, values[at], 0)


def _per_cell(members: Members, values: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(members.cell, weights=values, minlength=size).astype(np.int64)


def _activity(session, cells, members, n) -> dict[str, np.ndarray]:
    """Active members per cell, and Σ of their active days (days with any success, any site)."""
    du = DailyUsage
    days = _people_usage(cells, du.employee_id, du.local_day, where=[du.successes > 0])
    days = days.group_by(du.employee_id, du.local_day).subquery()
    weeks = _by_week(session, days, home=True)
    by = (weeks.c.employee_id, weeks.c.week)
    rows = session.execute(select(*by, func.count()).group_by(*by)).all()
    active_days = _per_member(rows, members)
    active = _per_cell(members, active_days > 0, len(cells))
    daily = _per_cell(members, active_days, len(cells))
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "active": active,
            "adoption_rate": np.where(n > 0, active / n, np.nan),
            "stickiness": np.where(active > 0, daily / (7 * active), np.nan),
        }


def _mean_breadth(session, cells, members, n, rules) -> np.ndarray:
    """Core features (after aliasing) with ≥ breadth_min_successes successes in the week, per
    member, summed over the cell ÷ core features ÷ population."""
    catalog = core_catalog(session)
    if not catalog.size:
        return np.where(n > 0, 0.0, np.nan)
    core = set(catalog.feature_ids)
    aliases = {f: c for f, c in canonical_map(session).items() if c in core and f != c}
    du = DailyUsage
    columns = (du.employee_id, du.local_day, du.feature_id, du.successes)
    sources = du.feature_id.in_(core | set(aliases))
    weeks = _by_week(session, _people_usage(cells, *columns, where=[sources]).subquery(), home=True)
    feature = weeks.c.feature_id
    if aliases:  # the rows of an alias count for the feature it stands for
        feature = case(aliases, value=feature, else_=feature)
    usage = select(weeks.c.employee_id, weeks.c.week, feature.label("core"), weeks.c.successes)
    usage = usage.subquery()
    by = (usage.c.employee_id, usage.c.week)
    mastered = (
        select(*by)
        .group_by(*by, usage.c.core)
        .having(func.sum(usage.c.successes) >= rules.breadth_min_successes)
        .subquery()
    )
    by = (mastered.c.employee_id, mastered.c.week)
    rows = session.execute(select(*by, func.count()).group_by(*by)).all()
    total = _per_cell(members, _per_member(rows, members), len(cells))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, total / catalog.size / n, np.nan)


def _error_rate(session, cells) -> np.ndarray:
    """errors ÷ (successes + errors) of all events at the site in the week."""
    du = DailyUsage
    first, last = cells.span()
    days = (
        select(du.site_id, du.local_day)
        .add_columns(func.sum(du.successes).label("ok"), func.sum(du.errors).label("errors"))
        .where(du.site_id.in_(set(cells.site.tolist())))
        .where(du.local_day >= first, du.local_day <= last)
        .group_by(du.site_id, du.local_day)
        .subquery()
    )
    weeks = _by_week(session, days, home=False)
    by = (weeks.c.site_id, weeks.c.week)
    rows = session.execute(
        select(*by, func.sum(weeks.c.ok), func.sum(weeks.c.errors)).group_by(*by)
    ).all()
    # Sums of sums are NUMERIC on PostgreSQL: whole numbers, divided as the integers they are.
    rate = {(s, k): int(e) / int(ok + e) for s, k, ok, e in rows if ok + e}
    keys = zip(cells.site.tolist(), cells.week.tolist(), strict=True)
    return np.array([rate.get(key, np.nan) for key in keys])


def _scores_on_last_days(session, cells, members, rules) -> pd.DataFrame:
    """Each member's score and level on their cell's last day, from one `score_frame`."""
    if not len(members.cell):
        return pd.DataFrame({"score": [], "level": []})
    ends = cells.last[members.cell]
    first, last = date.fromordinal(int(ends.min())), date.fromordinal(int(ends.max()))
    frame = score_frame(session, sorted(set(members.employee.tolist())), first, last, rules)
    days = np.array([d.toordinal() for d in frame["day"]], dtype=np.int64)
    keys = frame["employee_id"].to_numpy(np.int64) * (1 << 24) + (days - int(ends.min()))
    wanted = members.employee * (1 << 24) + (ends - int(ends.min()))
    order = np.argsort(keys)
    at = order[np.searchsorted(keys, wanted, sorter=order)]
    return frame.iloc[at][["score", "level"]].reset_index(drop=True)


def _proficient_share(scores: pd.DataFrame, members, n) -> np.ndarray:
    proficient = scores["level"].isin(list(PROFICIENT_LEVELS)).to_numpy(bool)
    count = _per_cell(members, proficient, len(n))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, count / n, np.nan)


def _mean_proficiency(scores: pd.DataFrame, members, size: int) -> np.ndarray:
    """np.mean of each cell's members' scores, in member order (the order a sum is made in);
    Not started (no score, NaN) counts as 0 (DESIGN "Not started")."""
    values = np.nan_to_num(scores["score"].to_numpy(float), nan=0.0)
    bounds = np.searchsorted(members.cell, np.arange(size + 1))
    return np.array(
        [float(np.mean(values[a:b])) if b > a else np.nan for a, b in itertools.pairwise(bounds)]
    )


def _median_days(session, cells, members, metric, rules) -> np.ndarray:
    """Kaplan–Meier median days to first use / to proficiency of each cell's members as known
    at the week's end (`pilots.survival.spell`: from max(go-live, hired), censored at
    min(left_on, the week's last day), not at risk when that comes first); NaN while not
    reached."""
    ids = sorted(set(members.employee.tolist()))
    if metric == "time_to_first_use":
        reached = first_active_days(session, ids)
    else:
        as_of = date.fromordinal(int(cells.last.max()))
        reached = proficient_since_map(session, ids, as_of, rules)
    got = np.array(
        [reached[e].toordinal() if reached.get(e) else NO_END for e in members.employee.tolist()],
        dtype=np.int64,
    )
    start = np.maximum(cells.go_live[members.cell], members.hired)
    end = np.minimum(members.left, cells.last[members.cell])
    observed = got <= end
    times = np.where(observed, np.maximum(0, got - start), end - start)
    at_risk = end >= start
    return km_medians(members.cell[at_risk], times[at_risk], observed[at_risk], len(cells))


def panel_metrics(
    session: Session, cells: Cells, fields: set[str], rules: ScoringRules
) -> dict[str, np.ndarray]:
    """`population` and each of `fields` (of FIELDS) per cell; NaN where a metric is undefined
    (no population, no attempts, no active member, a median not reached)."""
    if not len(cells):
        return {name: np.zeros(0) for name in {"population", *fields}}
    members = members_of(session, cells)
    n = np.bincount(members.cell, minlength=len(cells)).astype(np.int64)
    out: dict[str, np.ndarray] = {"population": n}
    if fields & {"active", "adoption_rate", "stickiness"}:
        out |= _activity(session, cells, members, n)
    if "mean_breadth" in fields:
        out["mean_breadth"] = _mean_breadth(session, cells, members, n, rules)
    if "error_rate" in fields:
        out["error_rate"] = _error_rate(session, cells)
    if fields & {"proficient_share", "mean_proficiency"}:
        scores = _scores_on_last_days(session, cells, members, rules)
        out["proficient_share"] = _proficient_share(scores, members, n)
        out["mean_proficiency"] = _mean_proficiency(scores, members, len(cells))
    for metric in sorted(fields & {"time_to_first_use", "time_to_proficiency"}):
        out[metric] = _median_days(session, cells, members, metric, rules)
    return out
