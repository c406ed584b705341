"""Each role's main pages in English and Simplified Chinese, at phone width (390 px).

The reader's language comes from the browser (`Accept-Language`, set by a context's `locale`)
or from the header's language switch (kept on the signed-in account, or in the `lang` cookie
when signed out). Every page is checked for `<html lang>`, its header and navigation, its main
heading (or, where that is a name, its main translated wording) and that nothing is wider than
the phone's viewport. One server and one browser (conftest);
each test has its own context, closed at its end.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page
from sqlalchemy.orm import Session

from adoption.db import make_engine
from adoption.masterdata.cards import carded_actions
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.helpers import LOGINS, PHONE, shot

pytestmark = pytest.mark.browser

CJK = re.compile(r"[\u3400-\u9fff]")
HTML_LANG = {"en": "en", "zh-CN": "zh-Hans"}
LANGS = ("en", "zh-CN")  # the browser's locale (and so its Accept-Language)
# The header's own words, which a Chinese page must not show (the switch's "English" aside).
HEADER_EN = ("Sign out", "Password", "Sign in")


@dataclass(frozen=True)
class Check:
    """A page's main wording: `selector`'s text is `english` in English; in Chinese it has CJK
    characters and not `english`."""

    selector: str
    english: str


LOGIN = Check("main h1", "Sign in")
BOARD = Check(".board-head form.controls", "Ranked by")  # h1: the site's own name
ME = Check("main h2 >> nth=0", "My score")  # h1: the person's own name
CHAMPIONS = Check("main h1", "Champions")
PILOTS = Check("main h1", "Pilots")
READINESS = Check("main h1", "Readiness rules")
CARD = Check(".quick-card .feature", "Quick-reference card")
NAV = {  # role → its English navigation links
    "manager": ["Board S001", "Store vs store"],
    "employee": ["My progress", "Store board"],
    "hr": ["Champions", "Boards", "Store vs store"],
    "rollout_lead": ["Pilots", "Boards", "Store vs store"],
}


@pytest.fixture(scope="module")
def card_action(demo_settings) -> str | None:
    """A feature with a quick-reference card in the seeded chain (the demo writes two)."""
    engine = make_engine(demo_settings.database_url)
    try:
        with Session(engine) as session:
            return min(carded_actions(session), default=None)
    finally:
        engine.dispose()


@pytest.fixture
def open_context(browser, base_url, request):
    """`open_context(locale)`: a fresh phone-sized context (no cookies) whose browser speaks
    `locale`; its page is left as a screenshot, test-artifacts/screenshots/<test>-<n>.png."""
    opened = []

    @contextmanager
    def make(locale: str) -> Iterator[Page]:
        context = browser.new_context(base_url=base_url, viewport=PHONE, locale=locale)
        context.set_default_timeout(TIMEOUT_MS)
        opened.append(context)
        name = f"languages-{request.node.name}-{len(opened)}"
        page = context.new_page()
        try:
            yield page
        finally:
            shot(page, name)
            context.close()

    return make


def sign_in(page: Page, role: str) -> None:
    """The login form in whatever language it is shown: its own submit button, not the
    header's language switch."""
    username = LOGINS[role]
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"demo-{username}")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/login" not in page.url, page.inner_text("main")


def header_words(page: Page) -> str:
    """The header's text without the language switch (which names the other language in it)."""
    return page.eval_on_selector(
        "header.topbar",
        """h => { const c = h.cloneNode(true);
                  c.querySelectorAll('.lang-switch').forEach(f => f.remove());
                  return c.innerText; }""",
    )


def check_page(page: Page, lang: str, check: Check, nav: list[str] | None = None) -> None:
    """<html lang>, the header and navigation, the page's wording and that it fits a phone."""
    where = f"{page.url} ({lang})"
    assert page.get_attribute("html", "lang") == HTML_LANG[lang], where
    header = header_words(page)
    links = [t.strip() for t in page.locator("header nav a").all_inner_texts()]
    if lang == "en":
        assert not CJK.search(header), f"{where}: Chinese in the header: {header!r}"
        assert links == (nav or []), where
        assert page.locator(".lang-switch button[value=zh]").count() == 1, where
    else:
        assert not any(word in header for word in HEADER_EN), f"{where}: {header!r}"
        assert len(links) == len(nav or []), where
        for link, english in zip(links, nav or [], strict=True):
            assert CJK.search(link) and link != english, f"{where}: nav link {link!r}"
        assert page.locator(".lang-switch button[value=en]").count() == 1, where
    text = page.locator(check.selector).first.inner_text()
    if lang == "en":
        assert check.english in text and not CJK.search(text), f"{where}: {text!r}"
    else:
        assert CJK.search(text) and check.english not in text, f"{where}: {text!r}"
    fits = "document.documentElement.scrollWidth <= window.innerWidth + 1"
    assert page.evaluate(fits), f"{where}: wider than the phone: {too_wide(page)}"


def too_wide(page: Page) -> list:
    """[scrollWidth, innerWidth, the outermost elements past the right edge that no scrolling
    box holds (an absolutely placed one may escape its box)]: what to fix when a page does not
    fit."""
    return page.evaluate(
        """() => {
          const w = window.innerWidth, scrolls = e => {
            for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
              if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(a).overflowX))
                return true;
            }
            return false;
          };
          const loose = e => ['absolute', 'fixed'].includes(getComputedStyle(e).position);
          const past = Array.from(document.querySelectorAll('body *')).filter(
            e => e.getBoundingClientRect().right > w + 1 && (loose(e) || !scrolls(e)));
          const outer = past.filter(e => !past.includes(e.parentElement));
          return [document.documentElement.scrollWidth, w, outer.slice(0, 6).map(
            e => `${e.tagName.toLowerCase()}.${e.className} ` +
                 `${Math.round(e.getBoundingClientRect().right)}px ` +
                 `"${(e.innerText || '').slice(0, 40)}"`)];
        }"""
    )


def visit(page: Page, path: str) -> Page:
    response = page.goto(path)
    assert response.status == 200, f"{path}: {response.status}"
    return page


@pytest.mark.parametrize("lang", LANGS)
def test_login_page_speaks_the_browsers_language(open_context, lang):
    with open_context(lang) as page:
        check_page(visit(page, "/login"), lang, LOGIN)


@pytest.mark.parametrize("lang", LANGS)
def test_manager_board(open_context, lang):
    with open_context(lang) as page:
        sign_in(page, "manager")
        assert page.url.endswith("/sites/S001/leaderboard")
        check_page(page, lang, BOARD, NAV["manager"])


@pytest.mark.parametrize("lang", LANGS)
def test_employee_progress(open_context, lang):
    with open_context(lang) as page:
        sign_in(page, "employee")
        assert page.url.endswith("/me")
        check_page(page, lang, ME, NAV["employee"])


@pytest.mark.parametrize("lang", LANGS)
def test_hr_champions(open_context, lang):
    with open_context(lang) as page:
        sign_in(page, "hr")
        assert page.url.endswith("/champions")
        check_page(page, lang, CHAMPIONS, NAV["hr"])


@pytest.mark.parametrize("lang", LANGS)
def test_rollout_lead_pilots_readiness_and_card(open_context, card_action, lang):
    with open_context(lang) as page:
        sign_in(page, "rollout_lead")
        assert page.url.endswith("/pilots")
        check_page(page, lang, PILOTS, NAV["rollout_lead"])
        check_page(visit(page, "/pilots/readiness"), lang, READINESS, NAV["rollout_lead"])
        if card_action is None:
            pytest.skip("the seeded chain has no quick-reference card")
        check_page(visit(page, f"/cards/{card_action}"), lang, CARD, NAV["rollout_lead"])
        title = page.inner_text(".quick-card h1")
        assert bool(CJK.search(title)) == (lang != "en"), title  # the demo writes both cards


def switch_to(page: Page, code: str) -> None:
    """Presses the header's switch to `code` ("en" or "zh") and waits to be back."""
    before = page.url
    with page.expect_navigation():
        page.click(f".lang-switch button[value={code}]")
    assert page.url == before


def test_signed_out_switch_keeps_the_choice_in_a_cookie(open_context):
    with open_context("en") as page:
        visit(page, "/login")
        check_page(page, "en", LOGIN)
        switch_to(page, "zh")
        check_page(page, "zh-CN", LOGIN)
        page.reload()
        check_page(page, "zh-CN", LOGIN)
        cookies = {c["name"]: c["value"] for c in page.context.cookies()}
        assert cookies.get("lang") == "zh"
        switch_to(page, "en")
        check_page(page, "en", LOGIN)


def test_signed_in_switch_persists_on_the_account(open_context, card_action):
    """The rollout lead chooses Chinese in an English browser: every page follows, after a
    reload and in a new session too; English again, then the account follows the browser."""
    with open_context("en") as page:
        sign_in(page, "rollout_lead")
        try:
            switch_to(page, "zh")
            check_page(page, "zh-CN", PILOTS, NAV["rollout_lead"])
            page.reload()
            check_page(page, "zh-CN", PILOTS, NAV["rollout_lead"])
            check_page(visit(page, "/pilots/readiness"), "zh-CN", READINESS, NAV["rollout_lead"])
            if card_action is not None:
                check_page(visit(page, f"/cards/{card_action}"), "zh-CN", CARD, NAV["rollout_lead"])
            with open_context("en") as again:  # another browser, English: the account decides
                sign_in(again, "rollout_lead")
                check_page(again, "zh-CN", PILOTS, NAV["rollout_lead"])
            visit(page, "/pilots/readiness")
            switch_to(page, "en")
            check_page(page, "en", READINESS, NAV["rollout_lead"])
            page.reload()
            check_page(page, "en", READINESS, NAV["rollout_lead"])
        finally:  # the account follows the browser again, as the other tests expect
            token = page.get_attribute("input[name=csrf_token]", "value")
            reset = page.request.put(
                "/api/v1/account/locale", data={"locale": None}, headers={"X-CSRF-Token": token}
            )
            assert reset.status == 200, reset.text()
            assert reset.json() == {"locale": None}
