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
from flask_babel import gettext as _

from adoption import limits
from adoption.errors import Invalid, NotFound, Unreadable
from api import database
from api.auth import viewer
from api.i18n import N_, current_locale
from api.web import bp
from api.web.render import now, page, render_page
from api.web.svg import inline_svg
from pilots import report, targets
from pilots.charts import METRIC_LABELS, metric_label
from pilots.curves import METRICS, unit_of
from pilots.did.panel import METRICS as DID_METRICS
from pilots.verdict import verdict_sentences

WEIGHTING_LABELS = {"sites": N_("Sites equal"), "rostered": N_("By staff size")}
WAVE_STATUS_LABELS = {
    "planned": N_("Planned"),
    "canary_live": N_("Canary live"),
    "partly_live": N_("Partly live"),
    "live": N_("Live"),
}
COMPARISON_LABELS = {">=": N_("at least"), "<=": N_("at most")}
SCOPE_LABELS = {
    "pilots": N_("Every pilot site"),
    "previous_wave": N_("Every site of the previous wave"),
}
SEED = 0  # the API's default, so the page and the API give the same intervals
REPORT_FORMATS = {"html": N_("Web page (HTML)"), "pdf": N_("PDF"), "xlsx": N_("Excel (XLSX)")}
TARGET_STATUS_LABELS = {
    "on_track": N_("On track"),
    "at_risk": N_("At risk"),
    "met": N_("Met"),
    "missed": N_("Missed"),
    "no_data": N_("No data yet"),
}
POPULATION_LABELS = {
    "all": N_("Every site"),
    "pilots": N_("Pilot sites"),
    "wave": N_("Wave"),
    "region": N_("Region"),
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
            locale=current_locale(),
            gettext=_,
        )
    except Invalid as exc:
        raise Unreadable(_choices(exc)) from exc  # a choice the page does not offer: 400
    return _render(data)


def _render(data: report.PilotsPage):
    unit = data.comparison["unit"]
    label = _(metric_label(data.metric))
    return render_page(
        "pilots.html",
        title=_("Pilots"),
        metric=data.metric,
        metrics={m: _(metric_label(m)) for m in METRICS},
        weighting=data.weighting,
        weightings=_translated(WEIGHTING_LABELS),
        week=data.week,
        weeks=data.weeks,
        result=data.comparison,
        effects=data.effects,
        unit=unit,
        **_charts(data, label),
        gates=data.gates,
        ttp=data.time_to_proficiency,
        hotspots=data.hotspots,
        hotspot_min=data.hotspots.min_attempts,
        verdict=verdict_sentences(
            data.effects,
            metric=data.metric,
            unit=unit,
            control_sites=data.control_sites,
            gettext=_,
        ),
        waves=data.waves,
        targets=[_labelled({**t, "progress": _visible(t["progress"])}) for t in data.targets],
        report_formats=_translated(REPORT_FORMATS),
        **_programme(data, label),
        **rule_labels(),
    )


def _programme(data: report.PilotsPage, label: str) -> dict:
    """The DiD section's context: the answer, its chart, the metrics it takes, and the link to
    GET /api/v1/pilots/did with the page's metric and panel start (the same answer as JSON)."""
    context = {
        "programme": data.programme,
        "did": data.did,
        "did_metrics": {m: _(metric_label(m)) for m in METRICS if m in DID_METRICS},
    }
    if data.did is None:
        return context
    start = data.did["start"]
    query = {"metric": data.metric} | ({"from": start.isoformat()} if start else {})
    chart = _(
        "Programme effect on %(metric)s by week since it started, with 95%% intervals", metric=label
    )
    return context | {
        "did_svg": inline_svg(data.did_svg, label=chart),
        "did_svg_narrow": inline_svg(data.did_svg_narrow, label=chart),
        "did_json": url_for("pilots.get_did", **query),
    }


@bp.get("/pilots/targets/<int:target_id>")
@page("rollout_lead")
def target_page(target_id):
    """One target's progress, site by site (`pilots.targets.target_progress`); a site's values
    are withheld below the minimum group, as `GET /api/v1/targets/{id}` withholds them."""
    if not limits.ROW_ID.low <= target_id <= limits.ROW_ID.high:
        raise NotFound(_("No target %(id)s.", id=target_id), {"target_id": target_id})
    target = report.target_detail(database.session(), target_id, now=now())
    target["progress"] = _visible(target["progress"])
    return render_page(
        "pilots_target.html", title=target["name"], target=_labelled(target), **rule_labels()
    )


def rule_labels() -> dict:
    """What the codes of rules, waves and targets read as on the pages (`pilots_macros.html`)."""
    return {
        "metric_labels": _translated(METRIC_LABELS),
        "comparisons": _translated(COMPARISON_LABELS),
        "scopes": _translated(SCOPE_LABELS),
        "units": {m: unit_of(m) for m in METRIC_LABELS},
        "wave_status": _translated(WAVE_STATUS_LABELS),
        "target_status": _translated(TARGET_STATUS_LABELS),
        "populations": _translated(POPULATION_LABELS),
    }


def _translated(labels: dict) -> dict:
    """The labels of a table of `N_` constants in the reader's language."""
    return {key: _(label) for key, label in labels.items()}


def _labelled(target: dict) -> dict:
    """A target with its metric's label in the reader's language."""
    return {**target, "label": _(metric_label(target["metric"]))}


def _charts(data: report.PilotsPage, label: str) -> dict:
    """The page's two inline charts, each with its accessible name in the reader's language,
    in the wide layout and the phone's (`*_narrow`; the page shows one of them)."""
    curve = _("%(metric)s by week since go-live, pilot and non-pilot sites", metric=label)
    effect = _(
        "Pilot effect on %(metric)s by week since go-live, with 95%% intervals", metric=label
    )
    return {
        "curve_svg": inline_svg(data.curve_svg, label=curve),
        "effect_svg": inline_svg(data.effect_svg, label=effect),
        "curve_svg_narrow": inline_svg(data.curve_svg_narrow, label=curve),
        "effect_svg_narrow": inline_svg(data.effect_svg_narrow, label=effect),
    }


def _visible(progress: dict) -> dict:
    """A target's progress as the viewer may see it (`pilots.targets.visible_progress`)."""
    min_group = current_app.extensions["uptake"].settings.min_group
    return targets.visible_progress(progress, viewer(g.principal), min_group=min_group)


def _week(text: str) -> int | None:
    """The `?week=` text as a number (blank: the domain's default week)."""
    if text == "":
        return None
    if not (text.isascii() and text.isdigit()):  # "²" is a digit to Python, not a week
        raise Invalid({"week": [_("Choose a week since go-live: 0, 1, 2, …")]})
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
        number = f"{value * 100:{sign}.1f}"
        text = _("%(value)s pp", value=number) if difference else f"{number}%"
    elif unit == "days":
        text = _("%(value)s days", value=f"{value:{sign}.1f}")
    else:
        number = f"{value:{sign}.1f}"
        text = _("%(value)s points", value=number) if difference else number
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
