"""Pages in the reader's language: English ("en", the default) and Simplified Chinese ("zh").

Flask-Babel, set up by `init_app` from `create_app`; the catalog is `api/translations/zh/
LC_MESSAGES/messages.po` (compiled `.mo` beside it, committed; tests/web/test_untranslated.py
fails when they differ or a message lacks its translation). The languages are
`adoption.locales.LOCALES`.

The locale of a request (`select_locale`), first that applies:
1. the signed-in account's own choice (`Account.locale`, set by the header's language switch
   or `PUT /api/v1/account/locale`);
2. the `lang` cookie, the switch's choice for someone not signed in;
3. `Accept-Language`, in the browser's order of preference: any Chinese tag (zh, zh-CN, zh-Hans,
   zh-SG, and also zh-TW/zh-Hant/zh-HK: Simplified Chinese is the only Chinese there is, and
   closer to a Traditional reader than English) is "zh";
4. English.
The store TV (/display/<token>) reads no session and no cookie: only its browser's
Accept-Language. A response whose wording depended on these says so in `Vary`.

Outside a request (a job, the CLI, an e-mail) use `flask_babel.force_locale(locale)` inside an
app context; `translated(locale, func, ...)` does both. Python code marks a message with
`_()` / `ngettext()` where it is shown and `N_()` where a constant is defined (then `_(CONST)` at
the point of use), so `pybabel extract` finds it (docs/operations.md "Languages").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TypeVar

from babel import Locale, dates, numbers
from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask import session as web_session
from flask_babel import Babel, force_locale, get_locale
from flask_babel import gettext as flask_gettext

from adoption.locales import DEFAULT_LOCALE, LOCALES, NAMES, checked_locale, say
from api import auth

LANG_COOKIE = "lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600
HTML_LANG = {"en": "en", "zh": "zh-Hans"}  # BCP 47 for <html lang>: the script matters
# Dates as each locale writes them; English keeps the ISO forms the pages always used. The
# formatters below are Babel's (as Flask-Babel's format_* are) with `babel_locale()`, so they
# also work outside an app context.
DAY_FORMATS = {"en": "yyyy-MM-dd", "zh": "yyyy年M月d日"}
WHEN_FORMATS = {"en": "yyyy-MM-dd HH:mm 'UTC'", "zh": "yyyy年M月d日 HH:mm 'UTC'"}
LONG_DAY_FORMATS = {"en": "d MMMM yyyy", "zh": "yyyy年M月d日"}
T = TypeVar("T")


def N_(message: str) -> str:  # gettext's name for "mark only"
    """Marks a constant for extraction; translate it where it is shown with `_(CONSTANT)`."""
    return message


def init_app(app: Flask) -> None:
    """Flask-Babel with `select_locale`, the trimmed `{% trans %}` policy (as babel.cfg
    extracts), the locale helpers for templates and the `Vary` header."""
    Babel(app, locale_selector=select_locale)
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals.update(
        html_lang=html_lang, current_locale=current_locale, locale_names=NAMES
    )
    app.jinja_env.filters.update(month_name=month_name, long_day=long_day, say=said)
    app.after_request(_vary)


def said(text: object) -> object:
    """`{{ text|say }}`: a domain sentence (`adoption.locales.Text`, or a msgid) in the
    current locale."""
    return say(text, flask_gettext)


def select_locale() -> str:
    """The request's locale (see the module docstring)."""
    if not has_request_context():
        return DEFAULT_LOCALE
    g.locale_negotiated = True
    if request.blueprint != "display":
        chosen = _account_locale() or request.cookies.get(LANG_COOKIE)
        if chosen in LOCALES:
            return chosen
    return accepted_locale(request.accept_languages)


def _account_locale() -> str | None:
    if auth.ACCOUNT_KEY not in web_session:
        return None
    account = auth.session_account()
    return account.locale if account is not None else None


def accepted_locale(accepted) -> str:
    """The first of the browser's languages (by preference) we speak, by its primary tag."""
    for tag, _quality in accepted:  # werkzeug keeps them sorted by quality
        primary = tag.split("-")[0].split("_")[0].lower()
        if primary in LOCALES:
            return primary
    return DEFAULT_LOCALE


def _vary(response):
    if g.get("locale_negotiated"):
        response.vary.add("Accept-Language")
        if request.blueprint != "display":
            response.vary.add("Cookie")
    return response


def babel_locale() -> Locale:
    """Flask-Babel's locale in force; English outside an app set up with Babel (a unit test
    calling a formatter bare)."""
    babel = has_app_context() and "babel" in current_app.extensions
    return (get_locale() if babel else None) or Locale.parse(DEFAULT_LOCALE)


def current_locale() -> str:
    """The locale in force, as `adoption.locales` names it ("en" for one we do not speak)."""
    language = babel_locale().language
    return language if language in LOCALES else DEFAULT_LOCALE


def html_lang(locale: str | None = None) -> str:
    return HTML_LANG.get(locale or current_locale(), "en")


def translated(locale: str, func: Callable[..., T], *args, **kwargs) -> T:
    """`func(*args, **kwargs)` worded in `locale`, in or out of a request (needs an app
    context: a job or CLI command opens one with `app.app_context()`)."""
    with force_locale(checked_locale(locale)):
        return func(*args, **kwargs)


def day(value: date | None) -> str:
    if value is None:
        return "—"
    return dates.format_date(value, DAY_FORMATS[current_locale()], locale=babel_locale())


def when(value: datetime | None) -> str:
    """A UTC instant as the locale writes it, always in UTC (the pages say so)."""
    if value is None:
        return "—"
    pattern = WHEN_FORMATS[current_locale()]
    return dates.format_datetime(value, pattern, tzinfo=UTC, locale=babel_locale())


def long_day(value: date | None) -> str:
    """'19 November 2026' / '2026年11月19日'."""
    if value is None:
        return "—"
    return dates.format_date(value, LONG_DAY_FORMATS[current_locale()], locale=babel_locale())


def month_name(value: date | None) -> str:
    """'November 2026' / '2026年11月'."""
    if value is None:
        return "—"
    return dates.format_skeleton("yMMMM", value, locale=babel_locale())


def decimal(value: float, places: int, *, grouping: bool = True) -> str:
    """`value` with exactly `places` decimals (and grouping), in the locale's symbols."""
    return numbers.format_decimal(value, _pattern(places, grouping), locale=babel_locale())


def percent(value: float, places: int = 0) -> str:
    """0.734 → '73%' (places=0), in the locale's symbols."""
    return numbers.format_percent(value, _pattern(places, True) + "%", locale=babel_locale())


def _pattern(places: int, grouping: bool) -> str:
    return ("#,##0" if grouping else "0") + ("." + "0" * places if places > 0 else "")
