"""Concurrent sign-ins on PostgreSQL (`adoption.identity.login`): the throttle rows are locked
before the password is checked, so guesses sent at once queue, and each sees the failures of the
ones before it; none gets past the block."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from adoption.identity import credentials, login, throttle
from adoption.models import AuditLog

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ADDRESS = "203.0.113.9"


@pytest.fixture
def sessions(app, backend):
    if backend != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises every write transaction")
    return app.extensions["uptake"].sessions


@pytest.fixture
def hana(sessions):
    with sessions() as db:
        credentials.create_account(
            db, username="hana", role="hr", now=NOW, password="hana's password"
        )
        db.commit()


def attempt(sessions, password: str) -> None:
    with sessions() as db:
        login.log_in(db, "hana", password, address=ADDRESS, now=NOW)
        db.commit()


def test_a_held_attempt_makes_a_concurrent_one_wait(sessions, hana):
    keys = throttle.keys_for("hana", ADDRESS)
    with sessions() as first, sessions() as second:
        throttle.hold(first, keys, now=NOW)
        first.flush()
        second.execute(text("SET LOCAL lock_timeout = '200ms'"))
        with pytest.raises(OperationalError, match="lock"):
            throttle.hold(second, list(reversed(keys)), now=NOW)
        first.rollback()


def test_concurrent_wrong_passwords_are_blocked_after_the_fifth(sessions, hana):
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: attempt(sessions, "not the password"), range(8)))
    with sessions() as db:
        actions = db.scalars(select(AuditLog.action).where(AuditLog.action.like("login.%"))).all()
    assert sorted(actions) == ["login.failed"] * 5 + ["login.throttled"] * 3
