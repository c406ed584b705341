"""The /pilots charts' narrow (phone) layout: its type is at least 11 CSS px where the page
shows it 360 px wide, as the wide layout's is at the 800-odd px a laptop shows it; and its words
stay inside the chart, in English as in Chinese, however many weeks there are."""

from __future__ import annotations

import itertools
import re
from xml.etree import ElementTree

import pytest

from api.web.svg import check_svg
from pilots.page_charts import NARROW, WIDE, curve_svg, did_svg, effect_svg, text_width, wrap
from tests.pilots.test_page_charts import CURVE, EVENT_TIME, SERIES, row

SVG = "{http://www.w3.org/2000/svg}"
MIN_PX = 11
PHONE_CHART_PX = 360  # a 390-px phone shows a chart ~350 px wide (checked in tests/browser)
LAPTOP_CHART_PX = 800  # narrower than the 896 px a 1366-px laptop shows it

ZH = {
    "%(group)s (mean, quartile band)": "%(group)s（均值，四分位带）",
    "pilot sites": "试点门店",
    "non-pilot sites": "非试点门店",
    "%(metric)s by week since go-live": "%(metric)s：按上线后周数",
    "Median days to proficiency": "达到熟练天数中位数",
    "Pilot effect on %(metric)s by week since go-live, with 95%% intervals": (
        "试点对%(metric)s的影响：按上线后周数，含 95%% 置信区间"
    ),
}


def zh(message: str) -> str:
    return ZH.get(message, message)


def font_sizes(root: ElementTree.Element) -> list[float]:
    """The font size of every text, as the style attribute or the font-size attribute gives it."""
    sizes = []
    for text in root.iter(f"{SVG}text"):
        style = re.search(r"font-size:\s*([\d.]+)", text.get("style", ""))
        sizes.append(float(style[1] if style else text.get("font-size")))
    return sizes


def drawn_px(data: bytes, display_px: float) -> list[float]:
    """Each text's size in CSS px where the chart is shown `display_px` wide."""
    check_svg(data)
    root = ElementTree.fromstring(data)
    width = float(root.get("viewBox").split()[2])
    return [size * display_px / width for size in font_sizes(root)]


def many_weeks(n: int) -> tuple[list[dict], list[dict], list[dict]]:
    weeks = range(-8, n - 8)
    curve = [row(w, 0.1 + w / 100, 0.05) for w in weeks]
    series = [
        {"week": w, "estimate": 0.05, "perm_ci_low": -0.02, "perm_ci_high": 0.12,
         "n_pilot": 12, "n_control": 30}
        for w in weeks
    ]  # fmt: skip
    events = [{"e": w, "att": 0.01, "se": 0.01, "ci_low": -0.01, "ci_high": 0.03} for w in weeks]
    return curve, series, events


def charts(layout, curve=CURVE, series=SERIES, events=EVENT_TIME, metric="adoption_rate", **kw):
    words = {"metric": metric, "unit": "fraction", "layout": layout, **kw}
    return [curve_svg(curve, **words), effect_svg(series, **words), did_svg(events, **words)]


def test_narrow_charts_are_360_units_wide():
    for data in charts(NARROW):
        assert ElementTree.fromstring(data).get("viewBox").startswith("0 0 360 ")


@pytest.mark.parametrize("layout, display_px", [(NARROW, PHONE_CHART_PX), (WIDE, LAPTOP_CHART_PX)])
def test_every_text_is_at_least_11_px_where_the_page_shows_it(layout, display_px):
    for data in charts(layout) + charts(layout, *many_weeks(40)):
        sizes = drawn_px(data, display_px)
        assert sizes and min(sizes) >= MIN_PX, min(sizes)


def test_a_wide_chart_scaled_down_to_a_phone_would_be_unreadable():
    """What the issue saw: the 800-unit chart at 360 px draws its words ~5 px high."""
    assert max(drawn_px(charts(WIDE)[0], PHONE_CHART_PX)) < 6


@pytest.mark.parametrize("gettext", [lambda s: s, zh], ids=["en", "zh"])
@pytest.mark.parametrize("weeks", [4, 40])
def test_narrow_words_stay_inside_the_chart(gettext, weeks):
    data = charts(NARROW, *many_weeks(weeks), metric="time_to_proficiency", gettext=gettext)
    for svg in data:
        root = ElementTree.fromstring(svg)
        width = float(root.get("viewBox").split()[2])
        labels = []
        for text in root.iter(f"{SVG}text"):
            if "rotate" in text.get("transform", ""):
                continue
            w, x = text_width(text.text, float(text.get("font-size"))), float(text.get("x"))
            anchor = text.get("text-anchor", "start")
            left = {"start": x, "middle": x - w / 2, "end": x - w}[anchor]
            assert left >= -1 and left + w <= width + 1, text.text
            if text.text.lstrip("−").isdigit() and anchor == "middle":
                labels.append((float(text.get("y")), left, left + w))
        for (y1, _, right), (y2, left, _) in itertools.pairwise(labels):
            assert y1 != y2 or right < left, "week labels overlap"


def test_wrapping_breaks_latin_at_spaces_and_chinese_anywhere():
    assert wrap("Difference in median days to proficiency (days)", 13, 200) == [
        "Difference in median days",
        "to proficiency (days)",
    ]
    lines = wrap("试点对达到熟练天数中位数的影响：按上线后周数", 13, 130)
    assert len(lines) == 3 and "".join(lines) == "试点对达到熟练天数中位数的影响：按上线后周数"
    assert all(text_width(line, 13) <= 130 for line in lines)
