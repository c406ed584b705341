"""A target's progress (docs/metrics.md "Targets"): per site in its population with a go-live, the
metric at the site's deadline week since go-live, final once that week is complete, else
projected from the aligned curve; overall, the mean of the site values weighted by population.

Projection of a site whose latest complete week with a value is c < deadline week d: its value
at c plus the mean change from week c to week d among every site of the chain (with a go-live)
that has completed week d and has both values; when none has, the least-squares line through
the site's last ≤ 4 complete weeks, read at d. Either is clipped to the metric's range.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from adoption.locales import N_
from adoption.models import Site
from adoption.scoring.rules import ScoringRules
from pilots.comparison import weighted_mean
from pilots.measures import (
    CATALOG,
    holds,
    in_population,
    last_week,
    population_sites,
    week_ending_by,
)
from pilots.measures import week_values as read_values

TREND_WEEKS = 4
METHOD = N_(
    "Each site's value is the metric in its deadline week since go-live once that week is "
    "complete (final). Until then it is projected from the aligned curve: the site's value in "
    "its latest complete week plus the mean change between those two weeks since go-live "
    "among the sites that have completed the deadline week; when no site has, the "
    "least-squares trend of the site's last %(weeks)s complete weeks at most, read at the "
    "deadline week. Projections are clipped to the metric's range. Overall: the mean of the "
    "site values, final or projected, weighted by each site's rostered population in the week "
    "the value comes from (for a projection, its latest complete week); met or missed once "
    "every site's deadline week is complete, else on track or at risk by that projected mean.",
    weeks=TREND_WEEKS,
)


@dataclass(frozen=True)
class Plan:
    """One site of one target: its deadline week d, its latest complete week, what to read."""

    site: Site
    deadline: int
    last: int

    @property
    def final(self) -> bool:
        return self.last >= self.deadline or self.deadline < 0

    @property
    def recent(self) -> range:
        """The complete weeks a projection may start from (the last ≤ TREND_WEEKS, ≥ 0)."""
        return range(max(0, self.last - TREND_WEEKS + 1), self.last + 1)


def progress_of(
    session: Session,
    targets: list[dict],
    *,
    now: datetime,
    rules: ScoringRules,
    panel: pd.DataFrame | None = None,
) -> list[dict]:
    """The progress of each target, in order; every (site, week) any of them needs is read in
    one call (`pilots.measures.week_values`, which a page's `panel` spares)."""
    every = population_sites(session, "all")
    live = [s for s in every if s.go_live_on is not None]
    last = {s.id: last_week(s, now) for s in live}
    plans = {t["id"]: _plans(every, t, last) for t in targets}  # no query per target
    wanted: dict[Site, set[int]] = {}
    for plan in (p for ps in plans.values() for p in ps[0]):
        _want(wanted, plan, live, last)
    values = read_values(session, wanted, {t["metric"] for t in targets}, rules, panel)
    curve = Curve(values, live, last)
    return [_progress(t, *plans[t["id"]], values, curve) for t in targets]


def _plans(every: list[Site], target: dict, last: dict) -> tuple[list[Plan], list[str]]:
    """The target's sites (of `every` site, in code order) with a go-live as plans, and the
    codes of those without one."""
    sites = [s for s in every if in_population(s, target["population"], target["population_value"])]
    plans = [Plan(s, _deadline(target, s), last[s.id]) for s in sites if s.go_live_on is not None]
    return plans, [s.code for s in sites if s.go_live_on is None]


def _deadline(target: dict, site: Site) -> int:
    if target["deadline_week"] is not None:
        return target["deadline_week"]
    return week_ending_by(site.go_live_on, target["deadline_on"])


def _want(wanted: dict, plan: Plan, live: list[Site], last: dict) -> None:
    """The weeks the plan needs: its deadline week, or its recent weeks and, for the aligned
    curve, the same weeks and the deadline week of every site that has completed it."""
    if plan.deadline < 0 or plan.last < 0:
        return
    if plan.final:
        wanted.setdefault(plan.site, set()).add(plan.deadline)
        return
    wanted.setdefault(plan.site, set()).update(plan.recent)
    for other in live:
        if last[other.id] >= plan.deadline:
            wanted.setdefault(other, set()).update([*plan.recent, plan.deadline])


class Curve:
    """Mean changes between two weeks since go-live across the sites that completed both."""

    def __init__(self, values: dict, live: list[Site], last: dict) -> None:
        self.values, self.live, self.last = values, live, last
        self.memo: dict[tuple[str, int, int], float | None] = {}

    def change(self, metric: str, first: int, then: int) -> float | None:
        key = (metric, first, then)
        if key not in self.memo:
            pairs = [
                (self.values.get((s.id, first), {}).get(metric),
                 self.values.get((s.id, then), {}).get(metric))
                for s in self.live if self.last[s.id] >= then
            ]  # fmt: skip
            steps = [b - a for a, b in pairs if a is not None and b is not None]
            self.memo[key] = float(np.mean(steps)) if steps else None
        return self.memo[key]


def _progress(
    target: dict, plans: list[Plan], without: list[str], values: dict, curve: Curve
) -> dict:
    rows = [_site_row(target, plan, values, curve) for plan in plans]
    return {
        **_overall(target, rows),
        "method": METHOD,
        "sites": rows,
        "sites_without_go_live": without,
    }


def _site_row(target: dict, plan: Plan, values: dict, curve: Curve) -> dict:
    metric = target["metric"]
    row = {
        "site_id": plan.site.code,
        "name": plan.site.name,
        "deadline_week": plan.deadline,
        "week": None,
        "value": None,
        "population": None,
        "final": plan.final,
        "projected_value": None,
        "status": "no_data",
    }
    if plan.deadline < 0 or plan.last < 0:
        return row
    weeks = [plan.deadline] if plan.final else list(plan.recent)
    measured = [
        (k, values[(plan.site.id, k)])
        for k in weeks
        if values[(plan.site.id, k)][metric] is not None
    ]
    if not measured:
        return row
    week, cell = measured[-1]
    row.update(week=week, value=cell[metric], population=cell["population"])
    if plan.final:
        row["status"] = _status(target, cell[metric], final=True)
        return row
    projected = _project(metric, measured, plan.deadline, curve)
    row.update(projected_value=projected, status=_status(target, projected, final=False))
    return row


def _project(metric: str, measured: list[tuple[int, dict]], deadline: int, curve: Curve) -> float:
    """The aligned curve's projection to `deadline` of the site's latest value, else its trend."""
    week, cell = measured[-1]
    change = curve.change(metric, week, deadline)
    if change is not None:
        return CATALOG[metric].clip(cell[metric] + change)
    return CATALOG[metric].clip(_trend([(k, c[metric]) for k, c in measured], deadline))


def _trend(points: Iterable[tuple[int, float]], week: int) -> float:
    """The least-squares line through the points read at `week` (one point: flat)."""
    weeks, values = (np.array(c, dtype=float) for c in zip(*points, strict=True))
    if len(weeks) < 2:
        return float(values[0])
    slope, intercept = np.polyfit(weeks, values, 1)
    return float(intercept + slope * week)


def _status(target: dict, value: float, *, final: bool) -> str:
    met = holds(value, target["comparison"], target["threshold"])
    if final:
        return "met" if met else "missed"
    return "on_track" if met else "at_risk"


def _overall(target: dict, rows: list[dict]) -> dict:
    """The population-weighted mean of the site values (projected where not final)."""
    valued = [r for r in rows if r["value"] is not None]
    value = weighted_mean(
        [r["value"] if r["final"] else r["projected_value"] for r in valued],
        [r["population"] for r in valued],
    )
    final = all(r["final"] for r in rows)
    people = sum(r["population"] for r in valued)
    if value is None:
        return {"status": "no_data", "value": None, "final": final, "population": people}
    status = _status(target, value, final=final)
    return {"status": status, "value": value, "final": final, "population": people}
