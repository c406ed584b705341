"""HTML error pages for the web routes; everything under /api keeps the JSON error shape.

The status of a page comes from the same table as the JSON API's (`api.errors.ERRORS`).

Blueprint handlers cover errors raised in web views. A URL that matches no route has no
blueprint, so 404 and 405 are also answered app-wide: HTML unless the path is under /api
(or the request was routed to another blueprint), else `api.errors.handle_http` as before.
"""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from adoption.errors import DomainError
from api import errors as api_errors
from api.i18n import N_
from api.web import bp
from api.web.render import error_page

TITLES = {
    400: N_("Bad request"),
    403: N_("Not allowed"),
    404: N_("Page not found"),
    405: N_("Not allowed here"),
    409: N_("Already done"),
    413: N_("Too large"),
    422: N_("Not valid"),
    500: N_("Something went wrong"),
    503: N_("Busy, try again"),
}
MESSAGES = {
    403: N_("Your login does not give access to this page."),
    404: N_("There is no page at this address."),
    405: N_("This page cannot be used that way."),
    500: N_("An unexpected error occurred; it was logged."),
    503: N_("The database is busy; retry in a moment."),
}
# Messages other modules raise in English (api.auth, the domain), so the catalog has them:
# a domain error's message is looked up in it before it is shown (unknown ones stay as they are).
ELSEWHERE = (
    N_("This form has expired or did not come from this site. Reload and try again."),
    N_("Your login has no site yet; ask an admin to add one."),
)


def _page(status: int, message: str | None = None):
    title = _(TITLES[status]) if status in TITLES else _("Error")
    return error_page(status, title, message or (_(MESSAGES[status]) if status in MESSAGES else ""))


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
    return _page(status, _(exc.message) if exc.message else exc.message)


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
