"""The blueprint every JSON API module uses, and the documented shape of its path parameters.

flask-smorest (webargs) reads a JSON body only when the request says `application/json`, and
otherwise, or with no body at all, loads the schema from nothing: a PUT without a body answered
200. Here a body that the operation requires must be there (else 400 `malformed_body`), a body
sent as another media type is 415, and JSON is read by the ingest's reader (`read_json`), which
turns every unreadable body, a 5,000-digit number or deep nesting included, into 400.

Path parameters: flask-smorest documents `<site_id>` as any string; `PATH` documents what the
handlers accept (lengths, patterns, integer ranges), so the OpenAPI document and the service
state the same rule.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

import flask_smorest
from flask import request
from webargs import core
from webargs.flaskparser import FlaskParser

from adoption import limits
from adoption.calendar import Month
from adoption.errors import Invalid, Unreadable, UnsupportedEncoding
from adoption.ingest.validation import read_json
from api.schemas.fields import MONTH_PATTERN, NOT_BLANK

BODY_REQUIRED = "A JSON body is required."
MONTH_RULE = "Use YYYY-MM, from 1900-01 to 2999-12."


class BodyParser(FlaskParser):
    """webargs' parser: an empty body is missing; a body in another media type is 415."""

    def load_json(self, req, schema):
        if not req.get_data(cache=True).strip():
            return core.missing
        if not core.is_json(req.mimetype):
            raise UnsupportedEncoding(
                "Send the body as JSON (Content-Type: application/json).",
                {"Content-Type": [req.mimetype or "none"]},
            )
        return read_json(req.get_data(cache=True))


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = BodyParser()

    def arguments(self, schema, *, location="json", required=True, **kwargs):
        decorate = super().arguments(schema, location=location, required=required, **kwargs)
        if location != "json" or not required:
            return decorate

        def decorator(func):
            parsed = decorate(func)

            @wraps(parsed)
            def wrapper(*args, **kw):
                if not request.get_data(cache=True).strip():
                    raise Unreadable(BODY_REQUIRED, {"body": [BODY_REQUIRED]})
                return parsed(*args, **kw)

            return wrapper

        return decorator


def _path(name: str, description: str, **schema: Any) -> dict:
    return {
        "in": "path",
        "name": name,
        "required": True,
        "description": description,
        "schema": schema,
    }


def _key(name: str, description: str, max_length: int, example: str) -> dict:
    text = {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": NOT_BLANK}
    return _path(name, description, **text, example=example)


def _number(name: str, description: str, limit: limits.Whole) -> dict:
    return _path(name, description, type="integer", minimum=limit.low, maximum=limit.high)


PATH = {
    "site_id": _key("site_id", "A site code; trimmed, matched case-insensitively.", 64, "S001"),
    "user_id": _key("user_id", "A user id; trimmed, matched case-insensitively.", 128, "E001"),
    "action": _key(
        "action", "An action key (dots and slashes allowed); trimmed, lower-cased.", 128, "pos.sale"
    ),
    "month": _path("month", "YYYY-MM.", type="string", pattern=MONTH_PATTERN, example="2026-10"),
    "item_id": _number("item_id", "A quarantine item's id.", limits.ID),
    "n": _number("n", "A wave's number; pilots are wave 0.", limits.WAVE),
    "display_id": _number("display_id", "A display link's id.", limits.ROW_ID),
    "subscription_id": _number("subscription_id", "A subscription's id.", limits.ROW_ID),
    "target_id": _number("target_id", "A target's id.", limits.ROW_ID),
}


def path(*names: str) -> list[dict]:
    """The documented path parameters, for `bp.route(..., parameters=path("site_id"))`."""
    return [dict(PATH[name], schema=dict(PATH[name]["schema"])) for name in names]


def month_of(text: str) -> Month:
    """The month of a `{month}` path parameter, 1900-01 to 2999-12; else 422 naming `month`."""
    month = Month.parse(text)
    if not limits.FIRST_DAY <= month.first_day <= limits.LAST_DAY:
        raise Invalid({"month": [MONTH_RULE]})
    return month


def check_id(name: str, value: int, limit: limits.Whole) -> int:
    """A path integer within its column's range; else 422 naming it (PostgreSQL would refuse
    the query, a 500)."""
    if not limit.holds(value):
        raise Invalid({name: [limit.rule]})
    return value
