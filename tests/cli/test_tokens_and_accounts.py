"""`uptake tokens create|revoke`, `uptake accounts create`: shown once, stored hashed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from adoption.identity import credentials
from adoption.identity.models import Account, ApiToken
from adoption.models import AuditLog
from api.cli.main import main

SITES = "/api/v1/sites"


def fresh(session):
    """End the test session's read transaction so it sees what the CLI committed."""
    session.rollback()
    return session


def last_line(result) -> str:
    return result.stdout.strip().splitlines()[-1]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def create_token(runner, *args: str):
    return runner.invoke(main, ["tokens", "create", *args])


def all_cells(session, model) -> list[str]:
    """Every column value of every row of a table, as text."""
    rows = fresh(session).execute(select(model.__table__)).all()
    return [str(value) for row in rows for value in row]


# --- tokens --------------------------------------------------------------------------------------


def test_created_token_is_printed_alone_on_the_last_line_and_authenticates(runner, client):
    result = create_token(runner, "--role", "hr", "--name", "payroll")
    assert result.exit_code == 0, result.output
    token = last_line(result)
    assert token.startswith("upt_") and " " not in token
    assert client.get(SITES, headers=bearer(token)).status_code == 200


def test_database_holds_only_a_hash_of_the_token(runner, session):
    token = last_line(create_token(runner, "--role", "hr", "--name", "payroll"))
    cells = all_cells(session, ApiToken) + all_cells(session, AuditLog)
    assert not any(token in cell for cell in cells)
    assert fresh(session).scalar(select(ApiToken.token_hash)) == credentials.hash_token(token)


def test_manager_token_is_scoped_to_its_sites(runner, client, make_site):
    make_site("S001")
    make_site("S002")
    result = create_token(runner, "--role", "manager", "--name", "m1", "--site", "s001")
    sites = client.get(SITES, headers=bearer(last_line(result))).json
    assert [s["site_id"] for s in sites] == ["S001"]


def test_same_site_named_twice_scopes_a_token_once(runner, make_site, session):
    make_site("S001")
    result = create_token(
        runner, "--role", "manager", "--name", "m1", "--site", "S001", "--site", " s001 "
    )
    assert result.exit_code == 0, result.output
    token = fresh(session).scalar(select(ApiToken))
    assert [s.code for s in token.sites] == ["S001"]


def test_manager_token_without_site_is_exit_2_with_a_readable_error(runner, session):
    result = create_token(runner, "--role", "manager", "--name", "m1")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: The input is not valid. (site: A manager needs at least one --site.)"
    )
    assert fresh(session).scalar(select(ApiToken)) is None


def test_token_for_an_unknown_site_is_exit_1(runner):
    result = create_token(runner, "--role", "manager", "--name", "m1", "--site", "S404")
    assert result.exit_code == 1  # not found
    assert "S404" in result.stderr and "Traceback" not in result.output


def test_token_name_longer_than_64_characters_is_exit_2(runner):
    result = create_token(runner, "--role", "hr", "--name", "n" * 65)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "Traceback" not in result.output


def test_employee_token_needs_a_user(runner):
    result = create_token(runner, "--role", "employee", "--name", "me")
    assert result.exit_code == 2
    assert "--user" in result.stderr


def test_employee_token_reads_its_own_record(runner, client, make_site, make_employee):
    make_site("S001")
    make_employee("E001", "S001")
    result = create_token(runner, "--role", "employee", "--name", "me", "--user", "e001")
    response = client.get("/api/v1/employees/E001", headers=bearer(last_line(result)))
    assert response.status_code == 200


def test_revoked_token_gets_401(runner, client):
    token = last_line(create_token(runner, "--role", "hr", "--name", "payroll"))
    result = runner.invoke(main, ["tokens", "revoke", "payroll"])
    assert result.exit_code == 0, result.output
    response = client.get(SITES, headers=bearer(token))
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_revoking_by_id_leaves_other_tokens_of_the_name_alive(runner, client, session):
    old = last_line(create_token(runner, "--role", "hr", "--name", "payroll"))
    new = last_line(create_token(runner, "--role", "hr", "--name", "payroll"))
    first_id = fresh(session).scalar(select(ApiToken.id).order_by(ApiToken.id))
    runner.invoke(main, ["tokens", "revoke", str(first_id)])
    assert client.get(SITES, headers=bearer(old)).status_code == 401
    assert client.get(SITES, headers=bearer(new)).status_code == 200


def test_revoking_an_unknown_token_is_exit_1(runner):
    result = runner.invoke(main, ["tokens", "revoke", "nobody"])
    assert result.exit_code == 1  # not found
    assert result.stderr.startswith("error: No live token 'nobody'.")


def test_expired_token_gets_401(client, session):
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    _, token = credentials.create_token(
        session, role="hr", name="old", now=two_days_ago, expires_days=1
    )  # expired yesterday
    session.commit()
    assert client.get(SITES, headers=bearer(token)).status_code == 401


def test_token_with_expiry_works_until_then(runner, client, session):
    result = create_token(runner, "--role", "hr", "--name", "temp", "--expires", "7")
    assert client.get(SITES, headers=bearer(last_line(result))).status_code == 200
    token = fresh(session).scalar(select(ApiToken))
    assert token.expires_at - token.created_at == timedelta(days=7)


# --- accounts ------------------------------------------------------------------------------------


def test_created_account_password_is_printed_alone_on_the_last_line(runner, session):
    result = runner.invoke(main, ["accounts", "create", "--username", "Hanna", "--role", "hr"])
    assert result.exit_code == 0, result.output
    password = last_line(result)
    assert len(password) >= 12 and " " not in password
    principal = credentials.authenticate_account(fresh(session), "hanna", password)
    assert (principal.role, principal.name) == ("hr", "Hanna")


def test_account_password_is_stored_as_a_scrypt_hash(runner, session):
    result = runner.invoke(main, ["accounts", "create", "--username", "hanna", "--role", "hr"])
    password = last_line(result)
    stored = fresh(session).scalar(select(Account.password_hash))
    assert stored.startswith("scrypt$") and password not in stored
    assert not any(password in cell for cell in all_cells(session, AuditLog))


def test_account_rejects_a_wrong_password(runner, session):
    result = runner.invoke(main, ["accounts", "create", "--username", "hanna", "--role", "hr"])
    password = last_line(result)
    assert credentials.authenticate_account(fresh(session), "hanna", password + "x") is None


@pytest.mark.parametrize("again", ["hanna", "HANNA", " Hanna "])
def test_duplicate_username_is_exit_2_whatever_its_case(runner, again):
    runner.invoke(main, ["accounts", "create", "--username", "Hanna", "--role", "hr"])
    result = runner.invoke(main, ["accounts", "create", "--username", again, "--role", "hr"])
    assert result.exit_code == 2
    assert "already exists" in result.stderr and "Traceback" not in result.output


def test_username_longer_than_128_characters_is_exit_2(runner):
    result = runner.invoke(main, ["accounts", "create", "--username", "u" * 129, "--role", "hr"])
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == "error: The input is not valid. (username: At most 128 characters.)"
    )


def test_manager_account_without_site_is_exit_2(runner):
    result = runner.invoke(main, ["accounts", "create", "--username", "m", "--role", "manager"])
    assert result.exit_code == 2
    assert "--site" in result.stderr
