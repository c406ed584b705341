"""Bearer tokens and session logins → a Principal; role checks and site scoping for handlers."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps

from flask import g, request
from flask import session as web_session

from adoption.identity import credentials
from adoption.identity.credentials import Principal
from api import database
from api.clock import utcnow
from api.errors import ApiError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_SESSION_KEY = "csrf_token"  # shared with the web forms (api/web/auth.py)
ALL_READERS = ("admin", "hr", "rollout_lead", "manager", "employee")


def current_principal() -> Principal | None:
    """The caller from `Authorization: Bearer`, else from a web login; None when anonymous."""
    if "principal" in g:
        return g.principal
    principal = None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "unauthorized", "Use 'Authorization: Bearer <token>'.")
        principal = credentials.authenticate_token(database.session(), token.strip(), now=utcnow())
        if principal is None:
            raise ApiError(401, "unauthorized", "The token is invalid, revoked or expired.")
    elif "account_id" in web_session:
        _check_session_csrf()
        account = credentials.account_by_id(database.session(), web_session["account_id"])
        principal = credentials.principal_for_account(account) if account else None
    g.principal = principal
    return principal


def _check_session_csrf() -> None:
    """A browser session may change things through the API only with its CSRF token in the
    X-CSRF-Token header (the same token the web forms carry); bearer tokens need none."""
    if request.method in SAFE_METHODS:
        return
    expected = web_session.get(CSRF_SESSION_KEY) or ""
    sent = request.headers.get("X-CSRF-Token", "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise ApiError(
            403,
            "forbidden",
            "A signed-in browser must send its X-CSRF-Token header to change anything.",
        )


def requires(*roles: str) -> Callable:
    """Allow these roles (admin always); 401 without valid credentials, 403 for other roles."""
    allowed = {"admin", *roles}

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            principal = current_principal()
            if principal is None:
                raise ApiError(401, "unauthorized", "Authentication is required.")
            if principal.role not in allowed:
                raise ApiError(403, "forbidden", f"The role {principal.role!r} may not do this.")
            return view(*args, **kwargs)

        wrapper._required_roles = tuple(sorted(allowed))
        return wrapper

    return decorate


def require_site(principal: Principal, site_id: int, code: str) -> None:
    """403 when a scoped role asks for a site outside its scope."""
    if not principal.can_see_site(site_id):
        raise ApiError(403, "forbidden", f"Site {code!r} is outside your scope.", {"site_id": code})


def visible_site_ids(principal: Principal) -> set[int] | None:
    """The sites a list is filtered to, or None for every site."""
    if principal.role == "manager":
        return set(principal.site_ids)
    if principal.role == "employee":
        return {principal.home_site_id} if principal.home_site_id else set()
    return None
