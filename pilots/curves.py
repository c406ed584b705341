"""Each site's metrics by week since its go-live, and the pilot vs non-pilot curves over them.

Week k of a site = local days [go_live_on + 7k, go_live_on + 7k + 6]; a site counts for week k
only once that week is complete there; sites without go_live_on are left out (DESIGN.md "Pilot
comparison"). Every (site, week) window goes to one `site_metrics` call.
"""

from __future__ import annotations

import itertools
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption.calendar import last_complete_week, week_window
from adoption.models import Employee, Site
from adoption.scoring.components import score_frame
from adoption.scoring.proficiency import first_active_days, proficient_since_map
from adoption.scoring.rules import ScoringRules
from adoption.usage.by_site import EARLIEST_WEEK
from adoption.usage.metrics import Window, population, site_metrics
from pilots.comparison import weighted_mean
from pilots.survival import km_median, spell

RATE_METRICS = ("adoption_rate", "proficient_share", "error_rate", "mean_breadth")
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
    the site, its group, the week's window, rostered population and the metric's value."""
    sites = [s for s in session.scalars(select(Site).order_by(Site.code_key)) if s.go_live_on]
    keys, windows = [], []
    for site in sites:
        last = min(last_complete_week(site.go_live_on, site.timezone, now), MAX_WEEK)
        for k in range(EARLIEST_WEEK, last + 1):
            keys.append((site, k))
            windows.append(Window(site.id, *week_window(site.go_live_on, k)))
    if not windows:
        return pd.DataFrame(columns=COLUMNS)
    metrics = site_metrics(session, windows, rules)
    if metric in RATE_METRICS:
        values = [m[metric] for m in metrics]
    else:
        people = _people(session, {s.id for s in sites})
        if metric == "mean_proficiency":
            values = _mean_proficiency(session, people, windows, rules)
        else:
            values = _median_days(session, people, windows, sites, metric, rules)
    rows = [
        (s.id, s.code, s.is_pilot, s.region, k, w.first, w.last, m["population"], v)
        for (s, k), w, m, v in zip(keys, windows, metrics, values, strict=True)
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def _people(session: Session, site_ids: set[int]) -> pd.DataFrame:
    return pd.DataFrame(
        session.execute(
            select(Employee.id, Employee.site_id, Employee.hired_on, Employee.left_on).where(
                Employee.site_id.in_(site_ids), Employee.rostered.is_(True)
            )
        ).all(),
        columns=["id", "site_id", "hired_on", "left_on"],
    )


def _mean_proficiency(session, people, windows, rules) -> list[float | None]:
    """Mean proficiency score of the week's population on the week's last day."""
    ends = sorted({w.last for w in windows})
    frame = score_frame(session, [int(i) for i in people["id"]], ends[0], ends[-1], rules)
    frame = frame[frame["day"].isin(ends)]
    score = dict(
        zip(zip(frame["employee_id"], frame["day"], strict=True), frame["score"], strict=True)
    )
    out = []
    for w in windows:
        members = population(people, w)["id"]
        scores = [score[(int(e), w.last)] for e in members]
        out.append(float(np.mean(scores)) if scores else None)
    return out


def _median_days(session, people, windows, sites, metric, rules) -> list[float | None]:
    """Kaplan–Meier median days to first use / to proficiency of the week's population, as
    known at the week's end (censored there); None while it is not reached."""
    ids = [int(i) for i in people["id"]]
    if metric == "time_to_first_use":
        reached = first_active_days(session, ids)
    else:
        reached = proficient_since_map(session, ids, max(w.last for w in windows), rules)
    go_live = {s.id: s.go_live_on for s in sites}
    out = []
    for w in windows:
        spells = []
        for p in population(people, w).itertuples(index=False):
            hired = None if pd.isna(p.hired_on) else p.hired_on
            start = go_live[w.site_id] if hired is None else max(go_live[w.site_id], hired)
            left = None if pd.isna(p.left_on) else p.left_on
            got = spell(start, reached.get(int(p.id)), left, w.last)
            if got is not None:
                spells.append(got)
        out.append(km_median(*zip(*spells, strict=True)) if spells else None)
    return out


def side(table: pd.DataFrame, pilot: bool) -> pd.DataFrame:
    """The rows of one group that carry a value."""
    return table[(table["is_pilot"] == pilot) & table["value"].notna()]


def group_mean(rows: pd.DataFrame, weighting: str) -> float | None:
    weights = rows["population"].astype(float) if weighting == "rostered" else None
    return weighted_mean(rows["value"].astype(float), weights)


def curve_rows(table: pd.DataFrame, weighting: str = "sites") -> list[dict]:
    """Per week: each group's mean (weighted as the effect is), quartiles across sites
    (numpy linear interpolation, unweighted) and the number of sites with a value."""
    out = []
    for week in sorted(table["week"].unique()):
        at = table[table["week"] == week]
        row = {"week": int(week)}
        for name, pilot in (("pilot", True), ("control", False)):
            rows = side(at, pilot)
            values = rows["value"].astype(float).to_numpy()
            q1, q3 = np.percentile(values, [25, 75]) if len(values) else (None, None)
            row[f"{name}_mean"] = group_mean(rows, weighting)
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
    for name, rows in (("pilot", pilot), ("non-pilot", control)):
        if len(rows) < MIN_SITES_PER_SIDE:
            out.append(
                f"Fewer than {MIN_SITES_PER_SIDE} sites on the {name} side at week {week} "
                f"({len(rows)}): the interval and p-value rest on very few sites."
            )
    out += _missing(at, week, sites, metric)
    if len(pilot) and len(control):
        out += _imbalance(pilot, control)
    out += _dropouts(table)
    return out


def _missing(at: pd.DataFrame, week: int, sites: list[Site], metric: str) -> list[str]:
    out = []
    without = sorted(s.code for s in sites if s.go_live_on is None)
    if without:
        out.append(f"Sites without go_live_on are left out: {', '.join(without)}.")
    present = set(at["code"])
    pending = sorted(s.code for s in sites if s.go_live_on and s.code not in present)
    if pending:
        out.append(f"Sites missing from week {week} (not complete yet): {', '.join(pending)}.")
    empty = sorted(at.loc[at["value"].isna(), "code"])
    if empty:
        why = (
            "fewer than half of the population got there by the week's end"
            if metric.startswith("time_to")
            else "no population or no events in the week"
        )
        out.append(f"Sites without a value at week {week} ({why}): {', '.join(empty)}.")
    return out


def _imbalance(pilot: pd.DataFrame, control: pd.DataFrame) -> list[str]:
    out = []
    size_p, size_c = pilot["population"].mean(), control["population"].mean()
    if min(size_p, size_c) > 0 and max(size_p, size_c) / min(size_p, size_c) > SIZE_RATIO:
        out.append(
            f"Size imbalance: mean rostered population per site {size_p:.1f} (pilot) vs "
            f"{size_c:.1f} (non-pilot)."
        )
    share_p = pilot["region"].fillna("(none)").value_counts(normalize=True)
    share_c = control["region"].fillna("(none)").value_counts(normalize=True)
    distance = 0.5 * share_p.sub(share_c, fill_value=0).abs().sum()
    if distance > REGION_DISTANCE:
        describe = "; ".join(
            f"{name}: " + ", ".join(f"{r} {n}" for r, n in rows["region"].fillna("(none)")
                                    .value_counts().sort_index().items())
            for name, rows in (("pilot", pilot), ("non-pilot", control))
        )  # fmt: skip
        out.append(
            f"Region imbalance (total variation distance {distance:.2f}): sites per region, "
            f"{describe}."
        )
    return out


def _dropouts(table: pd.DataFrame) -> list[str]:
    """Curve weeks ≥ 0 where fewer sites contribute than at the side's busiest week."""
    out = []
    later = table[table["week"] >= 0]
    if later.empty:
        return out
    for name, pilot in (("pilot", True), ("non-pilot", False)):
        counts = side(later, pilot).groupby("week").size()
        counts = counts.reindex(range(0, int(later["week"].max()) + 1), fill_value=0)
        if len(counts) and counts.max() > 0:
            short = [int(k) for k, n in counts.items() if n < counts.max()]
            if short:
                weeks = "week" if len(short) == 1 else "weeks"
                out.append(
                    f"Sites drop out of the {name} curve in {weeks} {_ranges(short)} (later "
                    "go-lives or weeks without a value): compare those weeks with care."
                )
    return out


def _ranges(weeks: list[int]) -> str:
    parts, start = [], weeks[0]
    for prev, cur in itertools.pairwise([*weeks, None]):
        if cur != prev + 1:
            parts.append(str(start) if start == prev else f"{start}–{prev}")
            start = cur
    return ", ".join(parts)
