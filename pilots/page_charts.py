"""The /pilots page's charts as small hand-written SVG: the curves by week since go-live, the
effect by week with its 95% interval and the programme's effect by week since it started (the
staggered DiD's event study).

They draw what `pilots.charts` draws for slide decks (same rows, colours and labels) in a few
milliseconds instead of matplotlib's few hundred, as plain shapes and text sized by a viewBox
(the page scales them with CSS). Nothing but drawing goes in: no script, style sheet or link.

Each chart comes in two layouts. `WIDE` (800 units wide) is meant to be shown about 800 CSS px
wide; `NARROW` (360 units) is for a phone, where the page shows it about 350 px wide: scaled
down from 800 units its 12-unit text would be 5 px. The narrow one wraps its title, stacks its
legend, writes the y axis's name above the plot instead of along it, labels fewer weeks and
leaves out the site counts above each interval (the table next to the chart has them).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape

from pilots.charts import COLOURS, LABELS, axis_label, metric_label, scale_of

MAX_WEEK_LABELS = 26  # more weeks than this: every other (or every n-th) week is labelled
BEFORE = "#757575"  # event times before the programme started
Gettext = Callable[[str], str]


@dataclass(frozen=True)
class Layout:
    """A chart's geometry and type sizes, in viewBox units."""

    name: str
    width: int
    left: int  # the plot's left edge: room for the y ticks (and, wide, the axis's name)
    right: int
    font: int  # every word and number
    counts: int  # the site counts above each interval; 0: not drawn
    plot: int  # the height of the main panel
    line: int  # the distance between two lines of wrapped text

    @property
    def narrow(self) -> bool:
        return self.name == "narrow"


WIDE = Layout("wide", width=800, left=64, right=16, font=12, counts=11, plot=344, line=16)
NARROW = Layout("narrow", width=360, left=44, right=10, font=13, counts=0, plot=230, line=18)
LAYOUTS = {layout.name: layout for layout in (WIDE, NARROW)}
HEIGHT = 450  # the wide charts' height
CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"  # a line may break before any of these
TOKEN = re.compile(rf"[{CJK}]|[^\s{CJK}]+\s*|\s+")


def _english(message: str) -> str:
    return message


def text_width(text: str, size: float) -> float:
    """About how wide `text` is in a sans-serif face of `size`: a Chinese character is 1 em,
    a Latin one at most ~0.6 em."""
    wide = sum(unicodedata.east_asian_width(c) in "WF" for c in text)
    return size * (wide + 0.6 * (len(text) - wide))


def wrap(text: str, size: float, width: float) -> list[str]:
    """`text` in lines at most `width` wide (a word longer than that gets a line of its own);
    Chinese breaks between any two characters, other scripts at spaces."""
    lines, line = [], ""
    for token in TOKEN.findall(text):
        if line and text_width((line + token).rstrip(), size) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    return [*lines, line.rstrip()] if line.strip() else lines or [""]


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


def _minus(value) -> str:
    return (f"{value:g}" if isinstance(value, float) else str(value)).replace("-", "−")


class _Plot:
    """One panel: data coordinates mapped into a box of the SVG."""

    def __init__(
        self, weeks: list[float], values: list[float], top: float, bottom: float, layout: Layout
    ):
        self.x_lo, self.x_hi = (min(weeks) - 0.6, max(weeks) + 0.6) if weeks else (-1.0, 1.0)
        self.y_ticks = _ticks(min(values, default=0.0), max(values, default=1.0))
        self.top, self.bottom, self.layout = top, bottom, layout

    def x(self, week: float) -> float:
        lay = self.layout
        return lay.left + (week - self.x_lo) / (self.x_hi - self.x_lo) * (
            lay.width - lay.left - lay.right
        )

    def y(self, value: float) -> float:
        lo, hi = self.y_ticks[0], self.y_ticks[-1]
        return self.bottom - (value - lo) / (hi - lo) * (self.bottom - self.top)

    def every(self, weeks: list[int]) -> int:
        """Label every n-th week: no more than MAX_WEEK_LABELS, none overlapping the next."""
        if not weeks:
            return 1
        widest = max(text_width(_minus(w), self.layout.font) for w in weeks) + 8
        step = self.x(1) - self.x(0)
        return max(math.ceil(len(weeks) / MAX_WEEK_LABELS), math.ceil(widest / step))

    def frame(self, label: str, weeks: list[int], week_labels: bool) -> list[str]:
        lay = self.layout
        out = [_path(f"M{lay.left} {self.top}V{self.bottom}H{lay.width - lay.right}", "#444")]
        for value in self.y_ticks:
            y = self.y(value)
            out.append(_path(f"M{lay.left - 4} {y:.1f}H{lay.left}", "#444"))
            out.append(_text(lay.left - 7, y + 4, _minus(value), lay, 'text-anchor="end"'))
        every = self.every(weeks)
        for week in weeks:
            out.append(_path(f"M{self.x(week):.1f} {self.bottom}v4", "#444"))
            if week_labels and week % every == 0:
                y = self.bottom + lay.font + 4
                out.append(_text(self.x(week), y, _minus(week), lay, 'text-anchor="middle"'))
        if lay.narrow:  # the axis's name above the plot, left-aligned
            lines = _label_lines(label, lay)
            for i, line in enumerate(lines):
                y = self.top - 12 - (len(lines) - 1 - i) * lay.line
                out.append(_text(2, y, line, lay))
        else:
            middle = (self.top + self.bottom) / 2
            rotate = f'text-anchor="middle" transform="rotate(-90 14 {middle:.1f})"'
            out.append(_text(14, middle, label, lay, rotate))
        return out


def _label_lines(label: str, layout: Layout) -> list[str]:
    return wrap(label, layout.font, layout.width - 4)


def _above(label: str, layout: Layout) -> int:
    """The room a panel needs above its top for its axis's name (narrow only)."""
    return len(_label_lines(label, layout)) * layout.line + 8 if layout.narrow else 0


def _path(d: str, stroke: str, extra: str = "") -> str:
    return f'<path d="{d}" stroke="{stroke}" fill="none" {extra}/>'


def _text(x: float, y: float, text: str, layout: Layout, extra: str = "", size: int = 0) -> str:
    font = f'font-family="sans-serif" font-size="{size or layout.font}"'
    return f'<text x="{x:.1f}" y="{y:.1f}" {font} {extra}>{escape(text)}</text>'


def _head(title: str, legend: list[tuple[str, str]], layout: Layout) -> tuple[list[str], int]:
    """The title and the legend, and the y below them where the plot may start."""
    if not layout.narrow:  # one line each: the title, then a row of entries
        bold = 'text-anchor="middle" font-weight="bold"'
        out = [_text(layout.width / 2, 18, title, layout, bold)]
        for i, (colour, label) in enumerate(legend):
            x = layout.left + 300 * i
            out.append(_path(f"M{x} 36h18", colour, 'stroke-width="3"'))
            out.append(_text(x + 24, 40, label, layout))
        return out, 56
    out, y = [], 0
    for line in wrap(title, layout.font, layout.width - 4):
        y += layout.line
        out.append(
            _text(layout.width / 2, y, line, layout, 'text-anchor="middle" font-weight="bold"')
        )
    y += 6
    for colour, label in legend:  # one entry a line
        for i, line in enumerate(wrap(label, layout.font, layout.width - 30)):
            y += layout.line
            if i == 0:
                out.append(_path(f"M2 {y - 4}h18", colour, 'stroke-width="3"'))
            out.append(_text(26, y, line, layout))
    return out, y + 12


def _foot(label: str, plot: _Plot, wide_y: int) -> tuple[list[str], int]:
    """The x axis's name under the plot (at `wide_y` in the wide layout, wrapped under the
    week labels in the narrow one), and the chart's height."""
    layout = plot.layout
    if not layout.narrow:
        return [_text(layout.width / 2, wide_y, label, layout, 'text-anchor="middle"')], HEIGHT
    out, y = [], plot.bottom + layout.font + 4
    for line in wrap(label, layout.font, layout.width - 4):
        y += layout.line + 2
        out.append(_text(layout.width / 2, y, line, layout, 'text-anchor="middle"'))
    return out, math.ceil(y + 8)


def _svg(parts: list[str], head: list[str], layout: Layout, height: int) -> bytes:
    box = f"0 0 {layout.width} {height}"
    opening = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{box}">'
    return "".join([opening, *head, *parts, "</svg>"]).encode()


def _runs(points: list[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    """The stretches of consecutive points that have a value."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in points:
        if y is None:
            runs.append([])
        else:
            runs[-1].append((x, y))
    return [run for run in runs if run]


def _scaled(rows: list[dict], keys: tuple[str, ...], unit: str) -> list[dict]:
    """The rows with the values of `keys` in the axis unit (a fraction in %)."""
    scale = scale_of(unit)
    return [
        {**row, **{k: None if row[k] is None else row[k] * scale for k in keys}} for row in rows
    ]


def _no_data(plot: _Plot, y: float, message: str) -> str:
    lay = plot.layout
    middle = lay.left + (lay.width - lay.left - lay.right) / 2
    return _text(middle, y, message, lay, 'text-anchor="middle" fill="grey"')


def curve_svg(
    curve: list[dict],
    *,
    metric: str,
    unit: str,
    gettext: Gettext = _english,
    layout: Layout = WIDE,
) -> bytes:
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
    band = _("%(group)s (mean, quartile band)")
    legend = [(COLOURS[g], band % {"group": _(LABELS[g])}) for g in COLOURS]
    title = _("%(metric)s by week since go-live") % {"metric": _(metric_label(metric))}
    head, top_y = _head(title, legend, layout)
    y_label, sites = axis_label(metric, unit, gettext=_), _("Sites")
    top_y += _above(y_label, layout)
    top_bottom = top_y + (244 if layout is WIDE else layout.plot)
    counts_top = top_bottom + (30 if layout is WIDE else 12 + _above(sites, layout))
    counts_bottom = counts_top + (80 if layout is WIDE else 70)
    top = _Plot(weeks, values, top_y, top_bottom, layout)
    counts_values = [0, *(row[f"n_{g}"] for row in curve for g in COLOURS)]
    counts = _Plot(weeks, counts_values, counts_top, counts_bottom, layout)
    parts = [*top.frame(y_label, weeks, False), *counts.frame(sites, weeks, True)]
    if not curve:
        parts.append(_no_data(top, (top.top + top.bottom) / 2 + 2, _("No data yet")))
    else:
        zero = top.x(0)
        parts.append(_path(f"M{zero:.1f} {top.top}V{top.bottom}", "grey", 'stroke-dasharray="4 3"'))
    for offset, (group, colour) in zip((-0.2, 0.2), COLOURS.items(), strict=True):
        parts += _group_curve(curve, group, colour, top)
        width = 0.4 * (counts.x(1) - counts.x(0))
        for row in curve:
            x, y = counts.x(row["week"] + offset), counts.y(row[f"n_{group}"])
            bar = f"M{x - width / 2:.1f} {counts.bottom}V{y:.1f}h{width:.1f}V{counts.bottom}Z"
            parts.append(f'<path d="{bar}" fill="{colour}"/>')
    foot, height = _foot(_("Week since go-live"), counts, HEIGHT - 8)
    return _svg(parts + foot, head, layout, height)


def _group_curve(curve: list[dict], group: str, colour: str, top: _Plot) -> list[str]:
    """One group's quartile band and its line of means, broken where a week has none."""
    parts = []
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
    return parts


def _interval(plot: _Plot, x: float, low: float, high: float) -> list[str]:
    low, high = plot.y(low), plot.y(high)
    return [
        _path(f"M{x:.1f} {low:.1f}V{high:.1f}M{x - 4:.1f} {low:.1f}h8", "black"),
        _path(f"M{x - 4:.1f} {high:.1f}h8", "black"),
    ]


def _panel(label: str, weeks: list, values: list, top: int, layout: Layout) -> _Plot:
    top += _above(label, layout)
    return _Plot(weeks, values, top, top + layout.plot, layout)


def effect_svg(
    series: list[dict],
    *,
    metric: str,
    unit: str,
    gettext: Gettext = _english,
    layout: Layout = WIDE,
) -> bytes:
    """The effect (pilot − non-pilot) with its 95% permutation CI (`perm_ci_low`/`_high`, the
    verdict's) at each week, sites per side above (wide only); every word in the language of
    `gettext`."""
    _ = gettext
    keys = ("estimate", "perm_ci_low", "perm_ci_high")
    series = _scaled(series, keys, unit)
    weeks = [row["week"] for row in series]
    values = [0.0] + [row[k] for row in series for k in keys if row[k] is not None]
    colour = COLOURS["pilot"]
    named = {"metric": _(metric_label(metric))}
    if layout.counts:
        title = _("Pilot effect on %(metric)s (sites: pilot/non-pilot above each interval)")
    else:  # no counts to explain: the page's name for the chart
        title = _("Pilot effect on %(metric)s by week since go-live, with 95%% intervals")
    head, top = _head(title % named, [(colour, _("estimate with 95%% CI") % {})], layout)
    label = axis_label(metric, unit, difference=True, gettext=_)
    plot = _panel(label, weeks, values, top, layout)
    parts = plot.frame(label, weeks, True)
    parts.append(_path(f"M{layout.left} {plot.y(0):.1f}H{layout.width - layout.right}", "grey"))
    if not series:
        parts.append(_no_data(plot, (plot.top + plot.bottom) / 2 - 8, _("No data yet")))
    for row in series:
        x = plot.x(row["week"])
        if row["perm_ci_low"] is not None and row["perm_ci_high"] is not None:
            parts += _interval(plot, x, row["perm_ci_low"], row["perm_ci_high"])
            if layout.counts:
                y = plot.y(row["perm_ci_high"]) - 6
                n = f"{row['n_pilot']}/{row['n_control']}"
                parts.append(_text(x, y, n, layout, 'text-anchor="middle"', size=layout.counts))
        if row["estimate"] is not None:
            y = plot.y(row["estimate"])
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>')
    foot, height = _foot(_("Week since go-live"), plot, HEIGHT - 20)
    return _svg(parts + foot, head, layout, height)


def did_svg(
    event_time: list[dict],
    *,
    metric: str,
    unit: str,
    gettext: Gettext = _english,
    layout: Layout = WIDE,
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
    legend = [
        (BEFORE, _("before the start, with 95%% CI") % {}),
        (COLOURS["pilot"], _("since the start, with 95%% CI") % {}),
    ]
    title = _("Programme effect on %(metric)s by week since it started") % {
        "metric": _(metric_label(metric))
    }
    head, top = _head(title, legend, layout)
    label = axis_label(metric, unit, difference=True, gettext=_)
    plot = _panel(label, weeks, values, top, layout)
    parts = plot.frame(label, weeks, True)
    parts.append(_path(f"M{layout.left} {plot.y(0):.1f}H{layout.width - layout.right}", "grey"))
    if not rows:
        parts.append(_no_data(plot, (plot.top + plot.bottom) / 2 - 8, _("No data yet")))
    else:
        start = plot.x(-0.5)
        parts.append(
            _path(f"M{start:.1f} {plot.top}V{plot.bottom}", "grey", 'stroke-dasharray="4 3"')
        )
    for row in rows:
        x, colour = plot.x(row["e"]), BEFORE if row["e"] < 0 else COLOURS["pilot"]
        if row["ci_low"] is not None and row["ci_high"] is not None:
            parts += _interval(plot, x, row["ci_low"], row["ci_high"])
        if row["att"] is not None:
            y = plot.y(row["att"])
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>')
    foot, height = _foot(_("Weeks since the programme started"), plot, HEIGHT - 20)
    return _svg(parts + foot, head, layout, height)
