"""Login and logout with the session cookie, and CSRF protection for every form of the blueprint.

CSRF: each session holds one random token (`session["csrf_token"]`, made on first use). Forms
carry it in a hidden field (`{{ csrf_field() }}`); a POST to any web route whose field (or
`X-CSRF-Token` header) does not match gets the 400 page before the view runs. Logging in clears
the session (no fixation of a pre-login session, and a fresh token); logging out clears it too.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from flask import abort, flash, redirect, request, session, url_for
from markupsafe import Markup
from sqlalchemy import select

from adoption.identity import credentials
from adoption.identity.models import Account
from adoption.masterdata.cleaning import key_of
from api import database
from api.web import bp
from api.web.render import render_page, signed_in

CSRF_KEY = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_FIELD = 1024  # longer credentials are wrong without hashing them
LOGIN_FAILED = "The username or password is not right."


def csrf_token() -> str:
    token = session.get(CSRF_KEY)
    if not token:
        token = session[CSRF_KEY] = secrets.token_urlsafe(32)
    return token


@bp.app_template_global("csrf_field")
def csrf_field() -> Markup:
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(csrf_token())


@bp.before_request
def check_csrf() -> None:
    if request.method in SAFE_METHODS:
        return
    expected = session.get(CSRF_KEY)
    sent = request.form.get(CSRF_KEY) or request.headers.get("X-CSRF-Token") or ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, "This form has expired or did not come from this site. Reload and try again.")


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
        if signed_in() is not None:
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
    session.clear()
    session[CSRF_KEY] = secrets.token_urlsafe(32)
    session["account_id"] = account_id
    return redirect(next_path or url_for("web.home"))


def _authenticate(username: str, password: str) -> int | None:
    """The account id for a right username and password; None, whichever part was wrong."""
    if not username or len(username) > MAX_FIELD or len(password) > MAX_FIELD:
        return None
    db = database.session()
    principal = credentials.authenticate_account(db, username, password)
    if principal is None:
        return None
    return db.scalar(select(Account.id).where(Account.username_key == key_of(username)))


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """GET asks (a cross-site link cannot sign anyone out); the form POSTs with its token."""
    if request.method == "GET":
        if signed_in() is None:
            return redirect(url_for("web.login"))
        return render_page("logout.html", title="Sign out")
    session.clear()
    flash("You are signed out.", "ok")
    return redirect(url_for("web.login"))
