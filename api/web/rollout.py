"""The rollout lead's /pilots page: pilot vs non-pilot curves by week since go-live (inline SVG),
the effect by week with its CI, the readiness gate of each wave, time to proficiency and the
chain's error hot spots.

Every figure comes from `pilots` and `adoption.usage.insights`. The site weeks of the chosen metric
are
read once (`pilots.curves.site_weeks`, the slow part: ~1.3 s on the 40-site demo) and both the
comparison at the chosen week and the effect at every week are computed from that one read.
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, request
from sqlalchemy import select

from adoption.calendar import yesterday
from adoption.models import Site
from adoption.scoring.rules import load_rules
from adoption.usage.insights import HOTSPOT_MIN_ATTEMPTS, error_hotspots
from api import database
from api.web import bp
from api.web.render import now, page, render_page
from api.web.svg import inline_svg
from pilots import charts, readiness, report, survival, waves
from pilots.comparison import WEIGHTINGS
from pilots.curves import MAX_WEEK, METRICS, site_weeks

METRIC_LABELS = {
    "adoption_rate": "Adoption rate",
    "proficient_share": "Proficient share",
    "mean_proficiency": "Mean proficiency score",
    "error_rate": "Error rate",
    "mean_breadth": "Mean breadth",
    "time_to_first_use": "Median days to first use",
    "time_to_proficiency": "Median days to proficiency",
}
WEIGHTING_LABELS = {"sites": "Sites equal", "rostered": "By staff size"}
SEED = 0  # the API's default, so the page and the API give the same intervals
HOTSPOT_DAYS = 28
MAX_WAVES = 1000


@bp.get("/pilots")
@page("rollout_lead")
def pilots_page():
    """`?metric=`, `?week=` (since go-live; default: the latest with both groups), `?weighting=`."""
    metric = request.args.get("metric", "adoption_rate")
    weighting = request.args.get("weighting", "sites")
    if metric not in METRICS:
        abort(400, f"Unknown metric; choose one of {', '.join(METRICS)}.")
    if weighting not in WEIGHTINGS:
        abort(400, "Unknown weighting; choose sites or rostered.")
    session = database.session()
    clock = now()
    rules = load_rules(session)
    table = site_weeks(session, metric=metric, now=clock, rules=rules)
    effects = report.effects_of(table, weighting, SEED)
    week = _week(effects)
    result = report.comparison_of(
        session, table, metric=metric, week=week, weighting=weighting, seed=SEED
    )
    unit = result["unit"]
    label = METRIC_LABELS.get(metric, metric)
    weeks = sorted({int(k) for k in table["week"] if k >= 0} | {week})
    return render_page(
        "pilots.html",
        title="Pilots",
        metric=metric,
        metrics={m: METRIC_LABELS.get(m, m) for m in METRICS},
        weighting=weighting,
        weightings=WEIGHTING_LABELS,
        week=week,
        weeks=weeks,
        result=result,
        effects=effects,
        unit=unit,
        curve_svg=inline_svg(
            charts.curve_chart(result["curve"], metric=metric, unit=unit, fmt="svg"),
            label=f"{label} by week since go-live, pilot and non-pilot sites",
        ),
        effect_svg=inline_svg(
            charts.effect_chart(effects, metric=metric, unit=unit, fmt="svg"),
            label=f"Pilot effect on {label} by week since go-live, with 95% intervals",
        ),
        gates=_gates(session, clock, rules),
        ttp=survival.time_to_proficiency(session, now=clock, rules=rules),
        hotspots=_hotspots(session, clock),
        hotspot_min=HOTSPOT_MIN_ATTEMPTS,
    )


def _week(effects: list[dict]) -> int:
    """The asked-for week, else the latest week with sites on both sides (0 without any)."""
    text = request.args.get("week", "")
    if text == "":
        return effects[-1]["week"] if effects else 0
    if not text.isdigit() or int(text) > MAX_WEEK:
        abort(400, f"Choose a week from 0 to {MAX_WEEK} since go-live.")
    return int(text)


def _gates(session, clock, rules) -> list[dict]:
    """The readiness decision of every wave after the pilots (wave 0 has no gate)."""
    numbers = [w["wave"] for w in waves.list_waves(session, limit=MAX_WAVES) if w["wave"] >= 1]
    out = []
    for number in numbers:
        gate = readiness.readiness(session, number, now=clock, rules=rules)
        for rule in gate["rules"]:
            rule["failing_sites"] = sorted(
                {e["site_id"] for e in rule["evidence"] if not e["passed"] and e["site_id"]}
            )
        out.append(gate)
    return out


def _hotspots(session, clock) -> dict:
    """The chain's error hot spots over the last 28 days that have ended at every site."""
    zones = session.scalars(select(Site.timezone).distinct()).all() or ["UTC"]
    last = min(yesterday(tz, clock) for tz in zones)
    first = last - timedelta(days=HOTSPOT_DAYS - 1)
    site_ids = set(session.scalars(select(Site.id)))
    items = error_hotspots(session, site_ids, first, last) if site_ids else []
    return {"first": first, "last": last, "items": items}


@bp.app_template_filter("metric_value")
def metric_value(value: float | None, unit: str, difference: bool = False) -> str:
    """A metric in its unit: fractions as % (differences in percentage points), scores, days."""
    if value is None or value != value:  # None or NaN
        return "—"
    sign = "+" if difference else ""
    if unit == "fraction":
        text = f"{value * 100:{sign}.1f}" + (" pp" if difference else "%")
    elif unit == "days":
        text = f"{value:{sign}.1f} days"
    else:
        text = f"{value:{sign}.1f}"
    return text.replace("-", "−")


@bp.app_template_filter("p_value")
def p_value(value: float | None) -> str:
    if value is None:
        return "—"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"
