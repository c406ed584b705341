"""The one error mapping: every exception a request can end with → (HTTP status, error code).

`ERRORS` is the only table. Handlers raise domain errors (`adoption.errors`); flask-smorest's own
422 and werkzeug's HTTP exceptions (404 for an unknown URL, 405, 413 …) are looked up in the same
table. The JSON API answers `{"error": {"code", "message", "details"}}` (`error_response`); the
pages render error.html with the same status (`api.web.errors`). Transient database contention is
503 `unavailable` with `Retry-After`: on SQLite, a write lock still taken when the busy timeout has
elapsed (writers wait for it, `api.database`), on PostgreSQL a deadlock or a serialization
failure. Anything else is a logged 500 `internal_error`.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug import exceptions as http
from werkzeug.exceptions import HTTPException

from adoption import errors as domain

log = logging.getLogger(__name__)

ERRORS: dict[type[Exception], tuple[int, str]] = {
    domain.Unreadable: (400, "malformed_body"),
    domain.Unauthorized: (401, "unauthorized"),
    domain.Forbidden: (403, "forbidden"),
    domain.NotFound: (404, "not_found"),
    domain.MonthNotOver: (409, "month_not_over"),
    domain.Conflict: (409, "conflict"),
    domain.TooLarge: (413, "payload_too_large"),
    domain.UnsupportedEncoding: (415, "unsupported_media_type"),
    domain.Invalid: (422, "validation_error"),
    domain.Unavailable: (503, "unavailable"),
    http.BadRequest: (400, "malformed_body"),
    http.Unauthorized: (401, "unauthorized"),
    http.Forbidden: (403, "forbidden"),
    http.NotFound: (404, "not_found"),
    http.MethodNotAllowed: (405, "method_not_allowed"),
    http.Conflict: (409, "conflict"),
    http.RequestEntityTooLarge: (413, "payload_too_large"),
    http.UnsupportedMediaType: (415, "unsupported_media_type"),
    http.UnprocessableEntity: (422, "validation_error"),
    http.TooManyRequests: (429, "too_many_requests"),
    http.ServiceUnavailable: (503, "unavailable"),
}
INTERNAL = (500, "internal_error")
TRANSIENT = (
    "database is locked",
    "database table is locked",
    "deadlock detected",
    "could not serialize",
    "lock timeout",
    "canceling statement due to lock",
)
RETRY_AFTER_S = "1"


def status_and_code(exc: BaseException) -> tuple[int, str]:
    """The row of `ERRORS` for this exception (its nearest class in the table); another
    HTTPException keeps its status as `http_error`; transient contention is 503; else 500."""
    for cls in type(exc).__mro__:
        if cls in ERRORS:
            return ERRORS[cls]
    if isinstance(exc, HTTPException):
        return exc.code or 500, "http_error"
    if is_transient(exc):
        return ERRORS[domain.Unavailable]
    return INTERNAL


def is_transient(exc: BaseException) -> bool:
    """Lock contention the client may retry (SQLite busy, PostgreSQL deadlock or timeout)."""
    if not isinstance(exc, OperationalError):
        return False
    return any(t in str(exc.orig).lower() for t in TRANSIENT)


def error_response(status: int, code: str, message: str, details: dict | None = None):
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    response.status_code = status
    if status == 503:
        response.headers["Retry-After"] = RETRY_AFTER_S
    return response


def handle_http(exc: HTTPException):
    status, code = status_and_code(exc)
    details = {}
    data = getattr(exc, "data", None) or {}
    if status == 422 and "messages" in data:
        details = _flatten(data["messages"])
    if status == 405 and exc.valid_methods:
        details = {"allowed": sorted(exc.valid_methods)}
    message = exc.description if status != 422 else "The input is not valid."
    response = error_response(status, code, message, details)
    if status == 405 and exc.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    return response


def _flatten(messages: dict) -> dict:
    """webargs nests messages by location ({"query": {...}}); clients want field → messages."""
    flat: dict = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            flat.update(fields)
        else:
            flat[location] = fields
    return flat


def handle_domain(exc: domain.DomainError):
    status, code = status_and_code(exc)
    return error_response(status, code, exc.message, exc.details)


def handle_database(exc: DBAPIError):
    if is_transient(exc):
        log.warning("transient database contention: %s", exc.orig)
        return error_response(*ERRORS[domain.Unavailable], "The database is busy; retry shortly.")
    return handle_unexpected(exc)


def handle_unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return handle_http(exc)
    log.exception("unexpected error")
    return error_response(*INTERNAL, "An unexpected error occurred; it was logged.")


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(domain.DomainError, handle_domain)
    app.register_error_handler(DBAPIError, handle_database)
    app.register_error_handler(Exception, handle_unexpected)
