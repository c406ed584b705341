"""The web login's session cookie: what `sign_in` writes, when `session_account` accepts it,
and `sign_out`, which ends every session of the account. `api.auth` re-exports these.

The cookie (Flask's signed session) holds the account id, the account's `session_version` when it
was issued, the sign-in time and the time of the last request (Unix seconds), beside the CSRF
token. It counts only while `adoption.identity.sessions.live_account` says so: the account is
enabled, its version unchanged, the last request at most `UPTAKE_SESSION_IDLE_MINUTES` ago and
the sign-in at most `UPTAKE_SESSION_MAX_HOURS` ago. The clock is `api.clock.utcnow`.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app, g, request
from flask import session as web_session

from adoption.identity import sessions
from adoption.identity.models import Account
from adoption.identity.sessions import SessionClaim, SessionPolicy
from api import clock, database

CSRF_KEY = "csrf_token"  # the session key and the forms' hidden field (`api.auth`)
ACCOUNT_KEY = "account_id"
VERSION_KEY = "session_version"
ISSUED_KEY = "issued_at"
SEEN_KEY = "seen_at"  # renewed at most every TOUCH_EVERY_S
TOUCH_EVERY_S = 60


def session_account() -> Account | None:
    """The account of this browser session while it still counts (`adoption.identity.sessions`:
    enabled, same session version, not idle too long, not too old); a dead session is cleared so
    the browser drops its cookie. The time of the last request is renewed once a minute."""
    if "web_account" in g:
        return g.web_account
    g.web_account = None
    if ACCOUNT_KEY not in web_session:
        return None
    claim, now = _claim(), clock.utcnow()
    account = None
    if claim is not None:
        account = sessions.live_account(database.session(), claim, now=now, policy=_policy())
    if account is None:
        web_session.clear()
        return None
    if (now - claim.last_seen).total_seconds() >= TOUCH_EVERY_S:
        web_session[SEEN_KEY] = int(now.timestamp())
    g.web_account = account
    return account


def _claim() -> SessionClaim | None:
    """What the cookie says; None when a part is missing or not a number (an older cookie)."""
    try:
        return SessionClaim(
            account_id=int(web_session[ACCOUNT_KEY]),
            version=int(web_session[VERSION_KEY]),
            issued_at=datetime.fromtimestamp(int(web_session[ISSUED_KEY]), UTC),
            last_seen=datetime.fromtimestamp(int(web_session[SEEN_KEY]), UTC),
        )
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return None


def _policy() -> SessionPolicy:
    settings = current_app.extensions["uptake"].settings
    return SessionPolicy(
        idle=timedelta(minutes=settings.session_idle_minutes),
        max_age=timedelta(hours=settings.session_max_hours),
    )


def client_address() -> str | None:
    """The caller's IP address: the socket's peer, or what the trusted proxies forwarded
    (`UPTAKE_PROXY_HOPS`, applied by ProxyFix in `api.security`)."""
    return request.remote_addr


def sign_in(account_id: int, session_version: int) -> None:
    """Start a fresh session for this account: nothing of the pre-login session is kept (no
    fixation), the CSRF token is new, and the cookie holds the account's session version and
    the sign-in time (`session_account`)."""
    stamp = int(clock.utcnow().timestamp())
    web_session.clear()
    web_session[CSRF_KEY] = secrets.token_urlsafe(32)
    web_session[ACCOUNT_KEY] = account_id
    web_session[VERSION_KEY] = session_version
    web_session[ISSUED_KEY] = stamp
    web_session[SEEN_KEY] = stamp
    g.pop("principal", None)
    g.pop("web_account", None)


def renew_session(session_version: int) -> None:
    """Keep this session alive after its account's sessions were ended on purpose (its own
    password change): the cookie takes the new version; the CSRF token and times stay."""
    web_session[VERSION_KEY] = session_version


def sign_out() -> None:
    """End every session of the signed-in account (copied cookies too), then clear this one."""
    account = session_account()
    if account is not None:
        sessions.log_out(database.session(), account, address=client_address(), now=clock.utcnow())
    web_session.clear()
    g.pop("principal", None)
    g.pop("web_account", None)
