"""Every 4xx/5xx is `{"error": {"code", "message", "details"}}` (CONTRACT.md "Errors"), the probes,
and the OpenAPI document."""

from __future__ import annotations

import logging
import re
import shutil
import sqlite3
from datetime import UTC, datetime

import pytest

import adoption.db
from adoption.config import Settings
from adoption.identity import credentials
from api import create_app
from tests.test_migrations import empty_database

ERROR_KEYS = {"code", "message", "details"}
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def assert_error(response, status: int, code: str) -> dict:
    """The JSON error shape with this status and code; returns the error object."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert set(response.json) == {"error"}
    error = response.json["error"]
    assert set(error) == ERROR_KEYS
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], dict)
    return error


@pytest.fixture
def admin(make_token):
    return make_token("admin", name="admin")


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/nope"])  # /nope: the HTML 404 page
def test_unknown_url_is_404_not_found(client, path):
    assert_error(client.get(path), 404, "not_found")


def test_unknown_item_is_404_not_found(client, admin):
    error = assert_error(client.get("/api/v1/sites/NOPE", headers=admin), 404, "not_found")
    assert "NOPE" in error["message"] or error["details"]


def test_wrong_method_is_405_with_allow_header(client, admin):
    response = client.delete("/api/v1/sites", headers=admin)
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in {m.strip() for m in response.headers["Allow"].split(",")}


def test_body_over_max_content_length_is_413(app, client, admin):
    body = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.put(
        "/api/v1/sites/S001",
        data=body,
        headers={**admin, "Content-Type": "application/json"},
    )
    assert_error(response, 413, "payload_too_large")


def test_body_that_is_not_json_is_400_malformed_body(client, admin):
    response = client.put(
        "/api/v1/sites/S001", data=b"{name", headers={**admin, "Content-Type": "application/json"}
    )
    assert_error(response, 400, "malformed_body")


@pytest.mark.parametrize("path", ["/api/v1/events", "/api/v1/quarantine/1/replay"])
def test_json_nested_too_deeply_is_400_not_500(client, admin, path):
    body = b"[" * 100_000 + b"]" * 100_000
    response = client.post(path, data=body, headers={**admin, "Content-Type": "application/json"})
    assert_error(response, 400, "malformed_body")


def test_bad_query_parameter_is_422_with_field_messages(client, admin):
    response = client.get("/api/v1/sites?limit=abc", headers=admin)
    error = assert_error(response, 422, "validation_error")
    assert error["details"] == {"limit": ["Not a valid integer."]}


def test_bad_body_field_is_422_with_field_messages(client, admin):
    response = client.put("/api/v1/sites/S001", json={"name": "A", "wave": "x"}, headers=admin)
    error = assert_error(response, 422, "validation_error")
    assert error["details"] == {"wave": ["Not a valid integer."]}


def test_bad_cursor_is_422_with_field_messages(client, admin):
    error = assert_error(
        client.get("/api/v1/sites?cursor=%%%", headers=admin), 422, "validation_error"
    )
    assert error["details"] == {"cursor": ["Not a valid cursor."]}


def _add_failing_route(app) -> None:
    def boom():
        raise RuntimeError("secret-db-password in /srv/uptake/app.py")

    app.add_url_rule("/api/v1/boom", "boom", boom)


def test_unexpected_exception_is_500_without_traceback_or_text(app, client):
    _add_failing_route(app)
    response = client.get("/api/v1/boom")
    assert_error(response, 500, "internal_error")
    text = response.get_data(as_text=True)
    assert "secret-db-password" not in text
    assert "Traceback" not in text and "RuntimeError" not in text


def test_unexpected_exception_is_logged_with_its_traceback(app, client, caplog):
    _add_failing_route(app)
    with caplog.at_level(logging.ERROR):
        client.get("/api/v1/boom")
    assert any(record.exc_info and record.exc_info[0] is RuntimeError for record in caplog.records)


@pytest.fixture
def short_busy_app(sqlite_template, tmp_path, monkeypatch):
    """An app on SQLite that gives up on a held write lock after 50 ms instead of 5 s."""
    monkeypatch.setattr(adoption.db, "SQLITE_BUSY_TIMEOUT_S", 0.05)
    path = tmp_path / "locked.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app(
        Settings(
            database_url=f"sqlite:///{path}",
            secret_key="test",
            instance_path=tmp_path / "instance",
        )
    )
    app.config["TESTING"] = True
    yield app, path
    app.extensions["uptake"].engine.dispose()


def test_database_locked_is_503_with_retry_after(short_busy_app):
    app, path = short_busy_app
    with app.extensions["uptake"].sessions() as session:
        _, token = credentials.create_token(session, role="admin", name="admin", now=NOW)
        session.commit()
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        response = app.test_client().put(
            "/api/v1/sites/S009",
            json={"name": "Store 9"},
            headers={"Authorization": f"Bearer {token}"},
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert_error(response, 503, "unavailable")
    assert response.headers["Retry-After"].isdigit()


def test_readyz_is_200_at_head(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["status"] == "ready"


def test_readyz_is_503_on_a_database_never_migrated(database_url, tmp_path):
    with empty_database(database_url, tmp_path) as url:
        app = create_app(
            Settings(database_url=url, secret_key="test", instance_path=tmp_path / "instance")
        )
        response = app.test_client().get("/readyz")
        app.extensions["uptake"].engine.dispose()
    error = assert_error(response, 503, "unavailable")
    assert error["details"] == {"reason": "migrations_pending"}
    assert response.headers["Retry-After"].isdigit()


def _openapi_path(rule: str) -> str:
    """Flask's `<int:item_id>` / `<path:action>` → OpenAPI's `{item_id}` / `{action}`."""
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_openapi_lists_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").json
    served = {
        (_openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.rule != "/api/v1/openapi.json"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {
        (path, method)
        for path, operations in spec["paths"].items()
        for method in operations
        if method != "parameters"
    }
    assert served == documented


def test_openapi_describes_the_event_schema_and_its_limits(client):
    event = client.get("/api/v1/openapi.json").json["components"]["schemas"]["Event"]
    props = event["properties"]
    assert set(event["required"]) == {"event_id", "user_id", "site_id", "action", "occurred_at"}
    assert set(props) == {
        "event_id",
        "user_id",
        "site_id",
        "action",
        "occurred_at",
        "outcome",
        "duration_ms",
        "properties",
    }
    assert (props["event_id"]["minLength"], props["event_id"]["maxLength"]) == (1, 128)
    assert (props["action"]["minLength"], props["action"]["maxLength"]) == (1, 128)
    assert props["occurred_at"]["format"] == "date-time"
    assert {"success", "error"} <= set(props["outcome"]["enum"])
    assert (props["duration_ms"]["minimum"], props["duration_ms"]["maximum"]) == (0, 86_400_000)
    assert props["properties"]["type"] == "object" and "4096" in props["properties"]["description"]


def test_openapi_declares_bearer_security(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    assert spec["security"] == [{"bearer": []}]
