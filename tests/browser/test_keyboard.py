"""The main tasks with the keyboard alone (Tab, typing, Enter), each stop showing its focus:
signing in, a clerk reading why their score is what it is, and an admin correcting and replaying
one quarantined item and discarding another. (Switching a board's period and metric, and HR
closing a month and downloading its export, are in test_accessibility.py.)"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page

from tests.browser.helpers import LOGINS, PHONE, log_in

pytestmark = pytest.mark.browser


def tab_to(page: Page, selector: str, limit: int = 60) -> None:
    """Press Tab until `selector` has focus, and check the focus shows (an outline or a ring)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            assert focus_shows(page), f"{selector} has focus but shows none"
            return
    raise AssertionError(f"{selector} not reached in {limit} Tab presses")


def focus_shows(page: Page) -> bool:
    return page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2)
                          || s.boxShadow !== 'none'; }"""
    )


def test_signing_in_with_the_keyboard_alone(new_page):
    page = new_page()
    page.goto("/login")
    username = LOGINS["employee"]
    tab_to(page, "input[name=username]")
    page.keyboard.type(username)
    tab_to(page, "input[name=password]", limit=3)
    page.keyboard.type(f"demo-{username}")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/me")


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_clerk_reaches_why_their_score_is_what_it_is(new_page, viewport):
    """From the score, one link to the table that explains it: each part, what it counts, what
    it adds, and what it means, readable on a phone."""
    page = log_in(new_page(viewport) if viewport else new_page(), "employee")
    tab_to(page, "a[href='#why']")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "why"
    assert focus_shows(page)
    region = page.locator("#why")
    assert region.get_attribute("aria-label") == "Why this score"
    box, height = region.bounding_box(), page.viewport_size["height"]
    # scrolled into view, a little below the top so that its focus outline shows whole
    assert box is not None and 5 <= box["y"] < height
    text = region.inner_text()
    for part in ("Breadth", "Accuracy", "Speed", "Consistency"):
        assert part in text
    meaning = page.locator("#why tbody tr td:last-child").first
    assert meaning.bounding_box()["width"] >= 200  # a sentence, not a word per line
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_admin_corrects_and_replays_one_item_and_discards_another(new_page):
    page = log_in(new_page(), "admin")
    reasons = page.eval_on_selector_all(
        "select[name=reason] option", "options => options.map(o => o.value)"
    )
    negative = next(r for r in reasons if r.startswith("duration_ms: Must be greater"))
    page.goto("/admin/quarantine?" + _query(reason=negative))
    item = page.locator("table.qlist tbody a").first.get_attribute("href")
    tab_to(page, f"table.qlist a[href='{item}']", limit=80)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(item)
    assert "it would still fail" in page.inner_text("main")
    assert page.locator("button:text-is('Replay as stored')").count() == 0
    stored = json.loads(page.locator("pre[aria-label='Payload']").inner_text())
    tab_to(page, "textarea[name=corrected]")  # the correction form is open: it would fail
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(json.dumps({**stored, "duration_ms": 1500}))
    tab_to(page, "details form[action$='/replay'] button[type=submit]", limit=3)
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.keyboard.press("Enter")
    flash = page.locator("p.flash.ok").inner_text()
    number = item.rsplit("/", 1)[1]
    assert flash.startswith(f"Item {number} replayed: 1 accepted")

    second = page.locator("table.qlist tbody a").first.get_attribute("href")
    assert second != item
    tab_to(page, f"table.qlist a[href='{second}']", limit=80)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "form[action$='/discard'] button[type=submit]")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("p.flash.ok").inner_text() == f"Item {second.rsplit('/', 1)[1]} discarded."


def _query(**criteria: str) -> str:
    from urllib.parse import urlencode

    return urlencode(criteria)
