"""/account/password: a signed-in person changes their own password.

The current password is throttled like a sign-in (`adoption.identity.accounts.change_password`).
A change ends every other session of the account (other browsers, a copied cookie); this one
goes on with the new session version.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from adoption.errors import Invalid
from adoption.identity import accounts
from adoption.identity.credentials import MAX_PASSWORD
from api import auth, database
from api.i18n import N_
from api.web import bp
from api.web.login import MAX_FIELD, TOO_MANY, wait_text
from api.web.render import ANY_ROLE, now, page, render_page

WRONG_CURRENT = N_("This is not your current password.")
NOT_THE_SAME = N_("The two new passwords are not the same.")
TITLE = N_("Change password")
# `accounts.check_new_password`'s messages, as the page words them in the reader's language.
RULES = {
    f"At least {accounts.MIN_PASSWORD} characters.": N_("At least %(count)s characters."),
    f"At most {MAX_PASSWORD} characters.": N_("At most %(count)s characters."),
    "Must not be the username.": N_("Must not be the username."),
}


@bp.get("/account/password")
@page(*ANY_ROLE)
def password_form():
    return render_page("password.html", title=_(TITLE), errors={}, min_length=accounts.MIN_PASSWORD)


@bp.post("/account/password")
@page(*ANY_ROLE)
def change_password():
    current = request.form.get("current_password", "")[: MAX_FIELD + 1]
    new = request.form.get("new_password", "")[: MAX_FIELD + 1]
    if new != request.form.get("confirm_password", "")[: MAX_FIELD + 1]:
        return _form({"confirm_password": _(NOT_THE_SAME)}, 422)
    try:
        change = accounts.change_password(
            database.session(),
            auth.session_account(),
            current,
            new,
            address=auth.client_address(),
            now=now(),
        )
    except Invalid as exc:
        return _form({k: " ".join(map(_rule, v)) for k, v in exc.details.items()}, 422)
    if change.session_version is None:
        database.keep_on_error()  # the failure counts against the throttle and is audited
        if change.retry_after is not None:
            html, status, headers = _form(
                {"current_password": _(TOO_MANY, wait=wait_text(change.retry_after))}, 429
            )
            return html, status, {**headers, "Retry-After": str(change.retry_after)}
        return _form({"current_password": _(WRONG_CURRENT)}, 422)
    auth.renew_session(change.session_version)
    flash(_("Your password is changed. Every other session of your account has ended."), "ok")
    return redirect(url_for("web.home"))


def _rule(message: str) -> str:
    if message not in RULES:
        return message
    count = accounts.MIN_PASSWORD if message.startswith("At least") else MAX_PASSWORD
    return _(RULES[message], count=count)


def _form(errors: dict[str, str], status: int):
    return render_page(
        "password.html",
        title=_(TITLE),
        status=status,
        errors=errors,
        min_length=accounts.MIN_PASSWORD,
    )
