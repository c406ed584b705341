"""Sessions end: a copied cookie dies with logout, a password change, a reset or disabling;
every session expires after UPTAKE_SESSION_IDLE_MINUTES idle and UPTAKE_SESSION_MAX_HOURS."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from adoption.identity import accounts
from adoption.models import AuditLog
from api import create_app
from tests.web.conftest import PASSWORD, log_in
from tests.web.html import csrf_token

NEW_PASSWORD = "a brand new password"


@pytest.fixture
def hana(make_account, app_clock):
    return make_account("hana", "hr")


@pytest.fixture
def signed_in(client, hana):
    assert log_in(client, "hana").status_code == 302
    return client


def copy_of(app, client):
    """Another browser holding a copy of the client's session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def signed_in_as(client) -> bool:
    """Whether the client's cookie still opens a page and the API."""
    page = client.get("/champions").status_code
    api = client.get("/api/v1/sites").status_code
    assert (page == 200) == (api == 200), (page, api)
    return page == 200


def log_out(client):
    return client.post("/logout", data={"csrf_token": csrf_token(client.get("/logout").text)})


def test_a_copied_cookie_works_while_the_session_lives(app, signed_in):
    assert signed_in_as(copy_of(app, signed_in))


def test_a_copied_cookie_fails_after_logout(app, signed_in):
    thief = copy_of(app, signed_in)
    log_out(signed_in)
    assert not signed_in_as(thief)
    assert thief.get("/champions").headers["Location"].startswith("/login")


def test_logout_ends_the_sessions_on_other_devices_too(app, client, hana):
    other = app.test_client()
    log_in(client, "hana")
    log_in(other, "hana")
    log_out(client)
    assert not signed_in_as(other)


def test_logout_is_audited(signed_in, session):
    log_out(signed_in)
    session.rollback()
    assert session.scalar(select(AuditLog.action).order_by(AuditLog.id.desc())) == "logout"


def test_a_copied_cookie_fails_after_a_password_change_but_this_session_goes_on(app, signed_in):
    thief = copy_of(app, signed_in)
    form = signed_in.get("/account/password")
    response = signed_in.post(
        "/account/password",
        data={
            "csrf_token": csrf_token(form.text),
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert not signed_in_as(thief)
    assert signed_in_as(signed_in)


@pytest.mark.parametrize("act", ["disable", "reset_password"])
def test_a_copied_cookie_fails_after_an_admin_disables_or_resets(
    app, signed_in, session, app_clock, act
):
    thief = copy_of(app, signed_in)
    getattr(accounts, act)(session, "hana", actor="admin", now=app_clock.now)
    session.commit()
    assert not signed_in_as(thief)
    assert not signed_in_as(signed_in)


def test_a_session_ends_after_the_idle_minutes(signed_in, app_clock):
    app_clock.advance(minutes=30)
    assert signed_in_as(signed_in)  # exactly 30 idle minutes still count
    app_clock.advance(minutes=30, seconds=1)
    assert not signed_in_as(signed_in)


def test_each_request_keeps_the_session_from_going_idle(signed_in, app_clock):
    for _ in range(4):
        app_clock.advance(minutes=20)
        assert signed_in_as(signed_in)


def test_a_session_ends_after_the_maximum_hours_however_busy(signed_in, app_clock):
    for _ in range(12 * 3):
        app_clock.advance(minutes=20)
        assert signed_in_as(signed_in)
    app_clock.advance(seconds=1)
    assert not signed_in_as(signed_in)


def test_the_limits_come_from_the_settings(settings, hana, app_clock):
    app = create_app(replace(settings, session_idle_minutes=5, session_max_hours=1))
    client = app.test_client()
    log_in(client, "hana")
    app_clock.advance(minutes=5, seconds=1)
    assert not signed_in_as(client)
    app.extensions["uptake"].engine.dispose()


def test_an_ended_session_clears_the_cookie(signed_in, app_clock):
    app_clock.advance(hours=1)
    signed_in.get("/champions")
    with signed_in.session_transaction() as web_session:
        assert "account_id" not in web_session


def test_a_cookie_without_the_session_version_counts_as_anonymous(client, hana):
    with client.session_transaction() as web_session:
        web_session["account_id"] = hana.id  # a cookie of the release before session versions
    assert not signed_in_as(client)


def test_an_ended_session_posting_without_the_csrf_header_is_401_not_403(signed_in, app_clock):
    app_clock.advance(hours=1)
    response = signed_in.post("/api/v1/account/password", json={})
    assert response.status_code == 401


def test_a_live_session_posting_without_the_csrf_header_is_still_403(signed_in):
    response = signed_in.post("/api/v1/account/password", json={})
    assert response.status_code == 403
