"""Web sessions: when a signed-in browser still counts as signed in, and ending every session of
an account at once.

A session cookie carries the account id, the account's `session_version` when it was issued, the
sign-in time and the time of the last request. It counts only while (1) the account exists and
is enabled, (2) its `session_version` is still the one in the cookie, (3) the last request was at
most `idle` ago and (4) the sign-in at most `max_age` ago. Logging out, changing or resetting the
password and disabling raise the version (`end_sessions`), so a copied cookie dies with the rest.
A time from a clock slightly ahead (another worker) counts as now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from adoption.identity import login
from adoption.identity.models import Account


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    max_age: timedelta


@dataclass(frozen=True)
class SessionClaim:
    """What a session cookie says."""

    account_id: int
    version: int
    issued_at: datetime
    last_seen: datetime


def expiry(claim: SessionClaim, *, now: datetime, policy: SessionPolicy) -> str | None:
    """Why the session has expired ("idle" or "max_age"), or None while it has not."""
    if now - claim.issued_at > policy.max_age:
        return "max_age"
    if now - claim.last_seen > policy.idle:
        return "idle"
    return None


def live_account(
    session: Session, claim: SessionClaim, *, now: datetime, policy: SessionPolicy
) -> Account | None:
    """The account the session belongs to while it still counts (see the module), else None."""
    if expiry(claim, now=now, policy=policy) is not None:
        return None
    account = session.get(Account, claim.account_id)
    if account is None or account.disabled_at is not None:
        return None
    return account if account.session_version == claim.version else None


def end_sessions(session: Session, account: Account) -> int:
    """End every session of the account (each cookie holds the old version); the new version.
    Raised in SQL, so two requests ending sessions at once both count."""
    account.session_version = Account.session_version + 1
    session.flush()
    session.refresh(account, ["session_version"])
    return account.session_version


def log_out(session: Session, account: Account, *, address: str | None, now: datetime) -> None:
    """Sign the account out everywhere, audited as `logout`."""
    end_sessions(session, account)
    login.record(session, "logout", account, address, now)
