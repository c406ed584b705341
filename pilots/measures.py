"""A metric over a population, defined once for the readiness gate and for targets: which
metrics may be named (label, unit, range, which way is better), which sites a population is,
and a metric's value at a site in its week k since go-live.

Week k of a site = its local days [go_live_on + 7k, go_live_on + 7k + 6], complete once its last
day has ended at the site (DESIGN.md "Pilot comparison"). Values come from the weekly panel
(`pilots.weekly.panel_metrics`, the numbers `adoption.usage.metrics.site_metrics` gives for each
window, mean proficiency included): every (site, week) a caller needs is read in one call.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from adoption import locales
from adoption.calendar import last_complete_week
from adoption.models import Site
from adoption.scoring.rules import ScoringRules
from pilots.verdict import N_
from pilots.weekly import Cells, panel_metrics

# A metric equal to its threshold holds although a ratio of ratios may be off by an ulp.
EPSILON = 1e-12
COMPARISONS = (">=", "<=")


@dataclass(frozen=True)
class Unit:
    name: str
    low: float
    high: float
    shown: str  # how people read a value: "%" (a fraction × 100) or "of 100"


FRACTION = Unit("fraction", 0.0, 1.0, "%")
SCORE = Unit("score", 0.0, 100.0, "of 100")


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    unit: Unit
    better: str  # "higher" or "lower"

    def clip(self, value: float) -> float:
        return min(max(value, self.unit.low), self.unit.high)

    def shown(self, value: float | None) -> str:
        """The value as people read it: '82.5 %' for a fraction, '61.0 of 100' for a score."""
        if value is None:
            return "-"
        if self.unit is FRACTION:
            return f"{100 * value:.1f} %"
        return locales.N_("%(value)s of 100", value=f"{value:.1f}")  # a Text: said in zh


CATALOG = {
    m.name: m
    for m in (
        Metric("adoption_rate", N_("Adoption rate"), FRACTION, "higher"),
        Metric("stickiness", N_("Stickiness"), FRACTION, "higher"),
        Metric("mean_breadth", N_("Mean breadth"), FRACTION, "higher"),
        Metric("error_rate", N_("Error rate"), FRACTION, "lower"),
        Metric("proficient_share", N_("Proficient share"), FRACTION, "higher"),
        Metric("mean_proficiency", N_("Mean proficiency"), SCORE, "higher"),
    )
}
METRICS = tuple(CATALOG)
# The readiness gate's metrics: the fractions (its rules, pages and API state thresholds 0–1).
GATE_METRICS = tuple(m.name for m in CATALOG.values() if m.unit is FRACTION)


def threshold_errors(metric: str, threshold: object) -> list[str]:
    """Why `threshold` is no threshold for `metric` (empty when it is): a number in the range
    of the metric's unit (a fraction: 0 to 1; a score: 0 to 100)."""
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        return ["Must be a number."]
    if not math.isfinite(threshold):
        return ["Must be a finite number."]
    known = CATALOG.get(metric) if isinstance(metric, str) else None
    unit = known.unit if known else FRACTION
    if not unit.low <= threshold <= unit.high:
        what = f"{metric} is a {unit.name}" if known else "a fraction"
        return [f"Must be between {unit.low:g} and {unit.high:g} ({what})."]
    return []


def holds(value: float, comparison: str, threshold: float) -> bool:
    """Whether `value comparison threshold` holds (within EPSILON)."""
    if comparison == ">=":
        return value >= threshold - EPSILON
    return value <= threshold + EPSILON


# ---- populations ---------------------------------------------------------------------------

POPULATIONS = ("all", "pilots", "wave", "region")  # a target's: absolute
SCOPES = ("pilots", "previous_wave")  # a readiness rule's: relative to the wave it judges


def population_sites(session: Session, population: str, value: str | None = None) -> list[Site]:
    """The sites of a population, in code order: `all`, `pilots` (is_pilot), `wave` (sites
    whose wave is the number `value`) or `region` (sites whose region is `value`)."""
    stmt = select(Site).order_by(Site.code_key)
    if population == "pilots":
        stmt = stmt.where(Site.is_pilot.is_(True))
    elif population == "wave":
        stmt = stmt.where(Site.wave == int(value))
    elif population == "region":
        stmt = stmt.where(Site.region == value)
    return list(session.scalars(stmt))


def in_population(site: Site, population: str, value: str | None = None) -> bool:
    """Whether `site` is of the population (as `population_sites` selects them)."""
    if population == "pilots":
        return bool(site.is_pilot)
    if population == "wave":
        return site.wave == int(value)
    if population == "region":
        return site.region == value
    return True


def scope_sites(session: Session, scope: str, wave: int) -> list[Site]:
    """The sites a readiness scope judges wave `wave` by, in code order: `pilots`, or
    `previous_wave` = wave − 1 (wave 1's previous wave is the pilots: wave 0 or is_pilot)."""
    if scope == "pilots":
        return population_sites(session, "pilots")
    if wave - 1 == 0:
        where = or_(Site.wave == 0, Site.is_pilot.is_(True))
        return list(session.scalars(select(Site).where(where).order_by(Site.code_key)))
    return population_sites(session, "wave", str(wave - 1))


# ---- weeks since go-live and values --------------------------------------------------------


def last_week(site: Site, now: datetime) -> int | None:
    """The site's newest complete week since go-live (negative before it; None without one)."""
    if site.go_live_on is None:
        return None
    return last_complete_week(site.go_live_on, site.timezone, now)


def week_ending_by(go_live_on: date, day: date) -> int:
    """The last week since go-live whose last local day is on or before `day` (may be < 0)."""
    return ((day - go_live_on).days - 6) // 7


def week_values(
    session: Session,
    wanted: dict[Site, Iterable[int]],
    metrics: Iterable[str],
    rules: ScoringRules,
    panel: pd.DataFrame | None = None,
) -> dict[tuple[int, int], dict]:
    """`{(site id, week): {"population": n, metric: value or None, …}}` for the weeks ≥ 0 of
    each site with a go-live, read in one call; `rules` is the scoring config behind
    proficient_share and mean_proficiency. A `panel` (`pilots.curves.site_panel` of these
    metrics, or more, read from the same data) answers the (site, week) cells it holds: the
    same numbers from the same `panel_metrics`, so only the cells it lacks are read."""
    metrics = set(metrics)
    names = ["population", *sorted(metrics)]
    pairs = sorted(
        {(site.code_key, site.id, site.go_live_on.toordinal(), k)
         for site, weeks in wanted.items() if site.go_live_on for k in weeks if k >= 0}
    )  # fmt: skip
    found = {} if panel is None or not metrics <= set(panel.columns) else _held(panel, pairs, names)
    pairs = [p for p in pairs if (p[1], p[3]) not in found]
    if not pairs:
        return found
    _, *columns = zip(*pairs, strict=True)  # in code order, each site's weeks ascending
    site, go_live, week = (np.array(c, dtype=np.int64) for c in columns)
    cells = Cells(site, week, go_live + 7 * week, go_live)
    values = panel_metrics(session, cells, metrics, rules)
    return found | {
        (int(s), int(k)): {n: _plain(values[n][i]) for n in names}
        for i, (s, k) in enumerate(zip(site.tolist(), week.tolist(), strict=True))
    }


def _held(panel: pd.DataFrame, pairs: list[tuple], names: list[str]) -> dict:
    """The wanted cells the panel holds, as `week_values` gives them (its numpy values)."""
    rows = zip(panel["site_id"].tolist(), panel["week"].tolist(), strict=True)
    index = {(int(s), int(k)): i for i, (s, k) in enumerate(rows)}
    columns = {n: panel[n].to_numpy() for n in names}
    held = ((s, k, index.get((s, k))) for _, s, _, k in pairs)
    return {(s, k): {n: _plain(columns[n][i]) for n in names} for s, k, i in held if i is not None}


def _plain(value) -> float | int | None:
    """A panel number as JSON has it: NaN (undefined) as None, integers as int."""
    if isinstance(value, np.integer):
        return int(value)
    return None if np.isnan(value) else float(value)
