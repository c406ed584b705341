"""/pilots and /me on a 390 × 844 phone and a 1366-px laptop: no page scrolls sideways, each
chart is shown once and in a layout whose type is at least 11 CSS px as drawn (the font size
times the scale the SVG is drawn at), wide tables scroll inside a labelled region, and /me's
"What it means" column gets the width of the phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.helpers import PHONE, log_in

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 900}
MIN_PX = 11

# Each chart pair: which figure is shown, and the smallest type of its text as drawn (px).
VISIBLE_CHARTS = """() => Array.from(document.querySelectorAll('.chart-pair')).map(pair => {
  const shown = Array.from(pair.querySelectorAll('figure.chart'))
    .filter(f => getComputedStyle(f).display !== 'none');
  const sizes = shown.flatMap(f => Array.from(f.querySelectorAll('svg text')).map(t => {
    const m = t.getScreenCTM();
    return parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
  }));
  return {shown: shown.map(f => f.id), texts: sizes.length, smallest: Math.min(...sizes)};
})"""


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth"
        " && document.body.scrollWidth <= window.innerWidth"
    )


@pytest.mark.parametrize(
    ("viewport", "suffix"), [(PHONE, "-narrow"), (LAPTOP, "")], ids=["phone", "laptop"]
)
def test_pilots_charts_are_legible(new_page, viewport, suffix):
    page = log_in(new_page(viewport), "rollout_lead")
    assert page.url.endswith("/pilots")
    assert no_sideways_scroll(page)
    charts = page.evaluate(VISIBLE_CHARTS)
    assert len(charts) >= 2  # the curves and the effect (and the DiD with a programme)
    for chart in charts:
        assert len(chart["shown"]) == 1 and chart["shown"][0].endswith(f"chart{suffix}"), chart
        assert chart["texts"] > 5 and chart["smallest"] >= MIN_PX, chart
    box = page.locator(f"#curve-chart{suffix} > svg").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]


def test_pilots_tables_scroll_in_labelled_regions_on_a_phone(new_page):
    page = log_in(new_page(PHONE), "rollout_lead")
    regions = page.eval_on_selector_all(
        "main table",
        """tables => tables.map(t => {
          const wrap = t.closest('.table-wrap');
          return wrap && {
            tabindex: wrap.getAttribute('tabindex'), role: wrap.getAttribute('role'),
            label: wrap.getAttribute('aria-label'),
            right: wrap.getBoundingClientRect().right,
          };
        })""",
    )
    assert regions and all(regions), "every table is in a .table-wrap"
    for region in regions:
        assert region["tabindex"] == "0" and region["role"] == "region" and region["label"]
        assert region["right"] <= PHONE["width"]
    wrap = page.locator(".table-wrap:has(table.waves)")
    wrap.evaluate("w => { w.scrollLeft = w.scrollWidth; }")
    first = page.locator("table.waves tbody tr:first-child > :first-child").bounding_box()
    region = wrap.bounding_box()
    assert abs(first["x"] - region["x"]) < 2  # the first column stays as the rest scrolls


def test_me_reads_what_each_part_means_on_a_phone(new_page):
    page = log_in(new_page(PHONE), "employee")
    page.goto("/me")
    assert no_sideways_scroll(page)
    cells = page.eval_on_selector_all(
        "table.components tbody td:last-child",
        """cells => cells.map(c => {
          const r = c.getBoundingClientRect();
          return {left: r.left, right: r.right, width: r.width, text: c.innerText.trim(),
                  label: getComputedStyle(c, '::before').content};
        })""",
    )
    assert cells, "the employee has a score with its parts"
    for cell in cells:
        assert cell["width"] >= 250 and cell["left"] >= 0, cell  # not one word a line
        assert cell["right"] <= PHONE["width"], cell  # nor cut off
        assert cell["label"] == '"What it means"' and cell["text"]
