"""Signing in: the throttle (`throttle`), the password check (`credentials`), and an audit row for
every attempt, successful, failed or throttled. The password is never written anywhere.

The audit row of an attempt: action `login.ok`, `login.failed` or `login.throttled`; actor and
target the account's username when the name is known (an unknown name is not stored: people type
their password into the username field), details the client address and, for a failure, the
reason (`unknown_username`, `disabled`, `wrong_password`, `too_long`), for a throttled attempt the
seconds it had to wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from adoption import audit
from adoption.identity import credentials, throttle
from adoption.identity.models import Account

UNKNOWN = "(unknown)"


@dataclass(frozen=True)
class LoginResult:
    """`account_id` and `session_version` when the sign-in succeeded; `retry_after` (seconds)
    when it was refused unchecked because the account or the address is blocked."""

    account_id: int | None = None
    session_version: int | None = None
    retry_after: int | None = None


def log_in(
    session: Session, username: str, password: str, *, address: str | None, now: datetime
) -> LoginResult:
    """Try a sign-in. A blocked attempt is refused even with the right password; a failure
    counts against the account and the address; a success clears the account's failures. The
    throttle rows are locked before the check, so concurrent guesses cannot all slip past it."""
    keys = throttle.keys_for(username, address)
    throttle.hold(session, keys, now=now)  # concurrent attempts queue here, each sees the last
    wait = throttle.blocked_for(session, keys, now=now)
    if wait is not None:
        known = credentials.find_account(session, username)
        record(session, "login.throttled", known, address, now, {"retry_after": wait})
        return LoginResult(retry_after=wait)
    check = credentials.check_login(session, username, password)
    if check.account is None:
        throttle.record_failure(session, keys, now=now)
        known = (
            None
            if check.reason == "unknown_username"
            else credentials.find_account(session, username)
        )
        record(session, "login.failed", known, address, now, {"reason": check.reason})
        return LoginResult()
    throttle.clear(session, throttle.account_key(username))
    record(session, "login.ok", check.account, address, now)
    return LoginResult(check.account.id, check.account.session_version)


def record(
    session: Session,
    action: str,
    account: Account | None,
    address: str | None,
    now: datetime,
    details: dict | None = None,
) -> None:
    """An audit row about an account's sign-in or session, by the account itself."""
    name = account.username if account is not None else UNKNOWN
    audit.record(
        session,
        actor=name,
        action=action,
        target_type="account",
        target=name if account is not None else "",
        now=now,
        details={"address": address, **(details or {})},
    )
