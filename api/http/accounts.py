"""Web accounts: admins disable, enable and reset them; a signed-in person changes their own
password (each change ends the account's sessions, `adoption.identity.accounts`) and reads or
sets their own language (`api.i18n`)."""

from __future__ import annotations

from flask import g

from adoption.identity import accounts
from api import auth, clock, database, errors
from api.auth import requires, requires_account
from api.http.blueprint import Blueprint
from api.schemas.accounts import (
    AccountSchema,
    LocaleSchema,
    PasswordChangeSchema,
    PasswordResetResultSchema,
    PasswordResetSchema,
)

bp = Blueprint("accounts", __name__, description="Web accounts and their passwords.")
WRONG_CURRENT = {"current_password": ["This is not the current password."]}


@bp.post("/accounts/<username>/disable")
@requires()
@bp.response(200, AccountSchema)
def disable(username):
    """The account can no longer sign in, and every session of it ends at once."""
    return accounts.disable(
        database.session(), username, actor=g.principal.name, now=clock.utcnow()
    )


@bp.post("/accounts/<username>/enable")
@requires()
@bp.response(200, AccountSchema)
def enable(username):
    return accounts.enable(database.session(), username, actor=g.principal.name, now=clock.utcnow())


@bp.post("/accounts/<username>/reset-password")
@requires()
@bp.arguments(PasswordResetSchema, required=False)
@bp.response(200, PasswordResetResultSchema)
def reset_password(body, username):
    """A new password (the one given, or a generated one), shown once; every session ends."""
    account, password = accounts.reset_password(
        database.session(),
        username,
        actor=g.principal.name,
        now=clock.utcnow(),
        password=body.get("password"),
    )
    return {"username": account.username, "password": password}, 200, {"Cache-Control": "no-store"}


@bp.post("/account/password")
@requires_account()
@bp.arguments(PasswordChangeSchema)
@bp.response(200, AccountSchema)
def change_password(body):
    """The signed-in account's own password; its other sessions end, this one goes on."""
    account = auth.session_account()
    change = accounts.change_password(
        database.session(),
        account,
        body["current_password"],
        body["new_password"],
        address=auth.client_address(),
        now=clock.utcnow(),
    )
    if change.session_version is None:
        database.keep_on_error()  # the failure counts against the throttle and is audited
        if change.retry_after is not None:
            return too_many_attempts(change.retry_after)
        return errors.error_response(
            422, "validation_error", "The input is not valid.", WRONG_CURRENT
        )
    auth.renew_session(change.session_version)
    return account


@bp.get("/account/locale")
@requires_account()
@bp.response(200, LocaleSchema)
def get_locale():
    """The signed-in account's language; null: pages follow the browser's Accept-Language."""
    return {"locale": auth.session_account().locale}


@bp.put("/account/locale")
@requires_account()
@bp.arguments(LocaleSchema)
@bp.response(200, LocaleSchema)
def set_locale(body):
    """Sets the signed-in account's language (null: the browser's again); audited."""
    account = auth.session_account()
    accounts.set_locale(
        database.session(), account, body["locale"], actor=g.principal.name, now=clock.utcnow()
    )
    return {"locale": account.locale}


def too_many_attempts(seconds: int):
    response = errors.error_response(
        429,
        "too_many_requests",
        f"Too many wrong passwords; try again in {seconds} seconds.",
        {"retry_after": seconds},
    )
    response.headers["Retry-After"] = str(seconds)
    return response
