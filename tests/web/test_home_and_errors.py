"""The role home, the 403 and 404 pages in the layout, and /api errors that stay JSON."""

from __future__ import annotations

import pytest

from tests.web.html import visible_text


@pytest.fixture
def sites(make_site, make_employee):
    make_site("S001", name="Faro Mall")
    make_site("S002", name="Lisbon Centre")
    make_site("S003", name="Porto Riverside")
    make_employee("E001", "S001")
    make_employee("E002", "S002")


@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("employee", "/me"),
        ("hr", "/champions"),
        ("rollout_lead", "/pilots"),
        ("admin", "/admin/quarantine"),
    ],
)
def test_role_home_redirects_to_the_roles_page(sites, sign_in, role, home):
    client = sign_in(role, user_id="E001" if role == "employee" else None)
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == home


def test_manager_home_is_the_board_of_its_first_site(sites, sign_in):
    client = sign_in("manager", sites=["S003", "S002"])
    assert client.get("/").headers["Location"] == "/sites/S002/leaderboard"


def test_anonymous_home_redirects_to_login(client):
    assert client.get("/").headers["Location"] == "/login?next=/"


def test_manager_gets_the_403_page_on_another_sites_board(sites, sign_in):
    client = sign_in("manager", sites=["S001"])
    response = client.get("/sites/S002/leaderboard")
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    text = visible_text(response.text)
    assert "Not allowed" in text and "outside the sites of your login" in text
    assert "Board S001" in text  # the same layout: the manager's nav
    assert "Lisbon Centre" not in text


def test_manager_gets_403_not_404_for_an_unknown_site(sites, sign_in):
    client = sign_in("manager", sites=["S001"])
    assert client.get("/sites/NOPE/leaderboard").status_code == 403


def test_employee_gets_403_on_a_board_other_than_its_home_site(sites, sign_in):
    client = sign_in("employee", user_id="E001")
    assert client.get("/sites/S002/leaderboard").status_code == 403


def test_hr_gets_the_404_page_for_an_unknown_site(sites, sign_in):
    response = sign_in("hr").get("/sites/NOPE/leaderboard")
    assert response.status_code == 404
    assert "No site 'NOPE'." in visible_text(response.text)


@pytest.mark.parametrize("path", ["/admin/quarantine", "/admin/features"])
def test_admin_pages_are_403_for_other_roles(sites, sign_in, path):
    response = sign_in("manager", sites=["S001"]).get(path)
    assert response.status_code == 403
    assert response.mimetype == "text/html"


def test_me_is_404_for_a_login_without_an_employee(sites, sign_in):
    response = sign_in("hr").get("/me")
    assert response.status_code == 404
    assert "No employee is linked to your login" in visible_text(response.text)


def test_unknown_page_is_the_404_page_in_the_layout(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Page not found" in visible_text(response.text)
    assert '<link rel="stylesheet" href="/static/web/app.css">' in response.text


def test_unknown_page_shows_the_signed_in_nav(sites, sign_in):
    response = sign_in("admin").get("/no/such/page")
    assert response.status_code == 404
    assert "Quarantine" in visible_text(response.text)


def test_unknown_api_path_stays_a_json_404(client):
    response = client.get("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_wrong_method_on_an_api_path_stays_a_json_405(client):
    response = client.delete("/api/v1/events")
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"


def test_wrong_method_on_a_page_is_an_html_405(client):
    response = client.put("/login")
    assert response.status_code == 405
    assert response.mimetype == "text/html"
    assert "GET" in response.headers["Allow"]


def test_pages_send_security_headers(client):
    response = client.get("/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


def test_static_files_are_served_by_the_app(client):
    for name in ("app.css", "app.js"):
        response = client.get(f"/static/web/{name}")
        assert response.status_code == 200
        response.close()


def test_pages_load_nothing_from_other_hosts(sites, sign_in):
    client = sign_in("admin")
    for path in ("/login", "/admin/quarantine", "/admin/features", "/sites/S001/leaderboard"):
        html = client.get(path).text
        assert "http://" not in html and "https://" not in html, path


def test_unexpected_error_in_a_page_is_a_logged_500_page(sites, sign_in, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("api.web.pages.team_page", broken)
    response = sign_in("hr").get("/sites/S001/leaderboard")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert "Something went wrong" in visible_text(response.text)
    assert "boom" not in response.text
    assert "unexpected error" in caplog.text


def test_an_error_page_starts_no_session_for_a_visitor(client):
    """The store TV's browser asks for /favicon.ico: the 404 must not set a cookie (no language
    switch, whose CSRF field would start a session, is offered outside the sign-in page)."""
    response = client.get("/favicon.ico")
    assert response.status_code == 404
    assert "Set-Cookie" not in response.headers
