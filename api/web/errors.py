"""HTML error pages for the web routes; everything under /api keeps the JSON error shape.

The status of a page comes from the same table as the JSON API's (`api.errors.ERRORS`).

Blueprint handlers cover errors raised in web views. A URL that matches no route has no
blueprint, so 404 and 405 are also answered app-wide: HTML unless the path is under /api
(or the request was routed to another blueprint), else `api.errors.handle_http` as before.
"""

from __future__ import annotations

from flask import request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from adoption.errors import DomainError
from api import errors as api_errors
from api.web import bp
from api.web.render import error_page

TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed here",
    409: "Already done",
    413: "Too large",
    422: "Not valid",
    500: "Something went wrong",
    503: "Busy, try again",
}
MESSAGES = {
    403: "Your login does not give access to this page.",
    404: "There is no page at this address.",
    405: "This page cannot be used that way.",
    500: "An unexpected error occurred; it was logged.",
    503: "The database is busy; retry in a moment.",
}


def _page(status: int, message: str | None = None):
    return error_page(status, TITLES.get(status, "Error"), message or MESSAGES.get(status, ""))


def _is_web_request() -> bool:
    if request.blueprint is not None:
        return request.blueprint == "web"
    return not (request.path == "/api" or request.path.startswith("/api/"))


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    status, _code = api_errors.status_and_code(exc)
    own = exc.description if exc.description != type(exc).description else None
    html, status, headers = _page(status, own)
    if status == 405 and getattr(exc, "valid_methods", None):
        headers = {**headers, "Allow": ", ".join(sorted(exc.valid_methods))}
    return html, status, headers


@bp.errorhandler(DomainError)
def domain_error(exc: DomainError):
    status, _code = api_errors.status_and_code(exc)
    return _page(status, exc.message)


@bp.errorhandler(Exception)
def unexpected(exc: Exception):
    """Logged (and a 503 for transient contention) by the API's handlers, shown as a page."""
    if isinstance(exc, HTTPException):
        return http_error(exc)
    if isinstance(exc, DBAPIError):
        response = api_errors.handle_database(exc)
    else:
        response = api_errors.handle_unexpected(exc)
    html, status, headers = _page(response.status_code)
    if "Retry-After" in response.headers:
        headers = {**headers, "Retry-After": response.headers["Retry-After"]}
    return html, status, headers


@bp.app_errorhandler(404)
@bp.app_errorhandler(405)
def unrouted(exc: HTTPException):
    if _is_web_request():
        return http_error(exc)
    return api_errors.handle_http(exc)
