"""`uptake accounts disable|enable|reset-password USERNAME`, and the cookie default of
`uptake serve` (Secure unless it serves plain HTTP on loopback with no proxy declared)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from adoption.identity import credentials
from adoption.models import AuditLog
from api.cli.context import operator_name
from api.cli.main import main
from api.cli.serve import plain_http_default
from tests.conftest import NOW
from tests.web.conftest import PASSWORD, log_in


@pytest.fixture
def hana(session):
    account, _ = credentials.create_account(
        session, username="Hana", role="hr", now=NOW, password=PASSWORD
    )
    session.commit()
    return account


def fresh(session):
    """What the CLI committed: end the test session's transaction and forget what it loaded."""
    session.rollback()
    session.expire_all()
    return session


def accounts(runner, *args: str, **kwargs):
    return runner.invoke(main, ["accounts", *args], **kwargs)


def test_disable_stops_sign_in_and_ends_sessions(runner, client, hana):
    log_in(client, "hana")
    result = accounts(runner, "disable", "hana")
    assert result.exit_code == 0, result.output
    assert "disabled" in result.stdout
    assert client.get("/api/v1/sites").status_code == 401
    assert log_in(client, "hana").status_code == 200  # the form again


def test_enable_lets_the_account_sign_in_again(runner, client, hana):
    accounts(runner, "disable", "hana")
    assert accounts(runner, "enable", "HANA").exit_code == 0
    assert log_in(client, "hana").status_code == 302


def test_reset_prints_a_new_password_alone_on_the_last_line(runner, client, hana, session):
    log_in(client, "hana")
    result = accounts(runner, "reset-password", "hana")
    assert result.exit_code == 0, result.output
    password = result.stdout.strip().splitlines()[-1]
    assert len(password) >= 12 and " " not in password
    assert client.get("/api/v1/sites").status_code == 401  # the old session has ended
    assert credentials.authenticate_account(fresh(session), "hana", password) is not None
    assert credentials.authenticate_account(session, "hana", PASSWORD) is None


def test_reset_reads_a_chosen_password_from_stdin_and_prints_none(runner, hana, session):
    result = accounts(runner, "reset-password", "hana", "--password-stdin", input="chosen one\n")
    assert result.exit_code == 0, result.output
    assert "chosen one" not in result.output
    assert credentials.authenticate_account(fresh(session), "hana", "chosen one") is not None


def test_reset_refuses_a_short_chosen_password(runner, hana):
    result = accounts(runner, "reset-password", "hana", "--password-stdin", input="short\n")
    assert result.exit_code == 2
    assert "At least 8 characters." in result.stderr


@pytest.mark.parametrize("action", ["disable", "enable", "reset-password"])
def test_an_unknown_account_is_exit_1(runner, action):
    result = accounts(runner, action, "nobody")
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: No account 'nobody'. (username: nobody)"


def test_the_acts_are_audited_as_the_operator(runner, hana, session):
    for action in ("disable", "enable", "reset-password"):
        accounts(runner, action, "hana")
    rows = fresh(session).scalars(select(AuditLog).where(AuditLog.target == "Hana")).all()
    operator = f"cli:{operator_name()}"
    assert [(r.action, r.actor) for r in rows if r.action != "account.create"] == [
        ("account.disable", operator),
        ("account.enable", operator),
        ("account.reset_password", operator),
    ]


@pytest.mark.parametrize(
    ("host", "env", "plain"),
    [
        ("127.0.0.1", {}, True),
        ("localhost", {}, True),
        ("::1", {}, True),
        ("0.0.0.0", {}, False),
        ("192.168.1.20", {}, False),
        ("uptake.example.com", {}, False),
        ("127.0.0.1", {"UPTAKE_PROXY_HOPS": "1"}, False),
        ("127.0.0.1", {"UPTAKE_COOKIE_SECURE": "on"}, False),
    ],
)
def test_serve_drops_secure_only_for_plain_loopback_without_a_proxy(host, env, plain):
    assert plain_http_default(host, env) is plain
