"""The pilot comparison as the API and charts serve it: curves, the effect at week k, caveats."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption.errors import Invalid, NotFound
from adoption.models import Site
from adoption.scoring.rules import ScoringRules
from pilots import charts, survival
from pilots.comparison import WEIGHTINGS, effect
from pilots.curves import (
    MAX_WEEK,
    METRICS,
    caveats,
    curve_rows,
    group_mean,
    side,
    site_weeks,
    unit_of,
)


def check_args(metric: str, week: int | None = None, weighting: str = "sites") -> None:
    errors = {}
    if metric not in METRICS:
        errors["metric"] = [f"Must be one of: {', '.join(METRICS)}."]
    if week is not None and not 0 <= week <= MAX_WEEK:
        errors["week"] = [
            f"Must be between 0 and {MAX_WEEK}; negative weeks are shown on curves only."
        ]
    if weighting not in WEIGHTINGS:
        errors["weighting"] = [f"Must be one of: {', '.join(WEIGHTINGS)}."]
    if errors:
        raise Invalid(errors)


def week_effect(table: pd.DataFrame, week: int, weighting: str, seed: int):
    """(pilot rows, control rows, Effect) at `week`: sites with a value there."""
    at = table[table["week"] == week]
    if weighting == "rostered":  # a site without population weighs nothing
        at = at[at["population"] > 0]
    pilot, control = side(at, True), side(at, False)
    weights = None
    if weighting == "rostered":
        weights = (pilot["population"].to_numpy(float), control["population"].to_numpy(float))
    values = (pilot["value"].to_numpy(float), control["value"].to_numpy(float))
    return pilot, control, effect(*values, weights, seed=seed)


def comparison(
    session: Session,
    *,
    metric: str,
    week: int,
    weighting: str = "sites",
    seed: int = 0,
    now: datetime,
    rules: ScoringRules,
) -> dict:
    """The contract's comparison object: both groups at `week`, the effect, curve, caveats."""
    check_args(metric, week, weighting)
    table = site_weeks(session, metric=metric, now=now, rules=rules)
    return comparison_of(session, table, metric=metric, week=week, weighting=weighting, seed=seed)


def comparison_of(
    session: Session, table: pd.DataFrame, *, metric: str, week: int, weighting: str, seed: int
) -> dict:
    """`comparison` on site weeks already read (`site_weeks`), so a page that also shows
    `effects_of` the same table reads them once."""
    pilot, control, result = week_effect(table, week, weighting, seed)
    sites = list(session.scalars(select(Site).order_by(Site.code_key)))
    return {
        "metric": metric,
        "unit": unit_of(metric),
        "week": week,
        "weighting": weighting,
        "seed": seed,
        "pilot": {"n_sites": len(pilot), "mean": group_mean(pilot, weighting)},
        "control": {"n_sites": len(control), "mean": group_mean(control, weighting)},
        "effect": result.as_dict(),
        "sites": [
            {
                "site_id": r.code,
                "is_pilot": bool(r.is_pilot),
                "value": float(r.value),
                "population": int(r.population),
            }
            for r in [*pilot.itertuples(index=False), *control.itertuples(index=False)]
        ],
        "curve": curve_rows(table, weighting),
        "caveats": caveats(table, week, sites, metric),
    }


def effect_series(
    session: Session,
    *,
    metric: str,
    weighting: str = "sites",
    seed: int = 0,
    now: datetime,
    rules: ScoringRules,
) -> list[dict]:
    """The effect with its CI for every week ≥ 0 with at least one site on each side."""
    check_args(metric, None, weighting)
    return effects_of(site_weeks(session, metric=metric, now=now, rules=rules), weighting, seed)


def effects_of(table: pd.DataFrame, weighting: str = "sites", seed: int = 0) -> list[dict]:
    """`effect_series` on site weeks already read (`site_weeks`)."""
    out = []
    for week in sorted(k for k in table["week"].unique() if k >= 0):
        pilot, control, result = week_effect(table, int(week), weighting, seed)
        if len(pilot) and len(control):
            out.append(
                {"week": int(week), "n_pilot": len(pilot), "n_control": len(control)}
                | result.as_dict()
            )
    return out


def curve(
    session: Session, *, metric: str, weighting: str = "sites", now: datetime, rules: ScoringRules
) -> list[dict]:
    check_args(metric, None, weighting)
    return curve_rows(site_weeks(session, metric=metric, now=now, rules=rules), weighting)


CHARTS = ("curve", "effect", "time-to-proficiency")


def render_chart(
    session: Session,
    *,
    chart: str,
    fmt: str,
    metric: str = "adoption_rate",
    weighting: str = "sites",
    seed: int = 0,
    now: datetime,
    rules: ScoringRules,
) -> tuple[bytes, str]:
    """(bytes, file name) of one chart as SVG or PNG."""
    if chart not in CHARTS or fmt not in charts.FORMATS:
        raise NotFound(
            f"No chart {chart}.{fmt}.",
            {"chart": list(CHARTS), "format": list(charts.FORMATS)},
        )
    if chart == "time-to-proficiency":
        result = survival.time_to_proficiency(session, now=now, rules=rules)
        return charts.km_chart(result, fmt), f"pilots-time-to-proficiency.{fmt}"
    unit = unit_of(metric)
    if chart == "curve":
        rows = curve(session, metric=metric, weighting=weighting, now=now, rules=rules)
        body = charts.curve_chart(rows, metric=metric, unit=unit, fmt=fmt)
    else:
        rows = effect_series(
            session, metric=metric, weighting=weighting, seed=seed, now=now, rules=rules
        )
        body = charts.effect_chart(rows, metric=metric, unit=unit, fmt=fmt)
    return body, f"pilots-{chart}-{metric}-{weighting}.{fmt}"
