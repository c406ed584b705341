"""What the browser tests do on a page: sign in, read a table, save a screenshot."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
LOGINS = {  # role → the demo's username; the password is demo-<username>
    "admin": "admin",
    "hr": "hr",
    "rollout_lead": "rollout",
    "manager": "manager",
    "employee": "employee",
}
DESKTOP = {"width": 1366, "height": 768}  # the commonest laptop screen
PHONE = {"width": 390, "height": 844}


def log_in(page: Page, role: str) -> Page:
    """Signs in through the login form and waits for the role's home page."""
    username = LOGINS[role]
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"demo-{username}")
    with page.expect_navigation():
        page.click("button[type=submit]:has-text('Sign in')")
    assert "/login" not in page.url, page.inner_text("main")
    return page


def table_rows(page: Page, selector: str) -> list[list[str]]:
    """The cell texts of each body row of the table."""
    return page.eval_on_selector_all(
        f"{selector} tbody tr",
        "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText.trim()))",
    )


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
