"""Charts for slide decks, rendered as SVG or PNG bytes with matplotlib.

Figures are built with the object API (`Figure` + the Agg canvas), never pyplot, so no global
figure registry, backend switch or rcParams change outlives a call.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

FORMATS = {"svg": "image/svg+xml", "png": "image/png"}
COLOURS = {"pilot": "#d95f02", "control": "#1b9e77"}
LABELS = {"pilot": "pilot sites", "control": "non-pilot sites"}
SIZE = (8.0, 4.5)  # inches: 16:9 for slides
DPI = 150


def _num(values) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


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
    for group in ("pilot", "control"):
        colour = COLOURS[group]
        mean = _num(row[f"{group}_mean"] for row in curve)
        q1 = _num(row[f"{group}_q1"] for row in curve)
        q3 = _num(row[f"{group}_q3"] for row in curve)
        top.plot(weeks, mean, marker="o", ms=3, color=colour, label=f"{LABELS[group]} (mean)")
        top.fill_between(weeks, q1, q3, color=colour, alpha=0.2, lw=0, label="quartiles")
        offset = -0.2 if group == "pilot" else 0.2
        counts = [row[f"n_{group}"] for row in curve]
        bottom.bar(weeks + offset, counts, width=0.4, color=colour, label=LABELS[group])
    if not curve:
        _empty(top)
    top.axvline(0, color="grey", lw=0.8, ls="--")
    top.set_title(f"{metric} by week since go-live")
    top.set_ylabel(unit)
    top.legend(fontsize=7, loc="best")
    bottom.set_ylabel("sites")
    bottom.set_xlabel("week since go-live")
    bottom.xaxis.set_major_locator(MaxNLocator(integer=True))
    return _render(fig, fmt)


def effect_chart(series: list[dict], *, metric: str, unit: str, fmt: str = "svg") -> bytes:
    """The effect (pilot − non-pilot) with its 95% permutation CI (the verdict's) at each week."""
    fig = Figure(figsize=SIZE)
    ax = fig.subplots()
    weeks = np.array([row["week"] for row in series], dtype=float)
    estimate = _num(row["estimate"] for row in series)
    low = _num(row["perm_ci_low"] for row in series)
    high = _num(row["perm_ci_high"] for row in series)
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
    ax.set_title(f"Pilot effect on {metric} (sites: pilot/non-pilot above each interval)")
    ax.set_xlabel("week since go-live")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(f"difference ({unit})")
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
        surv = np.array([1.0] + [r["survival"] for r in rows])
        low = np.array([1.0] + [r["ci_low"] for r in rows])
        high = np.array([1.0] + [r["ci_high"] for r in rows])
        median = result[group]["median_days"]
        label = f"{LABELS[group]} (n={result[group]['n']}, median "
        label += "not reached)" if median is None else f"{median:g} days)"
        ax.step(days, surv, where="post", color=colour, label=label)
        ax.fill_between(days, low, high, step="post", color=colour, alpha=0.15, lw=0)
        marks = [(r["day"], r["survival"]) for r in rows if r["censored"]]
        if marks:
            ax.plot(*zip(*marks, strict=True), "|", color=colour, ms=6)
    if drawn:
        ax.axhline(0.5, color="grey", lw=0.8, ls=":")
        ax.legend(fontsize=7, loc="best")
    else:
        _empty(ax)
    p = result.get("log_rank", {}).get("p_value")
    title = "Time to proficiency (Kaplan–Meier)"
    ax.set_title(title if p is None else f"{title}, log-rank p = {p:.3g}")
    ax.set_xlabel("days since go-live (or hire, if later)")
    ax.set_ylabel("share not yet proficient")
    ax.set_ylim(-0.02, 1.02)
    return _render(fig, fmt)
