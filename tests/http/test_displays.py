"""Store display links over the API: admins, and managers for their stores, create, list and
revoke them; a display link's token opens no API endpoint and no page."""

from __future__ import annotations

import re

import pytest

RULE_PART = re.compile(r"<(?:[a-z]+:)?([A-Za-z_]+)>")


@pytest.fixture
def stores(make_site, make_employee):
    make_site("S001")
    make_site("S002")
    make_employee("E001", "S001", display_name="Thomas Taylor")


@pytest.fixture
def admin(make_token):
    return make_token("admin", name="admin")


@pytest.fixture
def manager(make_token):
    return make_token("manager", name="boss-s001", sites=["S001"])


def create(client, headers, **body):
    return client.post("/api/v1/displays", json={"site_id": "S001", **body}, headers=headers)


def test_an_admin_creates_a_link_shown_once_with_its_url(client, stores, admin):
    response = create(client, admin, name="backoffice-tv", expires_in_days=30)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["url"] == f"http://localhost/display/{body['token']}"
    assert body["name"] == "backoffice-tv" and body["site_id"] == "S001"
    assert body["status"] == "live" and body["expires_at"] is not None
    assert response.headers["Cache-Control"] == "no-store"
    listed = client.get("/api/v1/displays", headers=admin).json
    assert [x["name"] for x in listed] == ["backoffice-tv"]
    assert "token" not in listed[0] and "url" not in listed[0]
    assert body["token"] not in client.get("/api/v1/displays", headers=admin).text


def test_the_default_name_is_the_site_and_a_live_name_is_unique_per_site(client, stores, admin):
    assert create(client, admin).json["name"] == "S001-tv"
    again = create(client, admin)
    assert again.status_code == 409
    assert again.json["error"]["details"] == {"name": "S001-tv"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"expires_in_days": 0}, "expires_in_days"),
        ({"expires_in_days": "7"}, "expires_in_days"),
        ({"name": "x" * 65}, "name"),
        ({"name": "   "}, "name"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(client, stores, admin, body, field):
    response = create(client, admin, **body)
    assert response.status_code == 422
    assert field in response.json["error"]["details"]


def test_a_missing_site_is_a_422_and_an_unknown_one_a_404(client, stores, admin):
    missing = client.post("/api/v1/displays", json={"name": "tv"}, headers=admin)
    assert missing.status_code == 422 and "site_id" in missing.json["error"]["details"]
    assert create(client, admin, site_id="NOPE").status_code == 404


def test_a_manager_manages_the_links_of_its_own_stores_only(client, stores, admin, manager):
    own = create(client, manager)
    assert own.status_code == 201
    other = create(client, admin, site_id="S002").json
    assert create(client, manager, site_id="S002").status_code == 403
    assert [x["site_id"] for x in client.get("/api/v1/displays", headers=manager).json] == ["S001"]
    assert client.get("/api/v1/displays?site_id=S002", headers=manager).status_code == 403
    gone = client.delete(f"/api/v1/displays/{other['id']}", headers=manager)
    assert gone.status_code == 404
    revoked = client.delete(f"/api/v1/displays/{own.json['id']}", headers=manager)
    assert revoked.status_code == 200 and revoked.json["status"] == "revoked"
    again = client.delete(f"/api/v1/displays/{own.json['id']}", headers=manager)
    assert again.json["revoked_at"] == revoked.json["revoked_at"]


def test_delete_never_touches_another_kind_of_token(client, stores, admin, make_token):
    make_token("ingest", name="pos")
    ids = range(1, 4)  # token 1 is the admin's, 2 the ingest one, 3 none
    statuses = {client.delete(f"/api/v1/displays/{i}", headers=admin).status_code for i in ids}
    assert statuses == {404}
    assert client.get("/api/v1/sites", headers=admin).status_code == 200  # not revoked


@pytest.mark.parametrize("role", ["hr", "rollout_lead", "employee", "ingest"])
def test_other_roles_get_403(client, stores, make_token, role):
    scope = {"employee": {"user_id": "E001"}}.get(role, {})
    headers = make_token(role, name=f"{role}-t", **scope)
    assert create(client, headers).status_code == 403
    assert client.get("/api/v1/displays", headers=headers).status_code == 403
    assert client.delete("/api/v1/displays/1", headers=headers).status_code == 403


def _filled(rule: str) -> str:
    values = {"site_id": "S001", "user_id": "E001", "month": "2026-10", "username": "x"}
    return RULE_PART.sub(lambda m: values.get(m.group(1), "1"), rule)


def test_a_display_token_opens_no_api_endpoint(app, client, stores, admin):
    token = create(client, admin).json["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/leaderboards?scope=site:S001", headers=bearer).status_code == 401
    wrong = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1/openapi.json":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_filled(rule.rule), method=method, json={}, headers=bearer)
            if response.status_code != 401:
                wrong[f"{method} {rule.rule}"] = response.status_code
    assert wrong == {}
    # Answered as an unknown token: nothing says that the link is live.
    unknown = {"Authorization": "Bearer upt_unknown"}
    refused = client.get("/api/v1/sites", headers=bearer).json
    assert refused == client.get("/api/v1/sites", headers=unknown).json


def test_a_display_token_opens_no_page(client, stores, admin):
    token = create(client, admin).json["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    for path in ("/sites/S001/leaderboard", "/me", "/"):
        response = client.get(path, headers=bearer)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_an_id_beyond_the_columns_range_is_a_422_naming_it(client, stores, admin):
    response = client.delete("/api/v1/displays/3000000000", headers=admin)  # > INT32_MAX
    assert response.status_code == 422
    assert list(response.json["error"]["details"]) == ["display_id"]
