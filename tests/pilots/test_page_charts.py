"""The /pilots page's inline charts (pilots.page_charts): well-formed SVG with nothing active,
a point per value, gaps where a week has none, and a plain message without data."""

from __future__ import annotations

from xml.etree import ElementTree

from api.web.svg import check_svg
from pilots.charts import axis_label
from pilots.page_charts import _ticks, curve_svg, did_svg, effect_svg

NS = {"svg": "http://www.w3.org/2000/svg"}


def row(week, pilot, control, n_pilot=3, n_control=2):
    return {
        "week": week,
        **{f"pilot_{k}": pilot for k in ("mean", "q1", "q3")},
        **{f"control_{k}": control for k in ("mean", "q1", "q3")},
        "n_pilot": n_pilot,
        "n_control": n_control,
    }


CURVE = [row(-1, 0.0, 0.0), row(0, 0.5, None, n_control=0), row(1, 0.9, 0.4), row(2, 0.95, 0.6)]
SERIES = [
    {
        "week": 0,
        "estimate": 0.3,
        "perm_ci_low": 0.1,
        "perm_ci_high": 0.5,
        "n_pilot": 3,
        "n_control": 2,
    },
    {
        "week": 1,
        "estimate": -0.1,
        "perm_ci_low": -0.4,
        "perm_ci_high": 0.2,
        "n_pilot": 3,
        "n_control": 4,
    },
]


def parsed(data: bytes) -> ElementTree.Element:
    check_svg(data)  # what the page checks before it inlines a chart
    return ElementTree.fromstring(data)


def test_curve_chart_marks_every_mean_and_breaks_the_line_where_a_week_has_none():
    root = parsed(curve_svg(CURVE, metric="adoption_rate", unit="fraction"))
    assert root.get("viewBox") == "0 0 800 450"
    assert len(root.findall("svg:circle", NS)) == 4 + 3  # pilot: 4 weeks; control: 3 (no week 0)
    lines = [p for p in root.findall("svg:path", NS) if p.get("stroke-width") == "2"]
    assert len(lines) == 1 + 2  # the control line stops at week 0 and starts again
    texts = [t.text for t in root.findall("svg:text", NS)]
    assert "Adoption rate by week since go-live" in texts and "Adoption rate (%)" in texts
    # Fractions are drawn in %: the means 0 … 0.95 span ticks 0 … 100.
    assert {"0", "20", "100"} <= set(texts)


def test_effect_chart_draws_each_estimate_with_its_interval_and_site_counts():
    root = parsed(effect_svg(SERIES, metric="error_rate", unit="fraction"))
    assert len(root.findall("svg:circle", NS)) == 2
    texts = [t.text for t in root.findall("svg:text", NS)]
    assert "3/2" in texts and "3/4" in texts and "Difference in error rate (pp)" in texts


def test_without_data_the_charts_say_so():
    for data in (
        curve_svg([], metric="adoption_rate", unit="fraction"),
        effect_svg([], metric="adoption_rate", unit="fraction"),
    ):
        assert "No data yet" in [t.text for t in parsed(data).findall("svg:text", NS)]


def test_text_is_escaped():
    root = parsed(curve_svg(CURVE, metric="a<b>&c", unit="x"))
    assert "a<b>&c by week since go-live" in [t.text for t in root.findall("svg:text", NS)]


def test_days_and_scores_are_drawn_as_they_are_with_their_unit():
    texts = [
        t.text
        for t in parsed(curve_svg(CURVE, metric="mean_proficiency", unit="score 0–100")).findall(
            "svg:text", NS
        )
    ]
    assert "Mean proficiency (score points)" in texts and "1" in texts  # 0.95: not ×100
    series = effect_svg(SERIES, metric="time_to_proficiency", unit="days")
    texts = [t.text for t in parsed(series).findall("svg:text", NS)]
    assert "Difference in median days to proficiency (days)" in texts


EVENT_TIME = [
    {"e": -2, "att": 0.01, "se": 0.02, "ci_low": -0.03, "ci_high": 0.05},
    {"e": -1, "att": None, "se": None, "ci_low": None, "ci_high": None},
    {"e": 0, "att": 0.06, "se": 0.02, "ci_low": 0.02, "ci_high": 0.10},
    {"e": 1, "att": 0.08, "se": 0.02, "ci_low": 0.04, "ci_high": 0.12},
]


def test_did_chart_marks_each_event_time_before_the_start_in_grey():
    root = parsed(did_svg(EVENT_TIME, metric="adoption_rate", unit="fraction"))
    fills = [c.get("fill") for c in root.findall("svg:circle", NS)]
    assert fills == ["#757575", "#d95f02", "#d95f02"]  # e = −1 has no estimate: no mark
    texts = [t.text for t in root.findall("svg:text", NS)]
    assert "Difference in adoption rate (pp)" in texts and "−2" in texts
    assert "Weeks since the programme started" in texts
    assert {"0", "10"} <= set(texts)  # in pp: the interval 0.02 … 0.12 is drawn as 2 … 12


def test_did_chart_without_data_says_so():
    texts = [
        t.text
        for t in parsed(did_svg([], metric="adoption_rate", unit="fraction")).findall(
            "svg:text", NS
        )
    ]
    assert "No data yet" in texts


def test_axis_ticks_are_round_and_cover_the_values():
    assert _ticks(0.0, 0.93) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert _ticks(-0.37, 0.52) == [-0.4, -0.2, 0.0, 0.2, 0.4, 0.6]
    assert _ticks(3.0, 3.0) == [2.4, 2.6, 2.8, 3.0, 3.2, 3.4, 3.6]  # one value: ±0.5 around it


def test_axis_labels_name_the_metric_and_its_unit():
    assert axis_label("adoption_rate", "fraction") == "Adoption rate (%)"
    assert axis_label("error_rate", "fraction", difference=True) == "Difference in error rate (pp)"
    assert axis_label("time_to_proficiency", "days") == "Median days to proficiency (days)"
    assert axis_label("mean_proficiency", "score 0–100") == "Mean proficiency (score points)"
