"""What admins and people do to web accounts after creating them: disable, enable, reset a
password, change one's own password. Each ends the account's sessions where it should and is
audited; passwords are never written anywhere but as a hash.

- `disable`: the account cannot sign in and every session ends at once (idempotent).
- `enable`: it may sign in again; old sessions stay ended.
- `reset_password`: a new password, given or generated (printed once), and every session ends;
  the account's failed sign-ins are forgotten. The person should then choose their own
  (`change_password`).
- `change_password`: needs the current password, which is throttled like a sign-in
  (`throttle`, per account and address); every session ends, and the caller gets the new
  session version to keep its own session alive.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from adoption import audit
from adoption.errors import Invalid, NotFound
from adoption.identity import credentials, login, throttle
from adoption.identity.models import Account
from adoption.identity.sessions import end_sessions
from adoption.locales import checked_locale
from adoption.masterdata.cleaning import key_of

MIN_PASSWORD = 8  # NIST SP 800-63B: at least 8 characters for a chosen password


@dataclass(frozen=True)
class PasswordChange:
    """`session_version` when the password changed; `retry_after` (seconds) when the attempt
    was blocked; neither when the current password was wrong."""

    session_version: int | None = None
    retry_after: int | None = None


def get_account(session: Session, username: str) -> Account:
    account = credentials.find_account(session, username)
    if account is None:
        raise NotFound(f"No account {username.strip()!r}.", {"username": username.strip()})
    return account


def disable(session: Session, username: str, *, actor: str, now: datetime) -> Account:
    account = get_account(session, username)
    if account.disabled_at is None:
        account.disabled_at = now
    end_sessions(session, account)
    _audit(session, "account.disable", account, actor, now)
    return account


def enable(session: Session, username: str, *, actor: str, now: datetime) -> Account:
    account = get_account(session, username)
    account.disabled_at = None
    session.flush()
    _audit(session, "account.enable", account, actor, now)
    return account


def reset_password(
    session: Session, username: str, *, actor: str, now: datetime, password: str | None = None
) -> tuple[Account, str]:
    """Set a new password (generated unless given; returned once) and end every session."""
    account = get_account(session, username)
    if password is not None:
        check_new_password(password, account.username, field="password")
    password = password or secrets.token_urlsafe(12)
    _set_password(session, account, password, now)
    throttle.clear(session, throttle.account_key(account.username))  # the owner may sign in now
    _audit(session, "account.reset_password", account, actor, now)
    return account, password


def change_password(
    session: Session,
    account: Account,
    current: str,
    new: str,
    *,
    address: str | None,
    now: datetime,
) -> PasswordChange:
    """The account's own change: the current password must be right (and is throttled)."""
    check_new_password(new, account.username, field="new_password")
    keys = throttle.keys_for(account.username, address)
    throttle.hold(session, keys, now=now)
    wait = throttle.blocked_for(session, keys, now=now)
    if wait is not None:
        login.record(session, "password.throttled", account, address, now, {"retry_after": wait})
        return PasswordChange(retry_after=wait)
    if not credentials.check_login(session, account.username, current).account:
        throttle.record_failure(session, keys, now=now)
        login.record(session, "password.failed", account, address, now)
        return PasswordChange()
    if current == new:
        raise Invalid({"new_password": ["Must differ from the current password."]})
    version = _set_password(session, account, new, now)
    throttle.clear(session, throttle.account_key(account.username))
    login.record(session, "password.change", account, address, now)
    return PasswordChange(session_version=version)


def check_new_password(password: str, username: str, *, field: str) -> None:
    """A chosen password: 8 to 1,024 characters, not the username."""
    if len(password) < MIN_PASSWORD:
        raise Invalid({field: [f"At least {MIN_PASSWORD} characters."]})
    if len(password) > credentials.MAX_PASSWORD:
        raise Invalid({field: [f"At most {credentials.MAX_PASSWORD} characters."]})
    if key_of(password) == key_of(username):
        raise Invalid({field: ["Must not be the username."]})


def _set_password(session: Session, account: Account, password: str, now: datetime) -> int:
    account.password_hash = credentials.hash_password(password)
    account.password_changed_at = now
    return end_sessions(session, account)


def _audit(session: Session, action: str, account: Account, actor: str, now: datetime) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        target_type="account",
        target=account.username,
        now=now,
    )


def set_locale(
    session: Session, account: Account, locale: str | None, *, actor: str, now: datetime
) -> Account:
    """The account's language (None: follow the browser), audited as `account.locale` with the
    old and new value; a locale we do not speak is Invalid naming `locale`."""
    if locale is not None:
        locale = checked_locale(locale)
    before = account.locale
    if before != locale:
        account.locale = locale
        audit.record(
            session,
            actor=actor,
            action="account.locale",
            target_type="account",
            target=account.username,
            now=now,
            details={"locale": [before, locale]},
        )
        session.flush()
    return account
