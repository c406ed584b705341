"""Login and logout with the session cookie, CSRF on every form, and the way back to /login."""

from __future__ import annotations

import pytest

from tests.web.conftest import PASSWORD, log_in
from tests.web.html import csrf_token, visible_text


@pytest.fixture
def hr(make_account):
    return make_account("hana", "hr")


def test_login_page_has_the_form_fields_and_a_csrf_token(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert 'name="username"' in page.text and 'name="password"' in page.text
    assert csrf_token(page.text)


def test_good_login_sets_the_session_and_goes_to_the_roles_home(client, hr):
    response = log_in(client, "hana")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    with client.session_transaction() as web_session:
        assert web_session["account_id"] == hr.id


def test_login_matches_the_username_case_insensitively(client, hr):
    assert log_in(client, "HANA").status_code == 302


@pytest.mark.parametrize(
    ("username", "password"), [("hana", "wrong password"), ("nobody", PASSWORD), ("", "")]
)
def test_failed_login_says_the_same_whichever_part_was_wrong(client, hr, username, password):
    response = log_in(client, username, password)
    assert response.status_code == 200
    assert "The username or password is not right." in visible_text(response.text)
    with client.session_transaction() as web_session:
        assert "account_id" not in web_session


def test_login_without_csrf_token_is_a_400_page(client, hr):
    client.get("/login")
    response = client.post("/login", data={"username": "hana", "password": PASSWORD})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "This form has expired" in visible_text(response.text)
    with client.session_transaction() as web_session:
        assert "account_id" not in web_session


def test_login_with_another_sessions_csrf_token_is_a_400_page(app, client, hr):
    other = app.test_client()
    token = csrf_token(other.get("/login").text)
    client.get("/login")
    data = {"username": "hana", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=data).status_code == 400


def test_login_starts_a_new_session_against_fixation(client, hr):
    before = csrf_token(client.get("/login").text)
    with client.session_transaction() as web_session:
        web_session["planted"] = "by an attacker"
    log_in(client, "hana")
    with client.session_transaction() as web_session:
        assert "planted" not in web_session
        assert web_session["csrf_token"] != before


def test_session_cookie_is_http_only_and_same_site_lax(client, hr):
    response = log_in(client, "hana")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_anonymous_page_request_redirects_to_login_with_next(client):
    response = client.get("/sites/S001/leaderboard?period=all")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/sites/S001/leaderboard?period%3Dall"


def test_login_returns_to_next(client, hr):
    response = log_in(client, "hana", next_path="/sites/S001/leaderboard?period=all")
    assert response.headers["Location"] == "/sites/S001/leaderboard?period=all"


@pytest.mark.parametrize(
    "target",
    ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "x"],
)
def test_login_ignores_a_next_that_is_not_a_local_path(client, hr, target):
    assert log_in(client, "hana", next_path=target).headers["Location"] == "/"


def test_logout_get_asks_and_post_signs_out(client, hr):
    log_in(client, "hana")
    page = client.get("/logout")
    assert page.status_code == 200
    assert 'action="/logout"' in page.text
    response = client.post("/logout", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    with client.session_transaction() as web_session:
        assert "account_id" not in web_session
    assert client.get("/").headers["Location"].startswith("/login")


def test_logout_without_csrf_token_keeps_the_session(client, hr):
    log_in(client, "hana")
    assert client.post("/logout").status_code == 400
    with client.session_transaction() as web_session:
        assert web_session["account_id"] == hr.id


def test_signed_in_user_visiting_login_goes_home(client, hr):
    log_in(client, "hana")
    assert client.get("/login").headers["Location"] == "/"


def test_disabled_account_session_counts_as_anonymous(client, hr, session, page_clock):
    log_in(client, "hana")
    hr.disabled_at = page_clock
    session.commit()
    assert client.get("/").headers["Location"].startswith("/login")
