"""The one place that turns domain exceptions and HTTP errors into the JSON error shape."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from adoption.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, Unavailable

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "malformed_body",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    503: "unavailable",
}
DOMAIN_STATUS = {NotFound: 404, Conflict: 409, Forbidden: 403, Invalid: 422, Unavailable: 503}
TRANSIENT = (
    "database is locked",
    "database table is locked",
    "deadlock detected",
    "could not serialize",
    "lock timeout",
    "canceling statement due to lock",
)
RETRY_AFTER_S = "1"


def error_response(status: int, code: str, message: str, details: dict | None = None):
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    response.status_code = status
    if status == 503:
        response.headers["Retry-After"] = RETRY_AFTER_S
    return response


class ApiError(Exception):
    """Raised by handlers for a precise status and code (e.g. 409 month_not_over)."""

    def __init__(self, status: int, code: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def handle_http(exc: HTTPException):
    status = exc.code or 500
    details = {}
    data = getattr(exc, "data", None) or {}
    if status == 422 and "messages" in data:
        details = _flatten(data["messages"])
    if status == 405 and exc.valid_methods:
        details = {"allowed": sorted(exc.valid_methods)}
    message = exc.description if status != 422 else "The input is not valid."
    response = error_response(status, HTTP_CODES.get(status, "http_error"), message, details)
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


def handle_domain(exc: DomainError):
    status = next((s for cls, s in DOMAIN_STATUS.items() if isinstance(exc, cls)), 500)
    return error_response(status, exc.code, exc.message, exc.details)


def handle_api_error(exc: ApiError):
    return error_response(exc.status, exc.code, exc.message, exc.details)


def handle_database(exc: DBAPIError):
    if isinstance(exc, OperationalError) and any(t in str(exc.orig).lower() for t in TRANSIENT):
        log.warning("transient database contention: %s", exc.orig)
        return error_response(503, "unavailable", "The database is busy; retry shortly.")
    return handle_unexpected(exc)


def handle_unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return handle_http(exc)
    log.exception("unexpected error")
    return error_response(500, "internal_error", "An unexpected error occurred; it was logged.")


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(DomainError, handle_domain)
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(DBAPIError, handle_database)
    app.register_error_handler(Exception, handle_unexpected)
