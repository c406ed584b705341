"""Pages in English and Simplified Chinese: the account's choice, then the `lang` cookie, then
Accept-Language, then English (api/i18n.py); the language switch; dates and numbers per locale."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from adoption.identity.models import Account
from adoption.models import AuditLog
from api import i18n
from api.web.render import num, pct, signed
from rewards.display import create_display
from tests.web.html import csrf_token, visible_text
from tests.web.team import build_team

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
BOARD = "/sites/S1/leaderboard"


def switch(client, locale: str, next_path: str = "/login", page: str = "/login"):
    token = csrf_token(client.get(page).text)
    return client.post(
        "/account/language", data={"locale": locale, "next": next_path, "csrf_token": token}
    )


def test_english_is_the_default(client):
    response = client.get("/login")
    assert '<html lang="en">' in response.text
    assert "Sign in" in visible_text(response.text)


@pytest.mark.parametrize("header", ["zh", "zh-CN", "zh-Hans", "zh-SG", "zh-TW", "en;q=0.5, zh"])
def test_accept_language_chinese_gives_the_chinese_login_page(client, header):
    response = client.get("/login", headers={"Accept-Language": header})
    assert '<html lang="zh-Hans">' in response.text
    text = visible_text(response.text)
    assert "登录" in text and "用户名" in text and "Username" not in text


def test_a_language_we_do_not_speak_falls_back_to_english(client):
    response = client.get("/login", headers={"Accept-Language": "de-DE, fr;q=0.8"})
    assert "Username" in visible_text(response.text)


def test_a_page_says_it_varies_on_accept_language_and_cookie(client):
    vary = client.get("/login", headers=ZH).headers["Vary"]
    assert "Accept-Language" in vary and "Cookie" in vary


def test_the_leaderboard_reads_in_chinese(session, page_clock, sign_in):
    build_team(session)
    client = sign_in("hr")
    text = visible_text(client.get(BOARD, headers=ZH).text)
    assert "排名" in text and "积分" in text and "本周" in text  # Rank, Points, This week
    assert "Rank" not in text and "Ranked by" not in text


def test_the_accounts_choice_beats_accept_language(client, sign_in, session):
    client = sign_in("hr")
    account = session.scalars(select(Account).where(Account.username == "hr-web")).one()
    account.locale = "en"
    session.commit()
    text = visible_text(client.get("/account/password", headers=ZH).text)
    assert "Change password" in text and "修改密码" not in text


def test_the_cookie_chooses_for_someone_signed_out(client):
    client.set_cookie("lang", "zh")
    assert "用户名" in visible_text(client.get("/login").text)
    client.set_cookie("lang", "xx")  # not a language we speak: ignored
    assert "Username" in visible_text(client.get("/login").text)


def test_switching_signed_out_sets_the_cookie_and_goes_back(client):
    response = switch(client, "zh", "/login?next=/champions")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/champions"
    assert "lang=zh" in response.headers["Set-Cookie"]
    assert "用户名" in visible_text(client.get("/login").text)
    switch(client, "en")
    assert "Username" in visible_text(client.get("/login").text)


def test_switching_signed_in_keeps_the_choice_on_the_account_and_audits_it(
    client, sign_in, session
):
    client = sign_in("hr")
    response = switch(client, "zh", "/account/password", page="/account/password")
    assert response.headers["Location"] == "/account/password"
    assert "lang=" not in response.headers.get("Set-Cookie", "")
    account = session.scalars(select(Account).where(Account.username == "hr-web")).one()
    session.refresh(account)
    assert account.locale == "zh"
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "account.locale")).one()
    assert (audit.actor, audit.target, audit.details) == (
        "hr-web",
        "hr-web",
        {"locale": [None, "zh"]},
    )
    # The account's choice beats an English browser.
    page = client.get("/account/password", headers={"Accept-Language": "en"})
    assert "修改密码" in visible_text(page.text)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"]
)
def test_the_switch_goes_back_only_to_a_local_path(client, target):
    response = switch(client, "zh", target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_the_switch_refuses_a_language_we_do_not_speak(client):
    response = switch(client, "fr")
    assert response.status_code == 400
    assert "Set-Cookie" not in response.headers or "lang=" not in response.headers["Set-Cookie"]


def test_the_switch_needs_the_forms_token(client):
    client.get("/login")
    response = client.post("/account/language", data={"locale": "zh", "next": "/login"})
    assert response.status_code == 400


def test_the_header_offers_the_other_language(client):
    english = client.get("/login?next=/champions").text
    assert 'value="zh"' in english and "简体中文" in english
    assert 'name="next" value="/login?next=/champions"' in english  # back to this page
    chinese = client.get("/login", headers=ZH).text
    assert 'value="en"' in chinese and 'value="zh"' not in chinese


def test_dates_are_written_per_locale(app):
    day, instant = date(2026, 11, 19), datetime(2026, 11, 19, 14, 5, tzinfo=UTC)
    with app.test_request_context("/"):
        assert (i18n.day(day), i18n.when(instant)) == ("2026-11-19", "2026-11-19 14:05 UTC")
        assert i18n.long_day(day) == "19 November 2026"
        assert i18n.month_name(day) == "November 2026"
        with force_locale("zh"):
            assert (i18n.day(day), i18n.when(instant)) == (
                "2026年11月19日",
                "2026年11月19日 14:05 UTC",
            )
            assert i18n.month_name(day) == "2026年11月"


def test_numbers_are_written_with_the_locales_symbols(app):
    with app.test_request_context("/"):
        assert (num(1234.5), pct(0.734), pct(0.7351, 1), signed(-5.2)) == (
            "1,234.50",
            "73%",
            "73.5%",
            "−5.20",
        )
        with force_locale("zh"):
            assert (num(1234.5), pct(0.734)) == ("1,234.50", "73%")  # CLDR zh: as English
        with force_locale("de"):  # the filters follow the locale's symbols, whatever it is
            assert (num(1234.5), signed(1234.5)) == ("1.234,50", "+1234,50")


def test_translated_words_a_message_outside_a_request(app):
    with app.app_context():
        assert i18n.translated("zh", gettext, "Sign in") == "登录"
        assert i18n.translated("en", gettext, "Sign in") == "Sign in"


def test_the_store_display_follows_its_browser_only(client, session, make_site, page_clock):
    site = make_site("S001")
    _link, token = create_display(
        session, site, name="tv", expires_in_days=None, now=page_clock, actor="t"
    )
    session.commit()
    client.set_cookie("lang", "zh")  # the TV reads no cookie
    assert "Points" in visible_text(client.get(f"/display/{token}").text)
    page = client.get(f"/display/{token}", headers=ZH)
    assert "积分" in visible_text(page.text) and '<html lang="zh-Hans">' in page.text
    assert "Accept-Language" in page.headers["Vary"]
