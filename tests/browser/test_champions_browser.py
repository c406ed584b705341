"""HR in a browser: the months, a month's champions, an export download, closing a month via
its confirm step, and an admin reopening it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

from tests.browser.helpers import PHONE, log_in, shot, table_rows

pytestmark = pytest.mark.browser

CSV_HEADER = "month,site_id,user_id,display_name,points,score,rank_reason,status,version"
SITES = ["S001", "S002", "S003", "S004", "S005", "S006"]


def months(page: Page) -> list[list[str]]:
    page.goto("/champions")
    return table_rows(page, "table.months")


def test_hr_lands_on_the_months_and_reads_a_months_champions(new_page):
    page = log_in(new_page(), "hr")
    assert page.url.endswith("/champions")
    rows = table_rows(page, "table.months")
    current = rows[0]
    assert re.fullmatch(r"\d{4}-\d{2}", current[0])
    assert "not over" in current[1]  # the current month is still running
    page.click(f"table.months a:text-is('{current[0]}')")
    page.wait_for_url(f"**/champions/{current[0]}")
    champions = table_rows(page, "table.champions")
    assert [row[0].split(" · ")[0] for row in champions] == SITES  # "S001 · <name>"
    assert all(row[4] for row in champions)  # every site has its reason
    assert page.inner_text("#readiness").startswith("Not ready:")
    assert page.locator("form[action$='/close']").count() == 0


def test_hr_downloads_a_draft_month_as_csv_with_bom_and_header(new_page):
    page = log_in(new_page(), "hr")
    month = table_rows(page, "table.months")[0][0]
    page.goto(f"/champions/{month}")
    with page.expect_download() as info:
        page.click("a:has-text('Export CSV')")
    download = info.value
    assert download.suggested_filename == f"champions-{month}-v1-DRAFT.csv"
    content = download.path().read_bytes()
    assert content.startswith(b"\xef\xbb\xbf" + CSV_HEADER.encode() + b"\r\n")
    assert len(content.decode("utf-8-sig").splitlines()) == 1 + len(SITES)


def test_hr_downloads_the_xlsx_export_from_the_months_list(new_page):
    page = log_in(new_page(), "hr")
    with page.expect_download() as info:
        page.locator("table.months tbody tr").first.locator("a:text-is('XLSX')").click()
    download = info.value
    assert download.suggested_filename.endswith("-DRAFT.xlsx")
    assert download.path().read_bytes()[:2] == b"PK"  # a zip: the xlsx container


def test_hr_closes_last_month_through_the_confirm_step_and_admin_reopens_it(new_page):
    page = log_in(new_page(), "hr")
    over = [row for row in months(page) if "not over" not in row[1]]
    month = over[0][0]  # the newest month that is over everywhere: last month
    assert "draft" in over[0][1]
    page.goto(f"/champions/{month}")
    shot(page, "champions-month-before-close")
    close = page.locator(f"button:has-text('Close {month}')")

    page.once("dialog", lambda dialog: dialog.dismiss())  # "Cancel" keeps the draft
    close.click()
    assert page.locator("h1 .pill").inner_text() == "draft"

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        close.click()
    assert f"{month} is closed: version 1 is frozen." in page.inner_text("main")
    assert page.locator("h1 .pill").inner_text() == "closed"
    assert page.inner_text(".status-line").startswith("Closed by hr on ")
    assert [row[0].split(" · ")[0] for row in table_rows(page, "table.champions")] == SITES
    assert page.locator("form[action$='/reopen']").count() == 0  # hr may not reopen

    admin = log_in(new_page(), "admin")
    admin.goto(f"/champions/{month}")
    admin.fill("textarea[name=note]", "late events from the tills")
    admin.once("dialog", lambda dialog: dialog.accept())
    with admin.expect_navigation():
        admin.click(f"button:has-text('Reopen {month}')")
    text = admin.inner_text("main")
    assert f"{month} is reopened as draft version 2." in text
    assert "Reopened: late events from the tills" in text
    assert admin.locator("h1 .pill").inner_text() == "draft"
    shot(admin, "champions-month-reopened")
    with admin.expect_navigation():
        admin.click("a:text-is('v1 (closed)')")
    assert admin.locator("h1 .pill").inner_text() == "closed"


def test_a_months_champions_fit_a_phone(new_page):
    page = log_in(new_page(PHONE), "hr")
    month = table_rows(page, "table.months")[0][0]
    page.goto(f"/champions/{month}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert len(table_rows(page, "table.champions")) == len(SITES)
    assert page.locator("table.champions th.col-reason").is_hidden()  # shown under the name
