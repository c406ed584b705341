"""Accounts over the API: admins disable, enable and reset; a signed-in account changes its own
password (POST /api/v1/account/password). Role checks for every route: tests/http/test_auth.py."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from adoption.identity import credentials
from adoption.models import AuditLog
from tests.web.conftest import log_in

PASSWORD = "hana's first password"
NEW = "a brand new password"


@pytest.fixture
def hana(session, app_clock):
    account, _ = credentials.create_account(
        session, username="Hana", role="hr", now=app_clock.now, password=PASSWORD
    )
    session.commit()
    return account


@pytest.fixture
def admin(make_token):
    return make_token("admin", name="root")


@pytest.fixture
def hana_browser(app, hana):
    """A browser signed in as hana, with the CSRF header its page would send."""
    browser = app.test_client()
    assert log_in(browser, "hana", PASSWORD).status_code == 302
    with browser.session_transaction() as web_session:
        browser.csrf = {"X-CSRF-Token": web_session["csrf_token"]}
    return browser


def signed_in(browser) -> bool:
    return browser.get("/api/v1/sites").status_code == 200


def test_disable_answers_the_account_and_ends_its_sessions(client, admin, hana_browser):
    response = client.post("/api/v1/accounts/hana/disable", headers=admin)
    assert response.status_code == 200
    assert response.json["username"] == "Hana" and response.json["disabled_at"]
    assert not signed_in(hana_browser)
    assert log_in(hana_browser, "hana", PASSWORD).status_code == 200  # the form again


def test_enable_lets_the_account_sign_in_again(app, client, admin, hana):
    client.post("/api/v1/accounts/hana/disable", headers=admin)
    response = client.post("/api/v1/accounts/HANA/enable", headers=admin)
    assert response.status_code == 200 and response.json["disabled_at"] is None
    assert log_in(app.test_client(), "hana", PASSWORD).status_code == 302


def test_disabling_a_persons_account_stops_their_personal_tokens_until_enabled(
    session, app_clock, client, admin, make_site, make_employee, make_token
):
    make_site("S001")
    make_employee("E001", "S001")
    credentials.create_account(
        session,
        username="ema",
        role="employee",
        user_id="E001",
        now=app_clock.now,
        password=PASSWORD,
    )
    session.commit()
    personal = make_token("employee", name="ema-app", user_id="E001")
    other = make_token("manager", name="lead", sites=["S001"])
    assert client.get("/api/v1/employees/E001/progress", headers=personal).status_code == 200

    client.post("/api/v1/accounts/ema/disable", headers=admin)
    assert client.get("/api/v1/employees/E001/progress", headers=personal).status_code == 401
    assert client.get("/api/v1/sites", headers=other).status_code == 200  # nobody else's

    client.post("/api/v1/accounts/ema/enable", headers=admin)
    assert client.get("/api/v1/employees/E001/progress", headers=personal).status_code == 200


def test_reset_generates_a_password_shown_once_and_ends_sessions(client, admin, hana_browser):
    response = client.post("/api/v1/accounts/hana/reset-password", headers=admin)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = response.json["password"]
    assert len(password) >= 12
    assert not signed_in(hana_browser)
    assert log_in(hana_browser, "hana", password).status_code == 302


def test_reset_takes_a_given_password(app, client, admin, hana):
    body = {"password": "chosen by the admin"}
    response = client.post("/api/v1/accounts/hana/reset-password", json=body, headers=admin)
    assert response.json == {"username": "Hana", "password": "chosen by the admin"}
    assert log_in(app.test_client(), "hana", "chosen by the admin").status_code == 302


@pytest.mark.parametrize(
    ("body", "message"),
    [({"password": "short"}, "At least 8 characters."), ({"pasword": "x" * 9}, "Unknown field.")],
)
def test_reset_with_a_bad_body_is_422_naming_the_field(client, admin, hana, body, message):
    response = client.post("/api/v1/accounts/hana/reset-password", json=body, headers=admin)
    assert response.status_code == 422
    assert message in str(response.json["error"]["details"])


@pytest.mark.parametrize("action", ["disable", "enable", "reset-password"])
def test_an_unknown_account_is_404(client, admin, action):
    response = client.post(f"/api/v1/accounts/nobody/{action}", headers=admin)
    assert response.status_code == 404
    assert response.json["error"]["details"] == {"username": "nobody"}


def test_admin_acts_are_audited_with_the_admin_and_without_the_password(
    client, admin, hana, session
):
    client.post("/api/v1/accounts/hana/disable", headers=admin)
    client.post("/api/v1/accounts/hana/reset-password", json={"password": NEW}, headers=admin)
    session.rollback()
    rows = session.scalars(select(AuditLog).where(AuditLog.action.like("account.%"))).all()
    actions = [(r.action, r.actor, r.target) for r in rows if r.action != "account.create"]
    assert actions == [
        ("account.disable", "root", "Hana"),
        ("account.reset_password", "root", "Hana"),
    ]
    assert not any(NEW in str(r.details) for r in rows)


def test_own_password_change_keeps_this_session_and_ends_the_others(app, hana_browser):
    other = app.test_client()
    log_in(other, "hana", PASSWORD)
    body = {"current_password": PASSWORD, "new_password": NEW}
    response = hana_browser.post("/api/v1/account/password", json=body, headers=hana_browser.csrf)
    assert response.status_code == 200 and response.json["password_changed_at"]
    assert signed_in(hana_browser) and not signed_in(other)
    back = {"current_password": NEW, "new_password": PASSWORD}  # the same CSRF token still works
    again = hana_browser.post("/api/v1/account/password", json=back, headers=hana_browser.csrf)
    assert again.status_code == 200


def test_own_password_change_needs_the_csrf_header(hana_browser):
    body = {"current_password": PASSWORD, "new_password": NEW}
    assert hana_browser.post("/api/v1/account/password", json=body).status_code == 403


def test_a_wrong_current_password_is_422_naming_the_field(hana_browser):
    body = {"current_password": "not it", "new_password": NEW}
    response = hana_browser.post("/api/v1/account/password", json=body, headers=hana_browser.csrf)
    assert response.status_code == 422
    assert list(response.json["error"]["details"]) == ["current_password"]


def test_wrong_current_passwords_are_throttled_with_retry_after(hana_browser):
    wrong = {"current_password": "not it", "new_password": NEW}
    for _ in range(5):
        hana_browser.post("/api/v1/account/password", json=wrong, headers=hana_browser.csrf)
    right = {"current_password": PASSWORD, "new_password": NEW}
    response = hana_browser.post("/api/v1/account/password", json=right, headers=hana_browser.csrf)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert response.json["error"]["code"] == "too_many_requests"


def test_a_token_has_no_password_to_change(client, admin):
    body = {"current_password": PASSWORD, "new_password": NEW}
    response = client.post("/api/v1/account/password", json=body, headers=admin)
    assert response.status_code == 403


HOSTILE_BODIES = [
    pytest.param(b'{"password": ' + b"9" * 5000 + b"}", "application/json", id="huge-number"),
    pytest.param(b"[" * 5000, "application/json", id="deep-nesting"),
    pytest.param(b"{not json", "application/json", id="not-json"),
    pytest.param(b"password=a+new+password", "application/x-www-form-urlencoded", id="form"),
]


def password_hash(session, hana) -> str:
    session.rollback()
    return session.get(type(hana), hana.id).password_hash


@pytest.mark.parametrize(("body", "content_type"), HOSTILE_BODIES)
def test_a_reset_with_an_unusable_body_is_refused_and_changes_nothing(
    client, admin, hana, session, body, content_type
):
    before = password_hash(session, hana)
    response = client.post(
        "/api/v1/accounts/hana/reset-password",
        data=body,
        headers={**admin, "Content-Type": content_type},
    )
    assert response.status_code in (400, 415, 422)
    assert response.json["error"]["details"]
    assert password_hash(session, hana) == before


@pytest.mark.parametrize(("body", "content_type"), HOSTILE_BODIES)
def test_an_own_change_with_an_unusable_body_is_refused_and_changes_nothing(
    hana_browser, hana, session, body, content_type
):
    before = password_hash(session, hana)
    response = hana_browser.post(
        "/api/v1/account/password",
        data=body,
        headers={**hana_browser.csrf, "Content-Type": content_type},
    )
    assert response.status_code in (400, 415, 422)
    assert password_hash(session, hana) == before


def test_a_reset_without_a_body_still_generates_a_password(client, admin, hana):
    response = client.post("/api/v1/accounts/hana/reset-password", headers=admin)
    assert response.status_code == 200 and len(response.json["password"]) >= 8


@pytest.mark.parametrize("action", ["disable", "enable", "reset-password"])
def test_a_username_with_a_nul_is_404(client, admin, hana, action):
    response = client.post(f"/api/v1/accounts/ha%00na/{action}", headers=admin)
    assert response.status_code == 404


def test_the_openapi_document_states_the_password_rule(client):
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    for schema, field in (("PasswordReset", "password"), ("PasswordChange", "new_password")):
        prop = schemas[schema]["properties"][field]
        assert prop["minLength"] == 8
        assert "not the username" in prop["description"]
