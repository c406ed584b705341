"""The rollout lead's /pilots page: pilot vs non-pilot curves by week since go-live (inline SVG),
the effect by week with its CI, the waves with their status and go-live dates, the readiness
gate of each wave, the staggered DiD of a change programme, time to proficiency, the chain's
error hot spots and the optimisation report's download form. Rules and waves are edited on
their own pages (`rollout_rules`, `rollout_waves`).

Every figure comes from one domain call, `pilots.report.pilots_page`, charts included: it reads
the site weeks of the chosen metric once and each worker caches its parts until the data they
rest on changes (`pilots.cache`).
"""

from __future__ import annotations

from flask import current_app, g, request, url_for

from adoption.errors import Invalid, Unreadable
from adoption.privacy import group_row
from api import database
from api.auth import viewer
from api.web import bp
from api.web.render import now, page, render_page
from api.web.svg import inline_svg
from pilots import report
from pilots.charts import METRIC_LABELS, metric_label
from pilots.curves import METRICS, unit_of
from pilots.did.panel import METRICS as DID_METRICS
from pilots.verdict import verdict_sentences

WEIGHTING_LABELS = {"sites": "Sites equal", "rostered": "By staff size"}
WAVE_STATUS_LABELS = {
    "planned": "Planned",
    "canary_live": "Canary live",
    "partly_live": "Partly live",
    "live": "Live",
}
COMPARISON_LABELS = {">=": "at least", "<=": "at most"}
SCOPE_LABELS = {"pilots": "Every pilot site", "previous_wave": "Every site of the previous wave"}
FIGURES = ("value", "projected_value")  # a target's figures of one site, withheld below min_group
SEED = 0  # the API's default, so the page and the API give the same intervals
REPORT_FORMATS = {"html": "Web page (HTML)", "pdf": "PDF", "xlsx": "Excel (XLSX)"}
TARGET_STATUS_LABELS = {
    "on_track": "On track",
    "at_risk": "At risk",
    "met": "Met",
    "missed": "Missed",
    "no_data": "No data yet",
}
POPULATION_LABELS = {
    "all": "Every site",
    "pilots": "Pilot sites",
    "wave": "Wave",
    "region": "Region",
}


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
    label = metric_label(data.metric)
    return render_page(
        "pilots.html",
        title="Pilots",
        metric=data.metric,
        metrics={m: metric_label(m) for m in METRICS},
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
        waves=data.waves,
        targets=data.targets,
        report_formats=REPORT_FORMATS,
        **_programme(data, label),
        **rule_labels(),
    )


def _programme(data: report.PilotsPage, label: str) -> dict:
    """The DiD section's context: the answer, its chart, the metrics it takes, and the link to
    GET /api/v1/pilots/did with the page's metric and panel start (the same answer as JSON)."""
    context = {
        "programme": data.programme,
        "did": data.did,
        "did_metrics": {m: metric_label(m) for m in METRICS if m in DID_METRICS},
    }
    if data.did is None:
        return context
    start = data.did["start"]
    query = {"metric": data.metric} | ({"from": start.isoformat()} if start else {})
    chart = f"Programme effect on {label} by week since it started, with 95% intervals"
    return context | {
        "did_svg": inline_svg(data.did_svg, label=chart),
        "did_json": url_for("pilots.get_did", **query),
    }


@bp.get("/pilots/targets/<int:target_id>")
@page("rollout_lead")
def target_page(target_id):
    """One target's progress, site by site (`pilots.targets.target_progress`); a site's values
    are withheld below the minimum group, as `GET /api/v1/targets/{id}` withholds them."""
    target = report.target_detail(database.session(), target_id, now=now())
    min_group = current_app.extensions["uptake"].settings.min_group
    who = viewer(g.principal)
    sites = [
        group_row(who, row, size=row["population"], figures=FIGURES, min_group=min_group)
        for row in target["progress"]["sites"]
    ]
    target["progress"]["sites"] = sites
    return render_page("pilots_target.html", title=target["name"], target=target, **rule_labels())


def rule_labels() -> dict:
    """What the codes of rules, waves and targets read as on the pages (`pilots_macros.html`)."""
    return {
        "metric_labels": METRIC_LABELS,
        "comparisons": COMPARISON_LABELS,
        "scopes": SCOPE_LABELS,
        "units": {m: unit_of(m) for m in METRIC_LABELS},
        "wave_status": WAVE_STATUS_LABELS,
        "target_status": TARGET_STATUS_LABELS,
        "populations": POPULATION_LABELS,
    }


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
    """A metric in its unit: fractions as % (differences in percentage points), days, scores
    (a difference of scores in points)."""
    if value is None or value != value:  # None or NaN
        return "—"
    sign = "+" if difference else ""
    if unit == "fraction":
        text = f"{value * 100:{sign}.1f}" + (" pp" if difference else "%")
    elif unit == "days":
        text = f"{value:{sign}.1f} days"
    else:
        text = f"{value:{sign}.1f}" + (" points" if difference else "")
    return text.replace("-", "−")


@bp.app_template_filter("metric_gap")
def metric_gap(value: float, unit: str) -> str:
    """The size of a difference, without its sign: 0.06 → "6.0 pp", 2.5 days → "2.5 days"."""
    return metric_value(abs(value), unit, difference=True).lstrip("+")


@bp.app_template_filter("p_value")
def p_value(value: float | None) -> str:
    if value is None:
        return "—"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"
