"""Brute force at /login: five wrong passwords are free, then 429 with Retry-After per account
and per address; a success clears the account's failures; every attempt is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from adoption.models import AuditLog
from tests.web.conftest import PASSWORD, log_in
from tests.web.html import visible_text

WRONG = "not the password"


@pytest.fixture
def hana(make_account, app_clock):
    return make_account("hana", "hr")


def from_address(client, address: str):
    """The test client's requests as if from this address (REMOTE_ADDR)."""
    client.environ_base["REMOTE_ADDR"] = address
    return client


def audit_rows(session, prefix: str = "login."):
    session.rollback()
    rows = session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    return [row for row in rows if row.action.startswith(prefix)]


def test_five_wrong_passwords_are_answered_with_the_form(client, hana):
    for _ in range(5):
        response = log_in(client, "hana", WRONG)
        assert response.status_code == 200
        assert "The username or password is not right." in visible_text(response.text)


def test_the_sixth_try_is_429_with_retry_after_and_the_wait_on_the_page(client, hana):
    for _ in range(5):
        log_in(client, "hana", WRONG)
    response = log_in(client, "hana", WRONG)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert "Try again in 1 second." in visible_text(response.text)


def test_a_throttled_attempt_with_the_right_password_is_refused(client, hana):
    for _ in range(5):
        log_in(client, "hana", WRONG)
    assert log_in(client, "hana", PASSWORD).status_code == 429
    with client.session_transaction() as web_session:
        assert "account_id" not in web_session


def test_the_wait_doubles_with_each_failure_after_the_block(client, hana, app_clock):
    for _ in range(5):
        log_in(client, "hana", WRONG)
    app_clock.advance(seconds=1)
    log_in(client, "hana", WRONG)  # the sixth failure: blocked for 2 s
    assert log_in(client, "hana", PASSWORD).headers["Retry-After"] == "2"


def test_the_right_password_signs_in_once_the_wait_is_over_and_clears_the_count(
    client, hana, app_clock, session
):
    for _ in range(5):
        log_in(client, "hana", WRONG)
    app_clock.advance(seconds=1)
    assert log_in(client, "hana", PASSWORD).status_code == 302
    client.post("/logout", data={"csrf_token": _token(client)})
    for _ in range(4):  # counted from zero again (the address still has its five)
        assert log_in(from_address(client, "198.51.100.7"), "hana", WRONG).status_code == 200


def test_the_account_is_throttled_from_every_address(client, hana):
    for n in range(5):
        log_in(from_address(client, f"198.51.100.{n}"), "hana", WRONG)
    assert log_in(from_address(client, "203.0.113.50"), "hana", PASSWORD).status_code == 429


def test_an_address_is_throttled_for_every_account_after_twenty_failures(
    client, hana, make_account
):
    make_account("ivan", "hr")
    for n in range(20):
        log_in(client, f"guess{n}", WRONG)
    response = log_in(client, "ivan", PASSWORD)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
    assert log_in(from_address(client, "198.51.100.9"), "ivan", PASSWORD).status_code == 302


def test_one_clerk_failing_past_the_account_limit_does_not_lock_out_the_store(
    client, hana, make_account
):
    make_account("ivan", "hr")
    for _ in range(19):  # hana's account is blocked; the store's address is not, yet
        log_in(client, "hana", WRONG)
    assert log_in(client, "hana", PASSWORD).status_code == 429
    assert log_in(client, "ivan", PASSWORD).status_code == 302


def test_a_username_with_a_nul_fails_like_an_unknown_one(client, hana, session):
    response = log_in(client, "ha\x00na", PASSWORD)
    assert response.status_code == 200
    assert "The username or password is not right." in visible_text(response.text)
    assert audit_rows(session)[-1].details["reason"] == "unknown_username"


def test_a_good_sign_in_is_audited_with_the_address(client, hana, session, app_clock):
    log_in(from_address(client, "198.51.100.4"), "hana", PASSWORD)
    (row,) = audit_rows(session)
    assert (row.action, row.actor, row.target, row.at) == (
        "login.ok",
        "hana",
        "hana",
        app_clock.now,
    )
    assert row.details == {"address": "198.51.100.4"}


def test_failed_and_throttled_attempts_are_audited_without_the_password(client, hana, session):
    for _ in range(6):
        log_in(client, "hana", WRONG)
    rows = audit_rows(session)
    assert [r.action for r in rows] == ["login.failed"] * 5 + ["login.throttled"]
    assert rows[0].details == {"address": "127.0.0.1", "reason": "wrong_password"}
    assert rows[-1].details == {"address": "127.0.0.1", "retry_after": 1}
    assert not any(WRONG in str(r.details) + r.actor + r.target for r in rows)


def test_an_unknown_username_is_not_written_to_the_audit_log(client, session):
    log_in(client, "my secret password typed as a name", WRONG)
    (row,) = audit_rows(session)
    assert (row.actor, row.target) == ("(unknown)", "")
    assert row.details["reason"] == "unknown_username"


def test_a_disabled_account_cannot_sign_in(client, hana, session, app_clock):
    hana.disabled_at = app_clock.now
    session.commit()
    response = log_in(client, "hana", PASSWORD)
    assert response.status_code == 200
    assert audit_rows(session)[0].details["reason"] == "disabled"


def _token(client) -> str:
    with client.session_transaction() as web_session:
        return web_session["csrf_token"]
