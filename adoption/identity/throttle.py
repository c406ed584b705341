"""Failed sign-ins, counted per account and per client address in the database (`login_throttle`),
so every worker and every machine sees the same counts.

The rule: an account key has `FREE_TRIES` free failures, an address key `ADDRESS_FREE_TRIES`
(a store's clerks share one address behind its NAT: one clerk's typos must not lock out the
rest); the failure n past a key's free tries blocks it for 2^(n − free tries) seconds, at most
`MAX_BLOCK`. Failures leak away, one per `LEAK_EVERY` without a new one, so a shared address that
sees a typo now and then is never blocked, while a guesser is held to about four tries an hour
per account. A successful sign-in clears the account's count (never the address's: a guesser who
owns one account could otherwise wipe it). Rows idle for `FORGET_AFTER` are deleted when a
failure is recorded, so junk usernames do not pile up. Attempts made while blocked are refused
without looking at the password and are not counted.

Concurrency: a caller `hold`s the attempt's rows (made if missing, locked in key order with
`SELECT … FOR UPDATE` on PostgreSQL; SQLite's write transactions are serialised anyway) before it
checks the block and the password, so concurrent guesses queue behind each other and each sees
the failures of the ones before it.

Keys never hold a NUL (PostgreSQL text cannot): such a name or address is keyed by its hash.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from adoption.db import dialect_insert
from adoption.identity.models import LoginThrottle
from adoption.masterdata.cleaning import key_of

FREE_TRIES = 5  # per account
ADDRESS_FREE_TRIES = 20  # per client address
ADDRESS = "address:"
MAX_BLOCK = timedelta(minutes=15)
LEAK_EVERY = timedelta(hours=1)
FORGET_AFTER = timedelta(days=2)
MAX_KEY = 200  # login_throttle.key


def keys_for(username: str, address: str | None) -> list[str]:
    """The throttle keys of an attempt: its account (any username, known or not, so probing
    names tells nothing) and its client address."""
    keys = [account_key(username)] if key_of(username) else []
    if address:
        keys.append(_key(ADDRESS, address))
    return keys


def account_key(username: str) -> str:
    return _key("account:", key_of(username))


def _key(prefix: str, text: str) -> str:
    if "\x00" in text:
        return f"{prefix}sha256:{hashlib.sha256(text.encode('utf-8', 'replace')).hexdigest()}"
    return f"{prefix}{text}"[:MAX_KEY]


def free_tries(key: str) -> int:
    """The failures a key may have before it is blocked."""
    return ADDRESS_FREE_TRIES if key.startswith(ADDRESS) else FREE_TRIES


def hold(session: Session, keys: list[str], *, now: datetime) -> None:
    """Make the attempt's rows if missing and lock them (in key order, so two attempts never
    wait on each other crosswise) until the transaction ends; call before checking anything."""
    for key in sorted(set(keys)):
        session.execute(
            dialect_insert(session, LoginThrottle.__table__)
            .values(key=key, failures=0, last_failure_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        session.get(LoginThrottle, key, with_for_update=True, populate_existing=True)


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
    """Count one failure against each key (its row `hold`-locked, so concurrent failures in
    several workers all count) and set its block. Forgotten rows that another attempt holds
    are skipped (left for a later purge) rather than waited for."""
    hold(session, keys, now=now)
    stale = (
        select(LoginThrottle.key)
        .where(LoginThrottle.last_failure_at < now - FORGET_AFTER)
        .where(LoginThrottle.key.not_in(keys))
        .with_for_update(skip_locked=True)
    )
    session.execute(
        delete(LoginThrottle).where(LoginThrottle.key.in_(stale)),
        execution_options={"synchronize_session": False},
    )
    for key in sorted(set(keys)):
        row = session.get(LoginThrottle, key)
        row.failures = _leaked(row.failures, row.last_failure_at, now) + 1
        row.last_failure_at = now
        free = free_tries(key)
        row.blocked_until = now + block_after(row.failures, free) if row.failures >= free else None
    session.flush()


def clear(session: Session, key: str) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


def block_after(failures: int, free: int = FREE_TRIES) -> timedelta:
    """How long a key with `free` free tries is blocked after its n-th failure (n ≥ free)."""
    exponent = failures - free
    if exponent >= 20:  # 2^20 s is far past the cap; no huge numbers
        return MAX_BLOCK
    return min(timedelta(seconds=2**exponent), MAX_BLOCK)


def _leaked(failures: int, last_failure_at: datetime, now: datetime) -> int:
    """The failures still counted: one leaks away per LEAK_EVERY since the last one."""
    if now <= last_failure_at:
        return failures
    if now - last_failure_at > FORGET_AFTER:  # as if its row had been purged
        return 0
    return max(0, failures - int((now - last_failure_at) / LEAK_EVERY))
