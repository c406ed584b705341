"""The /pilots page's charts as small hand-written SVG: the curves by week since go-live, the
effect by week with its 95% interval and the programme's effect by week since it started (the
staggered DiD's event study).

They draw what `pilots.charts` draws for slide decks (same rows, colours and labels) in a few
milliseconds instead of matplotlib's few hundred, as plain shapes and text sized by a viewBox
(the page scales them with CSS). Nothing but drawing goes in: no script, style sheet or link.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from xml.sax.saxutils import escape

from pilots.charts import COLOURS, LABELS, axis_label, metric_label, scale_of

WIDTH, HEIGHT = 800, 450
LEFT, RIGHT = 64, 16
MAX_WEEK_LABELS = 26  # more weeks than this: every other (or every n-th) week is labelled
BEFORE = "#757575"  # event times before the programme started
Gettext = Callable[[str], str]


def _english(message: str) -> str:
    return message


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round values spanning [low, high] (1, 2 or 5 times a power of ten apart)."""
    if high <= low:
        low, high = low - 0.5, high + 0.5
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    count = math.ceil((high - first) / step - 1e-9) + 1
    return [round(first + i * step, 10) for i in range(count)]


class _Plot:
    """One panel: data coordinates mapped into a box of the SVG."""

    def __init__(self, weeks: list[float], values: list[float], top: float, bottom: float):
        self.x_lo, self.x_hi = (min(weeks) - 0.6, max(weeks) + 0.6) if weeks else (-1.0, 1.0)
        self.y_ticks = _ticks(min(values, default=0.0), max(values, default=1.0))
        self.top, self.bottom = top, bottom

    def x(self, week: float) -> float:
        return LEFT + (week - self.x_lo) / (self.x_hi - self.x_lo) * (WIDTH - LEFT - RIGHT)

    def y(self, value: float) -> float:
        lo, hi = self.y_ticks[0], self.y_ticks[-1]
        return self.bottom - (value - lo) / (hi - lo) * (self.bottom - self.top)

    def frame(self, label: str, weeks: list[int], week_labels: bool) -> list[str]:
        out = [_path(f"M{LEFT} {self.top}V{self.bottom}H{WIDTH - RIGHT}", "#444")]
        for value in self.y_ticks:
            y = self.y(value)
            out.append(_path(f"M{LEFT - 4} {y:.1f}H{LEFT}", "#444"))
            tick = f"{value:g}".replace("-", "−")
            out.append(_text(LEFT - 7, y + 4, tick, 'text-anchor="end"'))
        every = math.ceil(len(weeks) / MAX_WEEK_LABELS) if weeks else 1
        for week in weeks:
            out.append(_path(f"M{self.x(week):.1f} {self.bottom}v4", "#444"))
            if week_labels and week % every == 0:
                text = str(week).replace("-", "−")
                out.append(_text(self.x(week), self.bottom + 16, text, 'text-anchor="middle"'))
        middle = (self.top + self.bottom) / 2
        rotate = f'text-anchor="middle" transform="rotate(-90 14 {middle:.1f})"'
        out.append(_text(14, middle, label, rotate))
        return out


def _path(d: str, stroke: str, extra: str = "") -> str:
    return f'<path d="{d}" stroke="{stroke}" fill="none" {extra}/>'


def _text(x: float, y: float, text: str, extra: str = "", size: int = 12) -> str:
    font = f'font-family="sans-serif" font-size="{size}"'
    return f'<text x="{x:.1f}" y="{y:.1f}" {font} {extra}>{escape(text)}</text>'


def _svg(parts: list[str], title: str) -> bytes:
    head = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}">'
    heading = _text(WIDTH / 2, 18, title, 'text-anchor="middle" font-weight="bold"')
    return "".join([head, heading, *parts, "</svg>"]).encode()


def _runs(points: list[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    """The stretches of consecutive points that have a value."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in points:
        if y is None:
            runs.append([])
        else:
            runs[-1].append((x, y))
    return [run for run in runs if run]


def _legend(entries: list[tuple[str, str]]) -> list[str]:
    """A row of entries under the title, above the plot."""
    out = []
    for i, (colour, label) in enumerate(entries):
        x = LEFT + 300 * i
        out.append(_path(f"M{x} 36h18", colour, 'stroke-width="3"'))
        out.append(_text(x + 24, 40, label))
    return out


def _scaled(rows: list[dict], keys: tuple[str, ...], unit: str) -> list[dict]:
    """The rows with the values of `keys` in the axis unit (a fraction in %)."""
    scale = scale_of(unit)
    return [
        {**row, **{k: None if row[k] is None else row[k] * scale for k in keys}} for row in rows
    ]


def curve_svg(curve: list[dict], *, metric: str, unit: str, gettext: Gettext = _english) -> bytes:
    """Group means with quartile bands by week since go-live, and the sites per week below;
    every word in the language of `gettext`."""
    _ = gettext
    keys = tuple(f"{g}_{k}" for g in COLOURS for k in ("mean", "q1", "q3"))
    curve = _scaled(curve, keys, unit)
    weeks = [row["week"] for row in curve]
    values = [
        row[f"{g}_{k}"]
        for row in curve
        for g in COLOURS
        for k in ("mean", "q1", "q3")
        if row[f"{g}_{k}"] is not None
    ]
    top = _Plot(weeks, values, 56, 300)
    counts = _Plot(weeks, [0, *(row[f"n_{g}"] for row in curve for g in COLOURS)], 330, 410)
    parts = [*top.frame(axis_label(metric, unit, gettext=_), weeks, False)]
    parts += counts.frame(_("Sites"), weeks, True)
    if not curve:
        parts.append(_text(WIDTH / 2, 170, _("No data yet"), 'text-anchor="middle" fill="grey"'))
    else:
        zero = top.x(0)
        parts.append(_path(f"M{zero:.1f} {top.top}V{top.bottom}", "grey", 'stroke-dasharray="4 3"'))
    for offset, (group, colour) in zip((-0.2, 0.2), COLOURS.items(), strict=True):
        high = {r["week"]: r[f"{group}_q3"] for r in curve}
        for run in _runs([(r["week"], r[f"{group}_q1"]) for r in curve]):
            edge = [f"{top.x(w):.1f} {top.y(v):.1f}" for w, v in run]
            edge += [f"{top.x(w):.1f} {top.y(high[w]):.1f}" for w, _ in reversed(run)]
            parts.append(f'<path d="M{"L".join(edge)}Z" fill="{colour}" fill-opacity="0.2"/>')
        for run in _runs([(r["week"], r[f"{group}_mean"]) for r in curve]):
            line = "L".join(f"{top.x(w):.1f} {top.y(v):.1f}" for w, v in run)
            parts.append(_path(f"M{line}", colour, 'stroke-width="2"'))
            parts += [
                f'<circle cx="{top.x(w):.1f}" cy="{top.y(v):.1f}" r="3" fill="{colour}"/>'
                for w, v in run
            ]
        width = 0.4 * (counts.x(1) - counts.x(0))
        for row in curve:
            x, y = counts.x(row["week"] + offset), counts.y(row[f"n_{group}"])
            bar = f"M{x - width / 2:.1f} {counts.bottom}V{y:.1f}h{width:.1f}V{counts.bottom}Z"
            parts.append(f'<path d="{bar}" fill="{colour}"/>')
    band = _("%(group)s (mean, quartile band)")
    legend = [(COLOURS[g], band % {"group": _(LABELS[g])}) for g in COLOURS]
    parts += _legend(legend)
    parts.append(_text(WIDTH / 2, HEIGHT - 8, _("Week since go-live"), 'text-anchor="middle"'))
    title = _("%(metric)s by week since go-live") % {"metric": _(metric_label(metric))}
    return _svg(parts, title)


def effect_svg(series: list[dict], *, metric: str, unit: str, gettext: Gettext = _english) -> bytes:
    """The effect (pilot − non-pilot) with its 95% permutation CI (`perm_ci_low`/`_high`, the
    verdict's) at each week, sites per side above; every word in the language of `gettext`."""
    _ = gettext
    keys = ("estimate", "perm_ci_low", "perm_ci_high")
    series = _scaled(series, keys, unit)
    weeks = [row["week"] for row in series]
    values = [0.0] + [row[k] for row in series for k in keys if row[k] is not None]
    plot = _Plot(weeks, values, 56, 400)
    parts = plot.frame(axis_label(metric, unit, difference=True, gettext=_), weeks, True)
    parts.append(_path(f"M{LEFT} {plot.y(0):.1f}H{WIDTH - RIGHT}", "grey"))
    if not series:
        parts.append(_text(WIDTH / 2, 220, _("No data yet"), 'text-anchor="middle" fill="grey"'))
    colour = COLOURS["pilot"]
    for row in series:
        x = plot.x(row["week"])
        if row["perm_ci_low"] is not None and row["perm_ci_high"] is not None:
            low, high = plot.y(row["perm_ci_low"]), plot.y(row["perm_ci_high"])
            parts.append(_path(f"M{x:.1f} {low:.1f}V{high:.1f}M{x - 4:.1f} {low:.1f}h8", "black"))
            parts.append(_path(f"M{x - 4:.1f} {high:.1f}h8", "black"))
            label = f"{row['n_pilot']}/{row['n_control']}"
            parts.append(_text(x, high - 6, label, 'text-anchor="middle"', size=9))
        if row["estimate"] is not None:
            y = plot.y(row["estimate"])
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>')
    parts += _legend([(colour, _("estimate with 95%% CI") % {})])
    parts.append(_text(WIDTH / 2, HEIGHT - 20, _("Week since go-live"), 'text-anchor="middle"'))
    title = _("Pilot effect on %(metric)s (sites: pilot/non-pilot above each interval)") % {
        "metric": _(metric_label(metric))
    }
    return _svg(parts, title)


def did_svg(
    event_time: list[dict], *, metric: str, unit: str, gettext: Gettext = _english
) -> bytes:
    """The staggered DiD's event study: ATT with its 95% interval by weeks since the programme
    started (`e`; before it in grey, where an effect would be a warning, not a result); every
    word in the language of `gettext`."""
    _ = gettext
    rows = _scaled(event_time, ("att", "ci_low", "ci_high"), unit)
    weeks = [row["e"] for row in rows]
    values = [0.0] + [
        row[k] for row in rows for k in ("att", "ci_low", "ci_high") if row[k] is not None
    ]
    plot = _Plot(weeks, values, 56, 400)
    parts = plot.frame(axis_label(metric, unit, difference=True, gettext=_), weeks, True)
    parts.append(_path(f"M{LEFT} {plot.y(0):.1f}H{WIDTH - RIGHT}", "grey"))
    if not rows:
        parts.append(_text(WIDTH / 2, 220, _("No data yet"), 'text-anchor="middle" fill="grey"'))
    else:
        start = plot.x(-0.5)
        parts.append(
            _path(f"M{start:.1f} {plot.top}V{plot.bottom}", "grey", 'stroke-dasharray="4 3"')
        )
    for row in rows:
        x, colour = plot.x(row["e"]), BEFORE if row["e"] < 0 else COLOURS["pilot"]
        if row["ci_low"] is not None and row["ci_high"] is not None:
            low, high = plot.y(row["ci_low"]), plot.y(row["ci_high"])
            parts.append(_path(f"M{x:.1f} {low:.1f}V{high:.1f}M{x - 4:.1f} {low:.1f}h8", "black"))
            parts.append(_path(f"M{x - 4:.1f} {high:.1f}h8", "black"))
        if row["att"] is not None:
            y = plot.y(row["att"])
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>')
    parts += _legend(
        [
            (BEFORE, _("before the start, with 95%% CI") % {}),
            (COLOURS["pilot"], _("since the start, with 95%% CI") % {}),
        ]
    )
    label = _("Weeks since the programme started")
    parts.append(_text(WIDTH / 2, HEIGHT - 20, label, 'text-anchor="middle"'))
    title = _("Programme effect on %(metric)s by week since it started") % {
        "metric": _(metric_label(metric))
    }
    return _svg(parts, title)
