"""Each role in a browser: its home page and tables, and 403 pages where it does not belong."""

from __future__ import annotations

import pytest

from tests.browser.helpers import log_in, table_rows

pytestmark = pytest.mark.browser


def test_manager_reads_its_board_and_gets_the_403_page_on_another_store(new_page):
    page = log_in(new_page(), "manager")
    assert page.url.endswith("/sites/S001/leaderboard")
    rows = table_rows(page, "table.board")
    assert rows and all(row[0].split()[0].isdigit() for row in rows)  # rank first (then its move)
    response = page.goto("/sites/S002/leaderboard")
    assert response.status == 403
    assert "Not allowed" in page.inner_text("h1")
    assert "outside the sites of your login" in page.inner_text("main")


def test_manager_gets_the_403_page_for_champions_and_pilots(new_page):
    page = log_in(new_page(), "manager")
    for path in ("/champions", "/pilots"):
        response = page.goto(path)
        assert response.status == 403
        assert "Not allowed" in page.inner_text("h1")


def test_employee_sees_its_progress_and_403_for_hr_pages(new_page):
    page = log_in(new_page(), "employee")
    assert page.url.endswith("/me")
    response = page.goto("/champions")
    assert response.status == 403
    assert page.locator(".error-page").count() == 1


def test_admin_reaches_champions_and_pilots_from_the_nav(new_page):
    page = log_in(new_page(), "admin")
    page.click("nav a:text-is('Champions')")
    page.wait_for_url("**/champions")
    assert table_rows(page, "table.months")
    page.click("nav a:text-is('Pilots')")
    page.wait_for_url("**/pilots")
    assert page.locator("#curve-chart > svg").count() == 1


def test_malformed_month_gets_the_404_page(new_page):
    page = log_in(new_page(), "hr")
    response = page.goto("/champions/2026-13")
    assert response.status == 404
    assert "There is no such month" in page.inner_text("main")
