"""Login and logout with the session cookie; CSRF for every form of the blueprint.

The session, its CSRF token and the checks live in `api.auth`; this module only routes. Forms
carry the token in a hidden field (`{{ csrf_field() }}`); a POST to any web route whose field (or
`X-CSRF-Token` header) does not match gets the 400 page before the view runs. Logging in clears
the session (no fixation of a pre-login session, and a fresh token); logging out ends every
session of the account. Failed sign-ins are throttled per account and per address
(`adoption.identity.throttle`): past the free tries the form answers 429 with `Retry-After` and
says how long to wait. The password page is `api.web.password`.

/account/language is the header's language switch, for anyone: it keeps the choice on the
signed-in account (audited, `adoption.identity.accounts.set_locale`) or, signed out, in the
`lang` cookie, and goes back to the page it came from (a local path only).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup

from adoption.errors import Unreadable
from adoption.identity import accounts
from adoption.identity import login as identity_login
from adoption.locales import LOCALES
from api import auth, database, i18n
from api.i18n import N_
from api.web import bp
from api.web.render import now, render_page

log = logging.getLogger(__name__)
MAX_FIELD = 1024  # a longer username is cut here; a longer password is wrong without hashing
LOGIN_FAILED = N_("The username or password is not right.")
TOO_MANY = N_(
    "Too many failed sign-ins for this account or from this address. Try again in %(wait)s."
)


@bp.app_template_global("csrf_field")
def csrf_field() -> Markup:
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(auth.csrf_token())


@bp.before_request
def check_csrf() -> None:
    auth.check_csrf(form=True)


def safe_next(target: str | None) -> str | None:
    """A local path to return to after login, or None (never another host or scheme)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_path = safe_next(request.values.get("next"))
    if request.method == "GET":
        if auth.session_principal() is not None:
            return redirect(next_path or url_for("web.home"))
        return render_page("login.html", title=_("Sign in"), next_path=next_path)
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    if len(username) > MAX_FIELD:
        username = username[:MAX_FIELD]
    result = identity_login.log_in(
        database.session(), username, password, address=auth.client_address(), now=now()
    )
    if result.account_id is None:
        database.keep_on_error()  # a throttled attempt is audited like the others
        return _login_refused(username, next_path, result.retry_after)
    auth.sign_in(result.account_id, result.session_version)
    _warn_if_cookie_cannot_stick()
    return redirect(next_path or url_for("web.home"))


def _login_refused(username: str, next_path: str | None, retry_after: int | None):
    """The form again: 200 with one message for a wrong username or password, 429 with
    Retry-After and the wait while the account or this address is blocked."""
    if retry_after is None:
        error, status, headers = _(LOGIN_FAILED), 200, {}
    else:
        error = _(TOO_MANY, wait=wait_text(retry_after))
        status, headers = 429, {"Retry-After": str(retry_after)}
    html, status, page_headers = render_page(
        "login.html",
        title=_("Sign in"),
        status=status,
        next_path=next_path,
        username=username,
        error=error,
    )
    return html, status, {**page_headers, **headers}


def wait_text(seconds: int) -> str:
    """The wait as people read it: 12 seconds, 1 minute, 15 minutes (minutes rounded up)."""
    if seconds < 60:
        return ngettext("%(num)d second", "%(num)d seconds", seconds)
    return ngettext("%(num)d minute", "%(num)d minutes", -(-seconds // 60))


def _warn_if_cookie_cannot_stick() -> None:
    """A Secure cookie sent over plain HTTP is dropped by the browser: say why in the log."""
    if current_app.config.get("SESSION_COOKIE_SECURE") and not request.is_secure:
        log.warning(
            "sign-in over plain HTTP while UPTAKE_COOKIE_SECURE is on: browsers drop the "
            "session cookie. Serve over HTTPS (behind a proxy: set UPTAKE_PROXY_HOPS), or set "
            "UPTAKE_COOKIE_SECURE=off for a plain-HTTP trial."
        )


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """GET asks (a cross-site link cannot sign anyone out); the form POSTs with its token and
    ends every session of the account, on every device (a copied cookie too)."""
    if request.method == "GET":
        if auth.session_principal() is None:
            return redirect(url_for("web.login"))
        return render_page("logout.html", title=_("Sign out"))
    auth.sign_out()
    flash(_("You are signed out."), "ok")
    return redirect(url_for("web.login"))


@bp.post("/account/language")
def set_language():
    """The language switch (a form in every page's header): the account's choice when signed
    in, else the `lang` cookie for a year; then back to `next` when it is a local path."""
    locale = request.form.get("locale", "")
    if locale not in LOCALES:
        raise Unreadable(_("Choose one of the languages offered."), {"locale": list(LOCALES)})
    response = redirect(safe_next(request.form.get("next")) or url_for("web.home"))
    account = auth.session_account()
    if account is not None:
        principal = auth.session_principal()
        accounts.set_locale(database.session(), account, locale, actor=principal.name, now=now())
    else:
        response.set_cookie(
            i18n.LANG_COOKIE,
            locale,
            max_age=i18n.LANG_COOKIE_MAX_AGE,
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
            httponly=True,
            samesite="Lax",
        )
    return response
