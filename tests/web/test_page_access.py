"""Who may open which page: every web route is public (login, logout, static) or gated by
`page(...)`, and each role gets its page, a 403 page, or the way to /login."""

from __future__ import annotations

import pytest

from tests.web.html import csrf_token

PUBLIC_ENDPOINTS = {"web.login", "web.logout", "web.static", "web.set_language"}
# path → roles that get 200 (admin may open every page); others get the 403 page.
PAGES = {
    "/sites/S001/leaderboard": {"admin", "hr", "rollout_lead", "manager", "employee"},
    "/me": {"employee"},  # the one role here with a linked employee
    "/admin/quarantine": {"admin"},
    "/admin/features": {"admin"},
    "/champions": {"admin", "hr"},
    "/champions/2026-10": {"admin", "hr"},
    "/pilots": {"admin", "rollout_lead"},
    "/pilots/readiness": {"admin", "rollout_lead"},
    "/pilots/waves/new": {"admin", "rollout_lead"},
    "/account/password": {"admin", "hr", "rollout_lead", "manager", "employee"},
}
ROLES = ("admin", "hr", "rollout_lead", "manager", "employee")


def test_every_web_route_is_public_or_gated(app):
    ungated = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("web.")
        and not hasattr(app.view_functions[rule.endpoint], "_page_roles")
    }
    assert ungated == PUBLIC_ENDPOINTS


@pytest.fixture
def site(make_site, make_employee):
    make_site("S001")
    make_employee("E001", "S001")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", sorted(PAGES))
def test_each_role_gets_its_pages_and_403_elsewhere(site, sign_in, page_clock, role, path):
    scope = {"manager": {"sites": ["S001"]}, "employee": {"user_id": "E001"}}.get(role, {})
    response = sign_in(role, **scope).get(path)
    allowed = role in PAGES[path]
    expected = 200 if allowed else (404 if path == "/me" else 403)
    assert response.status_code == expected, response.text
    assert response.mimetype == "text/html"


@pytest.mark.parametrize("path", sorted(PAGES))
def test_anonymous_gets_the_login_page_for_every_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/admin/quarantine/1/discard", {"confirm": "yes"}),
        ("/admin/features", {"action": "x.y", "points": "1"}),
        ("/pilots/readiness/rules", {"metric": "adoption_rate", "threshold": "60"}),
        ("/pilots/waves", {"number": "3", "sites": "S001"}),
    ],
)
def test_admin_forms_are_403_for_other_roles_even_with_a_token(site, sign_in, path, data):
    client = sign_in("hr")
    token = csrf_token(client.get("/logout").text)
    assert client.post(path, data={**data, "csrf_token": token}).status_code == 403
