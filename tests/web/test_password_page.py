"""/account/password: a signed-in person changes their own password with the current one."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from adoption.identity import credentials
from adoption.models import AuditLog
from tests.web.conftest import PASSWORD, log_in
from tests.web.html import csrf_token, visible_text

NEW = "a brand new password"


@pytest.fixture
def hana_client(client, make_account, app_clock):
    make_account("hana", "hr")
    log_in(client, "hana")
    return client


def change(client, current=PASSWORD, new=NEW, again=None):
    form = client.get("/account/password")
    data = {
        "csrf_token": csrf_token(form.text),
        "current_password": current,
        "new_password": new,
        "confirm_password": new if again is None else again,
    }
    return client.post("/account/password", data=data)


def test_the_form_asks_for_the_current_and_the_new_password_twice(hana_client):
    page = hana_client.get("/account/password")
    assert page.status_code == 200
    for field in ("current_password", "new_password", "confirm_password"):
        assert f'name="{field}"' in page.text


def test_every_page_links_to_the_form(hana_client):
    assert 'href="/account/password"' in hana_client.get("/champions").text


def test_a_change_takes_effect_and_says_so(hana_client, session):
    response = change(hana_client)
    assert response.status_code == 302
    home = hana_client.get(response.headers["Location"], follow_redirects=True)
    assert "Every other session of your account has ended." in visible_text(home.text)
    session.rollback()
    session.expire_all()
    assert credentials.authenticate_account(session, "hana", NEW) is not None
    assert credentials.authenticate_account(session, "hana", PASSWORD) is None


def test_the_new_password_signs_in_elsewhere(app, hana_client):
    change(hana_client)
    assert log_in(app.test_client(), "hana", NEW).status_code == 302


def test_a_wrong_current_password_is_refused_and_audited(hana_client, session):
    response = change(hana_client, current="not it")
    assert response.status_code == 422
    assert "This is not your current password." in visible_text(response.text)
    session.rollback()
    actions = session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions[-1] == "password.failed"


def test_wrong_current_passwords_are_throttled_like_sign_ins(hana_client):
    for _ in range(5):
        change(hana_client, current="not it")
    response = change(hana_client)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert "Try again in 1 second." in visible_text(response.text)


@pytest.mark.parametrize(
    ("new", "again", "message"),
    [
        ("short", None, "At least 8 characters."),
        ("hana", None, "At least 8 characters."),
        ("Hana-the-user", None, None),
        (NEW, NEW + "!", "The two new passwords are not the same."),
        (PASSWORD, None, "Must differ from the current password."),
    ],
)
def test_a_bad_new_password_is_refused_with_the_reason(hana_client, new, again, message):
    response = change(hana_client, new=new, again=again)
    if message is None:
        assert response.status_code == 302
    else:
        assert response.status_code == 422
        assert message in visible_text(response.text)


def test_the_username_itself_is_not_a_password(client, make_account, app_clock):
    make_account("hana-the-user", "hr")
    log_in(client, "hana-the-user")
    response = change(client, new="HANA-THE-USER")
    assert "Must not be the username." in visible_text(response.text)


def test_the_form_needs_a_signed_in_user(client):
    assert client.get("/account/password").headers["Location"].startswith("/login")
