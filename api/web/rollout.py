"""The rollout lead's /pilots page: pilot vs non-pilot curves by week since go-live (inline SVG),
the effect by week with its CI, the readiness gate of each wave, time to proficiency and the
chain's error hot spots.

Every figure comes from one domain call, `pilots.report.pilots_page`, charts included: it reads
the site weeks of the chosen metric once and each worker caches its parts until the data they
rest on changes (`pilots.cache`).
"""

from __future__ import annotations

from flask import request

from adoption.errors import Invalid, Unreadable
from api import database
from api.web import bp
from api.web.render import now, page, render_page
from api.web.svg import inline_svg
from pilots import report
from pilots.curves import METRICS
from pilots.verdict import verdict_sentences

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


@bp.get("/pilots")
@page("rollout_lead")
def pilots_page():
    """`?metric=`, `?week=` (since go-live; default: the latest with both groups), `?weighting=`.

    A choice the domain refuses is a malformed request: the 400 page naming what is wrong."""
    try:
        data = report.pilots_page(
            database.session(),
            metric=request.args.get("metric", "adoption_rate"),
            week=_week(request.args.get("week", "")),
            weighting=request.args.get("weighting", "sites"),
            seed=SEED,
            now=now(),
        )
    except Invalid as exc:
        raise Unreadable(_choices(exc)) from exc  # a choice the page does not offer: 400
    return _render(data)


def _render(data: report.PilotsPage):
    unit = data.comparison["unit"]
    label = METRIC_LABELS.get(data.metric, data.metric)
    return render_page(
        "pilots.html",
        title="Pilots",
        metric=data.metric,
        metrics={m: METRIC_LABELS.get(m, m) for m in METRICS},
        weighting=data.weighting,
        weightings=WEIGHTING_LABELS,
        week=data.week,
        weeks=data.weeks,
        result=data.comparison,
        effects=data.effects,
        unit=unit,
        curve_svg=inline_svg(
            data.curve_svg, label=f"{label} by week since go-live, pilot and non-pilot sites"
        ),
        effect_svg=inline_svg(
            data.effect_svg,
            label=f"Pilot effect on {label} by week since go-live, with 95% intervals",
        ),
        gates=data.gates,
        ttp=data.time_to_proficiency,
        hotspots=data.hotspots,
        hotspot_min=data.hotspots.min_attempts,
        verdict=verdict_sentences(
            data.effects, metric=data.metric, unit=unit, control_sites=data.control_sites
        ),
    )


def _week(text: str) -> int | None:
    """The `?week=` text as a number (blank: the domain's default week)."""
    if text == "":
        return None
    if not text.isdigit():
        raise Invalid({"week": ["Choose a week since go-live: 0, 1, 2, …"]})
    return int(text)


def _choices(exc: Invalid) -> str:
    return " ".join(f"{field}: {' '.join(map(str, msgs))}" for field, msgs in exc.details.items())


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
