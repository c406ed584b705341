"""The OpenAPI document describes the error body the API really sends: {"error": {...}}."""

from __future__ import annotations

import pytest

ERROR_FIELDS = {"code", "message", "details"}
SMOREST_DEFAULT = {"status", "errors"}  # flask-smorest's own error shape, which we never send


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").json


def resolve(spec: dict, node: dict) -> dict:
    seen = set()
    while "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/") and ref not in seen, ref
        seen.add(ref)
        node = spec
        for part in ref[2:].split("/"):
            node = node[part]
    return node


def error_body_schema(spec: dict, response: dict) -> dict:
    """The schema of the `error` object inside a documented error response."""
    response = resolve(spec, response)
    envelope = resolve(spec, response["content"]["application/json"]["schema"])
    assert set(envelope["properties"]) == {"error"}, envelope
    assert envelope.get("required") == ["error"]
    return resolve(spec, envelope["properties"]["error"])


def test_default_error_is_the_error_envelope(spec):
    body = error_body_schema(spec, spec["components"]["responses"]["DEFAULT_ERROR"])
    assert set(body["properties"]) == ERROR_FIELDS
    assert set(body["required"]) == ERROR_FIELDS
    assert body["properties"]["code"]["type"] == "string"
    assert body["properties"]["message"]["type"] == "string"
    assert body["properties"]["details"]["type"] == "object"


def test_every_documented_error_response_uses_the_envelope(spec):
    """Per-status components (e.g. UNPROCESSABLE_ENTITY for 422) and each operation's 4xx/5xx."""
    checked = 0
    for name, response in spec["components"]["responses"].items():
        if "content" in response:
            assert set(error_body_schema(spec, response)["properties"]) == ERROR_FIELDS, name
            checked += 1
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                if status == "default" or status.startswith(("4", "5")):
                    body = error_body_schema(spec, response)
                    assert set(body["properties"]) == ERROR_FIELDS, (method, path, status)
                    checked += 1
    assert checked > 10


def test_flask_smorest_error_shape_is_not_documented(spec):
    for name, schema in spec["components"]["schemas"].items():
        assert not set(schema.get("properties", {})) >= SMOREST_DEFAULT, name


def test_documented_shape_matches_a_real_error(client, spec):
    """A real 404 body has exactly the documented fields."""
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    body = error_body_schema(spec, spec["components"]["responses"]["DEFAULT_ERROR"])
    assert set(response.json) == {"error"}
    assert set(response.json["error"]) == set(body["properties"])
