"""Web page fixtures: accounts per role, a signed-in test client, the clock fixed for pages."""

from __future__ import annotations

import pytest

from adoption.identity import credentials
from tests.adoption.scoring.test_proficiency import NOW
from tests.web.html import csrf_token

PASSWORD = "correct horse battery"


@pytest.fixture
def make_account(session):
    """A web login; `password` defaults to PASSWORD."""

    def make(username, role, *, sites=(), user_id=None, password=PASSWORD):
        account, _ = credentials.create_account(
            session,
            username=username,
            role=role,
            now=NOW,
            sites=list(sites),
            user_id=user_id,
            password=password,
        )
        session.commit()
        return account

    return make


def log_in(client, username: str, password: str = PASSWORD, next_path: str | None = None):
    """The login form as a browser fills it: GET for the token, POST the fields."""
    page = client.get("/login")
    data = {"username": username, "password": password, "csrf_token": csrf_token(page.text)}
    if next_path is not None:
        data["next"] = next_path
    return client.post("/login", data=data)


@pytest.fixture
def sign_in(client, make_account):
    """Create an account of the role and sign the test client in with it."""

    def sign(role, username=None, **account):
        username = username or f"{role}-web"
        make_account(username, role, **account)
        response = log_in(client, username)
        assert response.status_code == 302, response.text
        return client

    return sign


@pytest.fixture
def page_clock(monkeypatch):
    """Pages read the clock through api.clock.utcnow: fixed at NOW (2026-11-20 12:00 UTC)."""
    monkeypatch.setattr("api.clock.utcnow", lambda: NOW)
    return NOW
