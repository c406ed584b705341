"""Login and logout with the session cookie; CSRF for every form of the blueprint.

The session, its CSRF token and the checks live in `api.auth`; this module only routes. Forms
carry the token in a hidden field (`{{ csrf_field() }}`); a POST to any web route whose field (or
`X-CSRF-Token` header) does not match gets the 400 page before the view runs. Logging in clears
the session (no fixation of a pre-login session, and a fresh token); logging out clears it too.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, request, url_for
from markupsafe import Markup

from adoption.identity import credentials
from api import auth, database
from api.web import bp
from api.web.render import render_page

MAX_FIELD = 1024  # longer credentials are wrong without hashing them
LOGIN_FAILED = "The username or password is not right."


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
        return render_page("login.html", title="Sign in", next_path=next_path)
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    account_id = _authenticate(username, password)
    if account_id is None:
        return render_page(
            "login.html",
            title="Sign in",
            next_path=next_path,
            username=username,
            error=LOGIN_FAILED,
        )
    auth.sign_in(account_id)
    return redirect(next_path or url_for("web.home"))


def _authenticate(username: str, password: str) -> int | None:
    """The account id for a right username and password; None, whichever part was wrong."""
    if not username or len(username) > MAX_FIELD or len(password) > MAX_FIELD:
        return None
    return credentials.login_account_id(database.session(), username, password)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """GET asks (a cross-site link cannot sign anyone out); the form POSTs with its token."""
    if request.method == "GET":
        if auth.session_principal() is None:
            return redirect(url_for("web.login"))
        return render_page("logout.html", title="Sign out")
    auth.sign_out()
    flash("You are signed out.", "ok")
    return redirect(url_for("web.login"))
