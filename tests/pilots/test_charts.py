"""Charts render as valid SVG and PNG bytes, also without data, and leave matplotlib as found."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import matplotlib
import pytest

from pilots.charts import curve_chart, effect_chart, km_chart

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CURVE = [
    {"week": w, "pilot_mean": 0.5 + 0.1 * w, "control_mean": 0.3 + 0.05 * w,
     "pilot_q1": 0.45 + 0.1 * w, "pilot_q3": 0.55 + 0.1 * w, "control_q1": None,
     "control_q3": None, "n_pilot": 3, "n_control": 1 if w else 0}
    for w in (-1, 0, 1, 2)
]  # fmt: skip
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
        "estimate": 0.2,
        "perm_ci_low": -0.1,
        "perm_ci_high": 0.4,
        "n_pilot": 3,
        "n_control": 2,
    },
]
ROW = {"at_risk": 2, "events": 1, "censored": 1, "ci_low": 0.1, "ci_high": 0.9}
KM = {
    "pilot": {"n": 2, "median_days": 3.0, "curve": [{"day": 3.0, "survival": 0.5, **ROW}]},
    "control": {"n": 0, "median_days": None, "curve": []},
    "log_rank": {"statistic": None, "df": 1, "p_value": None},
}
CHARTS = {
    "curve": lambda fmt: curve_chart(CURVE, metric="adoption_rate", unit="fraction", fmt=fmt),
    "effect": lambda fmt: effect_chart(SERIES, metric="adoption_rate", unit="fraction", fmt=fmt),
    "km": lambda fmt: km_chart(KM, fmt=fmt),
    "empty curve": lambda fmt: curve_chart([], metric="error_rate", unit="fraction", fmt=fmt),
    "empty effect": lambda fmt: effect_chart([], metric="error_rate", unit="fraction", fmt=fmt),
}


@pytest.mark.parametrize("chart", CHARTS)
def test_chart_renders_valid_svg(chart):
    body = CHARTS[chart]("svg")
    root = ET.fromstring(body)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


@pytest.mark.parametrize("chart", CHARTS)
def test_chart_renders_valid_png(chart):
    body = CHARTS[chart]("png")
    assert body.startswith(PNG_SIGNATURE)
    assert body[-8:-4] == b"IEND"


def test_rendering_leaves_matplotlib_global_state_alone():
    before, backend = dict(matplotlib.rcParams), matplotlib.get_backend()
    for chart in CHARTS.values():
        chart("svg")
    assert dict(matplotlib.rcParams) == before
    assert matplotlib.get_backend() == backend


def test_unknown_format_is_refused():
    with pytest.raises(ValueError):
        CHARTS["curve"]("gif")
