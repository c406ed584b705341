"""The store display in Chromium: no login, type readable from 3 m, pages that rotate, a revoked
link refused, the first page without JavaScript, and the celebration without motion when the
viewer asks for reduced motion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from api.cli.main import main
from tests.browser.conftest import TIMEOUT_MS

pytestmark = pytest.mark.browser

TV = {"width": 1920, "height": 1080}
SMALL_TV = {"width": 1280, "height": 720}
MIN_NAME_PX = 28


def uptake(demo_settings, *args: str) -> str:
    env = {
        "UPTAKE_DATABASE_URL": demo_settings.database_url,
        "UPTAKE_INSTANCE_PATH": str(demo_settings.instance_path),
        "UPTAKE_SECRET_KEY": "browser-tests",
        "UPTAKE_SCHEDULER": "off",
    }
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def display_path(demo_settings, base_url) -> str:
    url = uptake(
        demo_settings,
        "display",
        "create",
        "--site",
        "S001",
        "--name",
        "browser-tv",
        "--base-url",
        base_url,
    )
    assert url.startswith(f"{base_url}/display/upt_")
    return url.removeprefix(base_url)


def font_px(page, selector: str) -> float:
    return page.eval_on_selector(selector, "e => parseFloat(getComputedStyle(e).fontSize)")


@pytest.mark.parametrize("viewport", [TV, SMALL_TV], ids=["1080p", "720p"])
def test_the_screen_opens_without_login_in_type_readable_from_3_m(new_page, display_path, viewport):
    page = new_page(viewport=viewport)
    response = page.goto(display_path)
    assert response.status == 200
    assert "/login" not in page.url
    assert page.locator("nav, a").count() == 0  # no way into the app
    assert page.locator("html").get_attribute("lang") == "en"
    name = font_px(page, "tbody:not([hidden]) td.name")
    assert name >= MIN_NAME_PX
    assert font_px(page, "tbody:not([hidden]) td.rank") > name
    assert font_px(page, "tbody:not([hidden]) td.points") > name
    assert page.context.cookies() == []


def test_a_revoked_link_is_refused(new_page, demo_settings, base_url):
    url = uptake(
        demo_settings,
        "display",
        "create",
        "--site",
        "S001",
        "--name",
        "gone-tv",
        "--base-url",
        base_url,
    )
    uptake(demo_settings, "display", "revoke", "gone-tv", "--site", "S001")
    page = new_page(viewport=TV)
    response = page.goto(url.removeprefix(base_url))
    assert response.status == 404
    assert "Store" not in page.inner_text("body") and "S001" not in page.inner_text("body")


def test_the_pages_rotate_to_page_2(new_page, display_path):
    page = new_page(viewport=TV)
    page.goto(f"{display_path}?per_page=3")
    pager = page.locator("p.pager")
    assert pager.inner_text().startswith("Page 1 of ")
    assert page.locator("tbody[data-page='1']").is_visible()
    page.wait_for_function(
        "() => document.querySelector('[data-page-number]').textContent === '2'",
        timeout=TIMEOUT_MS,
    )
    assert pager.inner_text().startswith("Page 2 of ")
    assert page.locator("tbody[data-page='2']").is_visible()
    assert not page.locator("tbody[data-page='1']").is_visible()


def test_without_javascript_the_first_page_shows(browser, base_url, display_path):
    context = browser.new_context(base_url=base_url, viewport=TV, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{display_path}?per_page=3")
        assert page.locator("tbody[data-page='1']").is_visible()
        assert not page.locator("tbody[data-page='2']").is_visible()
        refresh = page.locator("meta[http-equiv='refresh']").get_attribute("content")
        assert refresh.startswith("60; url=") and "page=2" in refresh
    finally:
        context.close()


def test_a_celebration_fills_the_screen_without_motion_when_asked(browser, base_url, display_path):
    since = (datetime.now(UTC) - timedelta(hours=23)).strftime("%Y-%m-%dT%H:%M:%SZ")
    context = browser.new_context(base_url=base_url, viewport=TV, reduced_motion="reduce")
    try:
        page = context.new_page()
        page.goto(f"{display_path}?since={since}")
        if page.locator(".celebrations li").count() == 0:
            pytest.skip("the demo's S001 has no badge or level-up in the last day")
        overlay = page.locator(".celebration-overlay")
        overlay.wait_for(state="visible", timeout=TIMEOUT_MS)
        box = overlay.bounding_box()
        assert box["width"] == TV["width"] and box["height"] == TV["height"]
        animation = overlay.evaluate("e => getComputedStyle(e).animationName")
        assert animation == "none"
    finally:
        context.close()


def test_the_display_passes_axe_on_a_tv_and_moves_on_by_itself(browser, base_url, display_path):
    """No meta refresh once JavaScript runs (axe's meta-refresh, critical): display.js moves on
    to the next page after data-refresh seconds instead."""
    from tests.browser.test_accessibility import problems_on

    context = browser.new_context(base_url=base_url, viewport=TV)
    try:
        page = context.new_page()
        page.clock.install()  # the page's timers run on a clock the test moves
        page.goto(f"{display_path}?per_page=3")
        assert problems_on(page) == []
        assert page.locator("meta[http-equiv='refresh']").count() == 0
        assert "page=2" in page.locator("body").get_attribute("data-following")
        with page.expect_navigation():
            page.clock.fast_forward("01:01")  # the minute's refresh
        assert "page=2" in page.url
    finally:
        context.close()
