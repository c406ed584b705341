"""The HTTP front (`api.security`): security headers on every response, the session cookie's
flags by setting, framing of the TV board only when configured, trusted proxies."""

from __future__ import annotations

from dataclasses import replace

import pytest

from adoption.config import Settings
from adoption.errors import Invalid
from adoption.identity.throttle import ADDRESS_FREE_TRIES
from api import create_app
from tests.web.conftest import PASSWORD, log_in
from tests.web.html import csrf_token

ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
PATHS = ["/healthz", "/api/v1/sites", "/api/v1/nope", "/login", "/", "/static/web/app.css"]


@pytest.fixture
def make_app(settings):
    apps = []

    def make(**changes):
        app = create_app(replace(settings, **changes))
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["uptake"].engine.dispose()


@pytest.mark.parametrize("path", PATHS)
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    for name, value in ALWAYS.items():
        assert response.headers[name] == value, (path, name)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp


@pytest.mark.parametrize("path", PATHS)
def test_hsts_is_sent_when_the_cookie_is_secure(client, path):
    assert client.get(path).headers["Strict-Transport-Security"] == "max-age=31536000"


def test_no_hsts_and_no_secure_cookie_when_the_cookie_is_not_secure(make_app, make_account):
    make_account("hana", "hr")
    client = make_app(cookie_secure=False).test_client()
    response = log_in(client, "hana")
    assert "Strict-Transport-Security" not in response.headers
    assert "Secure" not in response.headers["Set-Cookie"]


def test_the_session_cookie_is_secure_http_only_and_lax_by_default(client, make_account):
    make_account("hana", "hr")
    cookie = log_in(client, "hana").headers["Set-Cookie"]
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_tv_board_may_be_framed_by_the_configured_sources_only(
    make_app, make_site, make_account, app_clock
):
    make_site("S001")
    make_account("hana", "hr")
    client = make_app(tv_frame_ancestors="https://intranet.example.com").test_client()
    log_in(client, "hana")
    tv = client.get("/sites/S001/leaderboard?tv=1")
    assert tv.status_code == 200
    assert "frame-ancestors https://intranet.example.com" in tv.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in tv.headers
    board = client.get("/sites/S001/leaderboard")
    assert "frame-ancestors 'none'" in board.headers["Content-Security-Policy"]
    assert board.headers["X-Frame-Options"] == "DENY"


def test_without_the_setting_the_tv_board_may_not_be_framed(client, make_site, make_account):
    make_site("S001")
    make_account("hana", "hr")
    log_in(client, "hana")
    tv = client.get("/sites/S001/leaderboard?tv=1")
    assert tv.headers["X-Frame-Options"] == "DENY"


def login_from(client, username: str, password: str, headers: dict):
    page = client.get("/login", headers=headers)
    data = {"username": username, "password": password, "csrf_token": csrf_token(page.text)}
    return client.post("/login", data=data, headers=headers)


def test_behind_a_trusted_proxy_the_forwarded_address_is_throttled(make_app, make_account):
    """An address's failures forwarded for one client block it, not the proxy's other clients."""
    make_account("hana", "hr")
    client = make_app(proxy_hops=1).test_client()
    attacker = {"X-Forwarded-For": "203.0.113.66"}
    for n in range(ADDRESS_FREE_TRIES):  # a different unknown name each time: only the address
        login_from(client, f"guess{n}", "x", attacker)
    assert login_from(client, "hana", PASSWORD, attacker).status_code == 429
    other = {"X-Forwarded-For": "198.51.100.1"}
    assert login_from(client, "hana", PASSWORD, other).status_code == 302


def test_without_a_proxy_setting_forwarded_headers_are_ignored(client, make_account):
    make_account("hana", "hr")
    for n in range(ADDRESS_FREE_TRIES):  # each "from" another address: all are the test client's
        login_from(client, f"guess{n}", "x", {"X-Forwarded-For": f"203.0.113.{n}"})
    other = {"X-Forwarded-For": "198.51.100.1"}
    assert login_from(client, "hana", PASSWORD, other).status_code == 429


def base_env(**values) -> dict[str, str]:
    return {"UPTAKE_SECRET_KEY": "k", "UPTAKE_DATABASE_URL": "sqlite://", **values}


def test_settings_defaults_are_safe():
    settings = Settings.from_env(base_env())
    assert (settings.cookie_secure, settings.proxy_hops, settings.tv_frame_ancestors) == (
        True,
        0,
        None,
    )
    assert (settings.session_idle_minutes, settings.session_max_hours) == (30, 12)


def test_settings_read_the_variables():
    settings = Settings.from_env(
        base_env(
            UPTAKE_COOKIE_SECURE="off",
            UPTAKE_PROXY_HOPS="2",
            UPTAKE_SESSION_IDLE_MINUTES="10",
            UPTAKE_SESSION_MAX_HOURS="8",
            UPTAKE_TV_FRAME_ANCESTORS="'self'  https://*.example.com:8443",
        )
    )
    assert settings.cookie_secure is False and settings.proxy_hops == 2
    assert (settings.session_idle_minutes, settings.session_max_hours) == (10, 8)
    assert settings.tv_frame_ancestors == "'self' https://*.example.com:8443"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("UPTAKE_COOKIE_SECURE", "maybe"),
        ("UPTAKE_PROXY_HOPS", "-1"),
        ("UPTAKE_SESSION_IDLE_MINUTES", "0"),
        ("UPTAKE_SESSION_MAX_HOURS", "many"),
        ("UPTAKE_TV_FRAME_ANCESTORS", "https://ok.example; script-src *"),
        ("UPTAKE_TV_FRAME_ANCESTORS", "*"),
    ],
)
def test_a_bad_value_fails_start_up_naming_the_variable(name, value):
    with pytest.raises(Invalid) as error:
        Settings.from_env(base_env(**{name: value}))
    assert name in error.value.details
