"""Each site's metrics by week since its go-live, and the pilot vs non-pilot curves over them.

Week k of a site = local days [go_live_on + 7k, go_live_on + 7k + 6]; a site counts for week k
only once that week is complete there; sites without go_live_on are left out (DESIGN.md "Pilot
comparison"). Every (site, week) comes from one weekly panel (`pilots.weekly`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption.calendar import last_complete_week
from adoption.locales import N_, Text
from adoption.models import Site
from adoption.scoring.rules import ScoringRules
from pilots.comparison import weighted_mean
from pilots.weekly import cells_of, panel_metrics

METRICS = (
    "adoption_rate",
    "proficient_share",
    "mean_proficiency",
    "error_rate",
    "mean_breadth",
    "time_to_first_use",
    "time_to_proficiency",
)
UNITS = {
    "mean_proficiency": "score 0–100",
    "time_to_first_use": "days",
    "time_to_proficiency": "days",
}
MAX_WEEK = 104
COLUMNS = ["site_id", "code", "is_pilot", "region", "week", "first", "last", "population", "value"]


def unit_of(metric: str) -> str:
    return UNITS.get(metric, "fraction")


def site_weeks(
    session: Session, *, metric: str, now: datetime, rules: ScoringRules
) -> pd.DataFrame:
    """One row per site with a go-live and complete week k ≥ EARLIEST_WEEK (k ≤ MAX_WEEK):
    the site, its group, the week's window, rostered population and the metric's value (NaN
    where undefined), from one weekly panel (`pilots.weekly`) computing only that metric."""
    return metric_table(site_panel(session, metrics={metric}, now=now, rules=rules), metric)


def site_panel(
    session: Session, *, metrics: set[str], now: datetime, rules: ScoringRules
) -> pd.DataFrame:
    """`site_weeks` of several metrics at once, a column each: the per-site weekly panel read
    once, so every metric and week of the page is a slice of it."""
    sites = [s for s in session.scalars(select(Site).order_by(Site.code_key)) if s.go_live_on]
    last = {s.id: min(last_complete_week(s.go_live_on, s.timezone, now), MAX_WEEK) for s in sites}
    cells = cells_of(sites, last)
    if not len(cells):
        return pd.DataFrame(columns=[*COLUMNS[:-1], *sorted(metrics)])
    values = panel_metrics(session, cells, metrics, rules)
    by_id = {s.id: s for s in sites}
    site = [by_id[i] for i in cells.site.tolist()]
    first = [date.fromordinal(d) for d in cells.first.tolist()]
    return pd.DataFrame(
        {
            "site_id": cells.site,
            "code": [s.code for s in site],
            "is_pilot": [s.is_pilot for s in site],
            "region": [s.region for s in site],
            "week": cells.week,
            "first": first,
            "last": [d + timedelta(days=6) for d in first],
            "population": values["population"],
            **{m: values[m] for m in sorted(metrics)},
        }
    )


def metric_table(panel: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The `site_weeks` table of one metric of a `site_panel`."""
    return panel[COLUMNS[:-1]].assign(value=panel[metric].astype(float))[COLUMNS]


def side(table: pd.DataFrame, pilot: bool) -> pd.DataFrame:
    """The rows of one group that carry a value."""
    return table[(table["is_pilot"] == pilot) & table["value"].notna()]


def group_mean(rows: pd.DataFrame, weighting: str) -> float | None:
    weights = rows["population"].astype(float) if weighting == "rostered" else None
    return weighted_mean(rows["value"].astype(float), weights)


@dataclass(frozen=True)
class Columns:
    """A site-week table's columns as arrays, for per-week selections without pandas."""

    week: np.ndarray
    pilot: np.ndarray
    value: np.ndarray  # NaN where a site has no value
    population: np.ndarray

    @classmethod
    def of(cls, table: pd.DataFrame) -> Columns:
        return cls(
            table["week"].to_numpy(np.int64),
            table["is_pilot"].to_numpy(bool),
            table["value"].to_numpy(float),
            table["population"].to_numpy(float),
        )

    def side(self, week: int, pilot: bool, weighting: str = "sites") -> np.ndarray:
        """A mask of the group's rows with a value at `week` (weighting=rostered: and people)."""
        mask = (self.week == week) & (self.pilot == pilot) & ~np.isnan(self.value)
        return mask & (self.population > 0) if weighting == "rostered" else mask

    def mean(self, mask: np.ndarray, weighting: str) -> float | None:
        """`group_mean` of the rows of `mask`."""
        weights = self.population[mask] if weighting == "rostered" else None
        return weighted_mean(self.value[mask], weights)


def curve_rows(table: pd.DataFrame, weighting: str = "sites") -> list[dict]:
    """Per week: each group's mean (weighted as the effect is), quartiles across sites
    (numpy linear interpolation, unweighted) and the number of sites with a value."""
    columns = Columns.of(table)
    out = []
    for week in np.unique(columns.week):
        row = {"week": int(week)}
        for name, pilot in (("pilot", True), ("control", False)):
            mask = columns.side(week, pilot)
            values = columns.value[mask]
            q1, q3 = np.percentile(values, [25, 75]) if len(values) else (None, None)
            row[f"{name}_mean"] = columns.mean(mask, weighting)
            row[f"{name}_q1"] = None if q1 is None else float(q1)
            row[f"{name}_q3"] = None if q3 is None else float(q3)
            row[f"n_{name}"] = len(values)
        out.append(row)
    return out


MIN_SITES_PER_SIDE = 5
SIZE_RATIO = 1.25  # mean population of one side over the other's
REGION_DISTANCE = 0.25  # total variation distance between the sides' region shares


def caveats(table: pd.DataFrame, week: int, sites: list[Site], metric: str) -> list[str]:
    """What a reader must know before trusting the effect at `week`."""
    at = table[table["week"] == week]
    pilot, control = side(at, True), side(at, False)
    out = []
    for is_pilot, rows in ((True, pilot), (False, control)):
        if len(rows) < MIN_SITES_PER_SIDE:
            out.append(_few(is_pilot, week, len(rows)))
    out += _missing(at, week, sites, metric)
    if len(pilot) and len(control):
        out += _imbalance(pilot, control)
    out += _dropouts(table)
    return out


def _missing(at: pd.DataFrame, week: int, sites: list[Site], metric: str) -> list[str]:
    out = []
    without = sorted(s.code for s in sites if s.go_live_on is None)
    if without:
        out.append(
            N_("Sites without go_live_on are left out: %(sites)s.", sites=", ".join(without))
        )
    present = set(at["code"])
    pending = sorted(s.code for s in sites if s.go_live_on and s.code not in present)
    if pending:
        out.append(
            N_(
                "Sites missing from week %(week)s (not complete yet): %(sites)s.",
                week=week,
                sites=", ".join(pending),
            )
        )
    empty = sorted(at.loc[at["value"].isna(), "code"])
    if empty:
        values = {"week": week, "sites": ", ".join(empty)}
        if metric.startswith("time_to"):
            out.append(
                N_(
                    "Sites without a value at week %(week)s (fewer than half of the population "
                    "got there by the week's end): %(sites)s.",
                    **values,
                )
            )
        else:
            out.append(
                N_(
                    "Sites without a value at week %(week)s (no population or no events in the "
                    "week): %(sites)s.",
                    **values,
                )
            )
    return out


def _imbalance(pilot: pd.DataFrame, control: pd.DataFrame) -> list[str]:
    out = []
    size_p, size_c = pilot["population"].mean(), control["population"].mean()
    if min(size_p, size_c) > 0 and max(size_p, size_c) / min(size_p, size_c) > SIZE_RATIO:
        out.append(
            N_(
                "Size imbalance: mean rostered population per site %(pilot)s (pilot) vs "
                "%(control)s (non-pilot).",
                pilot=format(size_p, ".1f"),
                control=format(size_c, ".1f"),
            )
        )
    share_p = pilot["region"].fillna("(none)").value_counts(normalize=True)
    share_c = control["region"].fillna("(none)").value_counts(normalize=True)
    distance = 0.5 * share_p.sub(share_c, fill_value=0).abs().sum()
    if distance > REGION_DISTANCE:
        counts = [
            ", ".join(f"{r} {n}" for r, n in rows["region"].fillna("(none)")
                      .value_counts().sort_index().items())
            for rows in (pilot, control)
        ]  # fmt: skip
        out.append(
            N_(
                "Region imbalance (total variation distance %(distance)s): sites per region, "
                "pilot: %(pilot)s; non-pilot: %(control)s.",
                distance=format(distance, ".2f"),
                pilot=counts[0],
                control=counts[1],
            )
        )
    return out


def _dropouts(table: pd.DataFrame) -> list[str]:
    """Curve weeks ≥ 0 where fewer sites contribute than at the side's busiest week."""
    out = []
    later = table[table["week"] >= 0]
    if later.empty:
        return out
    for pilot in (True, False):
        counts = side(later, pilot).groupby("week").size()
        counts = counts.reindex(range(0, int(later["week"].max()) + 1), fill_value=0)
        if len(counts) and counts.max() > 0:
            short = [int(k) for k, n in counts.items() if n < counts.max()]
            if short:
                out.append(_dropout(pilot, short))
    return out


def _few(pilot: bool, week: int, n: int) -> Text:
    values = {"min": MIN_SITES_PER_SIDE, "week": week, "n": n}
    if pilot:
        return N_(
            "Fewer than %(min)s sites on the pilot side at week %(week)s (%(n)s): the interval "
            "and p-value rest on very few sites.",
            **values,
        )
    return N_(
        "Fewer than %(min)s sites on the non-pilot side at week %(week)s (%(n)s): the interval "
        "and p-value rest on very few sites.",
        **values,
    )


def _dropout(pilot: bool, short: list[int]) -> Text:
    """ "Sites drop out of the pilot curve in weeks 3–5 (…)", one sentence per side."""
    if len(short) == 1:
        weeks = N_("week %(weeks)s", weeks=_ranges(short))
    else:
        weeks = N_("weeks %(weeks)s", weeks=_ranges(short))
    if pilot:
        return N_(
            "Sites drop out of the pilot curve in %(weeks)s (later go-lives or weeks without a "
            "value): compare those weeks with care.",
            weeks=weeks,
        )
    return N_(
        "Sites drop out of the non-pilot curve in %(weeks)s (later go-lives or weeks without a "
        "value): compare those weeks with care.",
        weeks=weeks,
    )


def _ranges(weeks: list[int]) -> str:
    parts, start = [], weeks[0]
    for prev, cur in itertools.pairwise([*weeks, None]):
        if cur != prev + 1:
            parts.append(str(start) if start == prev else f"{start}–{prev}")
            start = cur
    return ", ".join(parts)
