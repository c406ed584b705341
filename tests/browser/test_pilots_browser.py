"""The rollout lead in a browser: the curves as an inline SVG chart, the effect table, the
readiness gate, a chart download, and the page at phone width."""

from __future__ import annotations

import pytest

from tests.browser.helpers import PHONE, log_in, table_rows

pytestmark = pytest.mark.browser


def test_rollout_lead_sees_the_curves_as_an_inline_svg_chart(new_page):
    page = log_in(new_page(), "rollout_lead")
    assert page.url.endswith("/pilots")
    chart = page.locator("#curve-chart > svg")
    assert chart.count() == 1
    box = chart.bounding_box()
    assert box["width"] > 400 and box["height"] > 200
    assert chart.locator("path").count() > 20  # drawn lines, bands, axes and glyphs
    assert page.locator("#effect-chart > svg").count() == 1


def test_rollout_lead_reads_the_effect_table_and_the_readiness_gate(new_page):
    page = log_in(new_page(), "rollout_lead")
    effects = table_rows(page, "table.effects")
    assert effects, "the demo has weeks with sites on both sides"
    for week, estimate, ci, p_value, n_pilot, n_control in effects:
        assert week.isdigit() and " to " in ci
        assert estimate.endswith("pp") and int(n_pilot) >= 1 and int(n_control) >= 1
        assert p_value == "< 0.001" or 0 <= float(p_value) <= 1
    gate = page.inner_text("section:has(h2:text-is('Readiness gate'))")
    assert "Wave 1" in gate and ("NO GO" in gate or "GO" in gate)
    assert "Adoption rate at least 80" in gate and "each of the last 2 complete weeks" in gate
    assert page.locator("table.hotspots tbody tr").count() >= 1


def test_changing_the_metric_redraws_the_page(new_page):
    page = log_in(new_page(), "rollout_lead")
    page.select_option("select[name=metric]", "mean_proficiency")
    assert "metric=" not in page.url  # a select never moves the page by itself (WCAG 3.2.2)
    with page.expect_navigation():
        page.click("form.controls button[type=submit]")
    assert "metric=mean_proficiency" in page.url
    assert page.locator("select[name=metric]").input_value() == "mean_proficiency"
    assert page.locator("#curve-chart > svg").count() == 1
    assert table_rows(page, "table.effects")


def test_rollout_lead_downloads_the_curve_chart_as_png(new_page):
    page = log_in(new_page(), "rollout_lead")
    with page.expect_download() as info:
        page.click("a:text-is('curve PNG')")
    download = info.value
    assert download.suggested_filename == "pilots-curve-adoption_rate-sites.png"
    assert download.path().read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_pilots_page_fits_a_phone(new_page):
    page = log_in(new_page(PHONE), "rollout_lead")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    box = page.locator("#curve-chart-narrow > svg").bounding_box()  # the phone's layout
    assert 250 < box["width"] <= PHONE["width"]
    assert page.locator("#curve-chart > svg").bounding_box() is None  # the wide one: hidden
