"""Failed sign-ins, counted per account and per client address in the database (`login_throttle`),
so every worker and every machine sees the same counts.

The rule: `FREE_TRIES` failures are free; the failure n after them blocks the key for
2^(n − FREE_TRIES) seconds, at most `MAX_BLOCK`. Failures leak away, one per `LEAK_EVERY` without
a new one, so a shared address (a store behind one NAT) that sees a typo now and then is never
blocked, while a guesser is held to about four tries an hour. A successful sign-in clears the
account's count (never the address's: a guesser who owns one account could otherwise wipe it).
Rows idle for `FORGET_AFTER` are deleted when a failure is recorded, so junk usernames do not pile
up. Attempts made while blocked are refused without looking at the password and are not counted.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from adoption.db import dialect_insert
from adoption.identity.models import LoginThrottle
from adoption.masterdata.cleaning import key_of

FREE_TRIES = 5
MAX_BLOCK = timedelta(minutes=15)
LEAK_EVERY = timedelta(hours=1)
FORGET_AFTER = timedelta(days=2)
MAX_KEY = 200  # login_throttle.key


def keys_for(username: str, address: str | None) -> list[str]:
    """The throttle keys of an attempt: its account (any username, known or not, so probing
    names tells nothing) and its client address."""
    keys = [account_key(username)] if key_of(username) else []
    if address:
        keys.append(f"address:{address}"[:MAX_KEY])
    return keys


def account_key(username: str) -> str:
    return f"account:{key_of(username)}"[:MAX_KEY]


def blocked_for(session: Session, keys: list[str], *, now: datetime) -> int | None:
    """Whole seconds until every key of the attempt is free again, or None when none is blocked."""
    ends = [
        row.blocked_until
        for row in (session.get(LoginThrottle, key) for key in keys)
        if row is not None and row.blocked_until is not None and row.blocked_until > now
    ]
    if not ends:
        return None
    return max(1, math.ceil((max(ends) - now).total_seconds()))


def record_failure(session: Session, keys: list[str], *, now: datetime) -> None:
    """Count one failure against each key (row-locked on PostgreSQL, so concurrent failures
    in several workers all count) and set its block."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.last_failure_at < now - FORGET_AFTER))
    for key in keys:
        session.execute(
            dialect_insert(session, LoginThrottle.__table__)
            .values(key=key, failures=0, last_failure_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        row = session.get(LoginThrottle, key, with_for_update=True, populate_existing=True)
        row.failures = _leaked(row.failures, row.last_failure_at, now) + 1
        row.last_failure_at = now
        row.blocked_until = now + block_after(row.failures) if row.failures >= FREE_TRIES else None
    session.flush()


def clear(session: Session, key: str) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


def block_after(failures: int) -> timedelta:
    """How long the key is blocked after its n-th failure (n ≥ FREE_TRIES)."""
    exponent = failures - FREE_TRIES
    if exponent >= 20:  # 2^20 s is far past the cap; no huge numbers
        return MAX_BLOCK
    return min(timedelta(seconds=2**exponent), MAX_BLOCK)


def _leaked(failures: int, last_failure_at: datetime, now: datetime) -> int:
    """The failures still counted: one leaks away per LEAK_EVERY since the last one."""
    if now <= last_failure_at:
        return failures
    return max(0, failures - int((now - last_failure_at) / LEAK_EVERY))
