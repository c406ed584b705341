"""HR's month page in a browser: names beside the codes, the status line ("Ready to close" for
last month, "Not ready: …" for the running one), the Close button at the top (disabled while not
ready; the confirm dialog kept) and the DRAFT banner until the month is closed.

The demo chain is shared by the run, so last month may arrive closed (another test closed it):
an admin reopens it first, and reopens it again at the end, leaving it a draft as found.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

from tests.browser.helpers import log_in, table_rows

pytestmark = pytest.mark.browser

SITE = re.compile(r"S\d{3} · \S.*")
PERSON = re.compile(r"E\d+ · \S.*")
BANNER = "DRAFT — not for payroll."


def month_rows(page: Page) -> list[list[str]]:
    page.goto("/champions")
    return table_rows(page, "table.months")


def reopen(admin: Page, month: str) -> None:
    """Admin reopens a closed month as a new draft through the page and its confirm dialog."""
    admin.goto(f"/champions/{month}")
    if admin.locator("h1 .pill").inner_text() != "closed":
        return
    admin.once("dialog", lambda dialog: dialog.accept())
    with admin.expect_navigation():
        admin.click(f"button:has-text('Reopen {month}')")
    assert admin.locator("h1 .pill").inner_text() == "draft"


def test_every_row_names_the_site_and_the_person_beside_their_codes(new_page):
    page = log_in(new_page(), "hr")
    shown_first = 0
    for month, *_ in month_rows(page):
        page.goto(f"/champions/{month}")
        for site, person, *_ in table_rows(page, "table.champions"):
            assert SITE.fullmatch(site), site
            assert person == "nobody" or PERSON.fullmatch(person), person
        if page.locator("table.first-proficient").count():
            for site, person, _since in table_rows(page, "table.first-proficient"):
                assert SITE.fullmatch(site) and PERSON.fullmatch(person), (site, person)
                shown_first += 1
    assert shown_first > 0  # the demo's go-lives give first-proficient awards


def test_the_running_month_is_not_ready_and_its_close_at_the_top_is_disabled(new_page):
    page = log_in(new_page(), "hr")
    month = month_rows(page)[0][0]
    page.goto(f"/champions/{month}")
    status = page.inner_text("#readiness")
    assert re.fullmatch(
        r"Not ready: \d of 6 stores (is|are) still in the month \((its|their) last day ends at "
        r"\d{4}-\d\d-\d\d \d\d:\d\d UTC \(midnight in .+\)\)",
        status,
    ), status
    close = page.locator(f".board-head button:has-text('Close {month}')")
    assert close.is_disabled()
    assert close.bounding_box()["y"] < page.locator("table.champions").bounding_box()["y"]
    assert "once every store's last day" in page.inner_text("#close-why")
    assert BANNER in page.inner_text(".draft-banner")
    assert page.locator("form[action$='/close']").count() == 0
    page.click("details.waiting summary")
    assert all(SITE.fullmatch(li) for li in page.locator("details.waiting li").all_inner_texts())


def test_last_month_is_ready_and_closes_from_the_top_then_drops_the_draft_banner(new_page):
    admin = log_in(new_page(), "admin")
    month = next(row[0] for row in month_rows(admin) if "not over" not in row[1])
    reopen(admin, month)

    page = log_in(new_page(), "hr")
    page.goto(f"/champions/{month}")
    assert page.inner_text("#readiness") == "Ready to close"
    assert page.locator(".draft-banner").inner_text().startswith(BANNER)
    close = page.locator(f".board-head button:has-text('Close {month}')")
    assert close.is_enabled()
    assert close.bounding_box()["y"] < page.locator("table.champions").bounding_box()["y"]

    page.once("dialog", lambda dialog: dialog.dismiss())  # "Cancel" keeps the draft
    close.click()
    assert page.locator("h1 .pill").inner_text() == "draft"

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        close.click()
    assert re.fullmatch(
        r"Closed by hr on \d{4}-\d\d-\d\d \d\d:\d\d UTC \(version \d+\)",
        page.inner_text("#readiness"),
    )
    assert page.locator(".draft-banner").count() == 0
    assert page.locator(f"button:has-text('Close {month}')").count() == 0

    reopen(admin, month)  # leave it a draft, as the other tests expect it
