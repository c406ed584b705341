"""The OpenAPI document states the range of every input the service bounds: each integer a
client sends has a minimum and a maximum (a 32-bit column, a 64-bit id, or tighter), each date
the 1900-01-01 .. 2999-12-31 pattern, and a body an operation needs is required."""

from __future__ import annotations

import re

import pytest

from adoption import limits
from api.schemas.fields import DAY_PATTERN
from tests.http.test_openapi import resolve

OPTIONAL_BODIES = {
    ("post", "/api/v1/champions/{month}/reopen"),  # an optional note
    ("post", "/api/v1/quarantine/{item_id}/replay"),  # an optional corrected event
}
# Described by api/schemas/events.py (the event's own rules: tests/http/test_hostile_events.py).
EVENT_SCHEMAS = {"Event", "EventBatch"}


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").json


def operations(spec):
    for path, item in spec["paths"].items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method != "parameters":
                yield method, path, [*shared, *operation.get("parameters", [])], operation


def input_schemas(spec):
    """(where, schema) of every parameter and every property of every request body."""
    for method, path, parameters, operation in operations(spec):
        for parameter in parameters:
            yield f"{method} {path} {parameter['name']}", parameter["schema"]
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            yield from _properties(spec, f"{method} {path} body", body["schema"], set())


def _properties(spec, where, node, seen):
    ref = node.get("$ref", "")
    if ref in seen or ref.rsplit("/", 1)[-1] in EVENT_SCHEMAS:
        return
    node = resolve(spec, node)
    seen = seen | {ref}
    for name, prop in node.get("properties", {}).items():
        if not prop.get("readOnly"):
            yield f"{where}.{name}", resolve(spec, prop)
            yield from _properties(spec, f"{where}.{name}", prop, seen)
    for key in ("items", "oneOf"):
        for child in node.get(key, []) if key == "oneOf" else [node.get(key, {})]:
            yield from _properties(spec, where, child, seen)


def test_every_integer_a_client_sends_has_both_bounds_within_64_bits(spec):
    integers = [(w, s) for w, s in input_schemas(spec) if s.get("type") == "integer"]
    assert len(integers) > 20
    for where, schema in integers:
        assert {"minimum", "maximum"} <= set(schema), where
        assert -limits.INT64_MAX <= schema["minimum"] <= schema["maximum"] <= limits.INT64_MAX


def test_every_date_a_client_sends_states_the_supported_range(spec):
    dates = [(w, s) for w, s in input_schemas(spec) if s.get("format") == "date"]
    assert len(dates) > 10
    for where, schema in dates:
        assert schema.get("pattern") == DAY_PATTERN, where


def test_every_put_body_is_required(spec):
    puts = [(path, op) for method, path, _, op in operations(spec) if method == "put"]
    assert len(puts) >= 5
    for path, operation in puts:
        assert operation["requestBody"]["required"] is True, path


def test_the_bodies_documented_as_optional_are_the_ones_the_handlers_treat_so(spec):
    for method, path in OPTIONAL_BODIES:
        assert spec["paths"][path][method]["requestBody"].get("required", False) is False


def test_canary_share_is_documented_as_greater_than_zero_at_most_one(spec):
    share = spec["components"]["schemas"]["WavePut"]["properties"]["canary_share"]
    assert (share["minimum"], share["exclusiveMinimum"], share["maximum"]) == (0, True, 1)


# JSON Schema patterns are ECMA-262 regular expressions, whose `\s` is not Python's: it leaves out
# U+001C..U+001F and U+0085 (which `str.strip()` removes) and takes in U+FEFF (which it keeps).
ECMA_SPACE = r"[\t\n\v\f\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
STRIPPED = [chr(c) for c in range(0x3001) if chr(c).isspace()]


def _as_ecma(pattern: str) -> re.Pattern:
    """The pattern as a JSON Schema validator reads it (`\\s`/`\\S` in ECMA-262's sense)."""
    pattern = pattern.replace("[\\s\\S]", "(?s:.)")
    pattern = pattern.replace("\\S", "[^" + ECMA_SPACE[1:]).replace("\\s", ECMA_SPACE)
    return re.compile(pattern)


def test_text_patterns_mean_what_the_service_does_with_every_kind_of_space(spec):
    """A client that checks its input against the document's patterns is refused exactly when the
    service refuses it, whatever the space around or instead of the value (a scope of
    `region:` and U+001C was valid to the document and 422 to the service)."""
    patterns = {s["pattern"] for _, s in input_schemas(spec) if s.get("pattern")}
    assert len(patterns) >= 4
    for pattern in patterns:
        ecma, python = _as_ecma(pattern), re.compile(pattern)
        for space in STRIPPED:
            for probe in (space, f"region:{space}", f"{space}chain{space}", f"{space}2026-11"):
                assert bool(ecma.search(probe)) == bool(python.search(probe)), (pattern, probe)
