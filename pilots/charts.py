"""Charts for slide decks, rendered as SVG or PNG bytes with matplotlib.

Figures are built with the object API (`Figure` + the Agg canvas), never pyplot, so no global
figure registry, backend switch or rcParams change outlives a call.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from pilots.measures import CATALOG
from pilots.verdict import N_

FORMATS = {"svg": "image/svg+xml", "png": "image/png"}
COLOURS = {"pilot": "#d95f02", "control": "#1b9e77"}
LABELS = {"pilot": N_("pilot sites"), "control": N_("non-pilot sites")}
# What charts, the /pilots pages and their tables call each metric: the catalog's labels
# (`pilots.measures`, shared with readiness rules and targets) and those of the metrics only
# curves and the DiD take.
METRIC_LABELS = {name: metric.label for name, metric in CATALOG.items()} | {
    "time_to_first_use": N_("Median days to first use"),
    "time_to_proficiency": N_("Median days to proficiency"),
    "population": N_("Population"),
    "active": N_("Active people"),
}
# A metric's unit (`pilots.curves.unit_of`) as axes write it: fractions are shown in %, and a
# difference of fractions in percentage points.
UNIT_LABELS = {"fraction": "%", "days": N_("days"), "score 0–100": N_("score points")}
DIFFERENCE_LABELS = {"fraction": N_("pp"), "days": N_("days"), "score 0–100": N_("score points")}
SIZE = (8.0, 4.5)  # inches: 16:9 for slides
DPI = 150


def metric_label(metric: str) -> str:
    """ "Adoption rate" for adoption_rate; an unknown metric keeps its code. The labels are
    msgids (`N_`): a page shows `gettext(metric_label(m))`."""
    return METRIC_LABELS.get(metric, metric)


def axis_label(
    metric: str,
    unit: str,
    *,
    difference: bool = False,
    gettext: Callable[[str], str] = lambda s: s,
) -> str:
    """ "Adoption rate (%)", or "Difference in adoption rate (pp)" for an effect, in the
    language of `gettext`."""
    _ = gettext
    label = _(metric_label(metric))
    if difference:
        unit_label = _(DIFFERENCE_LABELS.get(unit, unit))
        return _("Difference in %(metric)s (%(unit)s)") % {
            "metric": label[:1].lower() + label[1:],
            "unit": unit_label,
        }
    return _("%(metric)s (%(unit)s)") % {"metric": label, "unit": _(UNIT_LABELS.get(unit, unit))}


def scale_of(unit: str) -> float:
    """What a value is multiplied by to be drawn in its axis unit: 100 for a fraction (%)."""
    return 100.0 if unit == "fraction" else 1.0


def _num(values, scale: float = 1.0) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) * scale for v in values], dtype=float)


def _render(fig: Figure, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {sorted(FORMATS)}")
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    # No creation date or tool version in the file (slide decks need neither).
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    fig.savefig(buffer, format=fmt, dpi=DPI, metadata=metadata, bbox_inches="tight")
    return buffer.getvalue()


def _empty(ax, message: str = "No data yet") -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="grey")


def curve_chart(curve: list[dict], *, metric: str, unit: str, fmt: str = "svg") -> bytes:
    """Group means with quartile bands by week since go-live, and the sites per week below."""
    fig = Figure(figsize=SIZE)
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    weeks = np.array([row["week"] for row in curve], dtype=float)
    scale = scale_of(unit)
    for group in ("pilot", "control"):
        colour = COLOURS[group]
        mean = _num((row[f"{group}_mean"] for row in curve), scale)
        q1 = _num((row[f"{group}_q1"] for row in curve), scale)
        q3 = _num((row[f"{group}_q3"] for row in curve), scale)
        top.plot(weeks, mean, marker="o", ms=3, color=colour, label=f"{LABELS[group]} (mean)")
        top.fill_between(weeks, q1, q3, color=colour, alpha=0.2, lw=0, label="quartiles")
        offset = -0.2 if group == "pilot" else 0.2
        counts = [row[f"n_{group}"] for row in curve]
        bottom.bar(weeks + offset, counts, width=0.4, color=colour, label=LABELS[group])
    if not curve:
        _empty(top)
    top.axvline(0, color="grey", lw=0.8, ls="--")
    top.set_title(f"{metric_label(metric)} by week since go-live")
    top.set_ylabel(axis_label(metric, unit))
    top.legend(fontsize=7, loc="best")
    bottom.set_ylabel("Sites")
    bottom.set_xlabel("Week since go-live")
    bottom.xaxis.set_major_locator(MaxNLocator(integer=True))
    return _render(fig, fmt)


def effect_chart(series: list[dict], *, metric: str, unit: str, fmt: str = "svg") -> bytes:
    """The effect (pilot − non-pilot) with its 95% permutation CI (the verdict's) at each week."""
    fig = Figure(figsize=SIZE)
    ax = fig.subplots()
    weeks = np.array([row["week"] for row in series], dtype=float)
    scale = scale_of(unit)
    estimate = _num((row["estimate"] for row in series), scale)
    low = _num((row["perm_ci_low"] for row in series), scale)
    high = _num((row["perm_ci_high"] for row in series), scale)
    if series:
        ax.errorbar(
            weeks,
            estimate,
            yerr=[estimate - low, high - estimate],
            fmt="o",
            color=COLOURS["pilot"],
            ecolor="black",
            capsize=3,
            label="estimate with 95% CI",
        )
        for w, hi, row in zip(weeks, high, series, strict=True):
            ax.annotate(
                f"{row['n_pilot']}/{row['n_control']}",
                (w, hi),
                textcoords="offset points",
                xytext=(0, 4),
                ha="center",
                fontsize=6,
            )
        ax.legend(fontsize=7, loc="best")
    else:
        _empty(ax)
    ax.axhline(0, color="grey", lw=0.8)
    title = f"Pilot effect on {metric_label(metric)} (sites: pilot/non-pilot above each interval)"
    ax.set_title(title)
    ax.set_xlabel("Week since go-live")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(axis_label(metric, unit, difference=True) + ", pilot − non-pilot")
    return _render(fig, fmt)


def km_chart(result: dict, fmt: str = "svg") -> bytes:
    """Kaplan–Meier curves of the share not yet proficient, with 95% bands and censor marks."""
    fig = Figure(figsize=SIZE)
    ax = fig.subplots()
    drawn = False
    for group in ("pilot", "control"):
        rows = result[group]["curve"]
        if not rows:
            continue
        drawn = True
        colour = COLOURS[group]
        days = np.array([0.0] + [r["day"] for r in rows])
        surv = 100 * np.array([1.0] + [r["survival"] for r in rows])
        low = 100 * np.array([1.0] + [r["ci_low"] for r in rows])
        high = 100 * np.array([1.0] + [r["ci_high"] for r in rows])
        median = result[group]["median_days"]
        label = f"{LABELS[group]} (n={result[group]['n']}, median "
        label += "not reached)" if median is None else f"{median:g} days)"
        ax.step(days, surv, where="post", color=colour, label=label)
        ax.fill_between(days, low, high, step="post", color=colour, alpha=0.15, lw=0)
        marks = [(r["day"], 100 * r["survival"]) for r in rows if r["censored"]]
        if marks:
            ax.plot(*zip(*marks, strict=True), "|", color=colour, ms=6)
    if drawn:
        ax.axhline(50, color="grey", lw=0.8, ls=":")
        ax.legend(fontsize=7, loc="best")
    else:
        _empty(ax)
    p = result.get("log_rank", {}).get("p_value")
    title = "Time to proficiency (Kaplan–Meier)"
    ax.set_title(title if p is None else f"{title}, log-rank p = {p:.3g}")
    ax.set_xlabel("Days since go-live (or hire, if later)")
    ax.set_ylabel("Not yet proficient (%)")
    ax.set_ylim(-2, 102)
    return _render(fig, fmt)
