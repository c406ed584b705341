"""Who is calling, and what they may do: the one module for authentication and CSRF.

Used by the JSON API (`requires`) and the pages (`api.web.render.page`, the login routes):

- Callers: `current_principal()` is the bearer token's holder (`Authorization: Bearer`), else the
  web login of the session cookie; `session_principal()` is only the web login (pages ignore
  `Authorization` headers). Both are cached in `g.principal` for the request.
- CSRF: each browser session holds one random token (`session["csrf_token"]`, made on first use,
  renewed at login). Any unsafe request (not GET/HEAD/OPTIONS) made with the session cookie must
  send it: a page form in its hidden `csrf_token` field or the `X-CSRF-Token` header (else the
  400 page), the JSON API in the `X-CSRF-Token` header (else 403). Bearer tokens need none.
- Roles: admin may always; `has_role(principal, roles)`. Site scoping: `require_site`,
  `visible_site_ids`.

Failures raise domain errors (`Unauthorized`, `Forbidden`, `Unreadable`), mapped to HTTP once in
`api.errors`.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Iterable
from functools import wraps

from flask import g, request
from flask import session as web_session
from sqlalchemy.orm import Session

from adoption.errors import Forbidden, NotFound, Unauthorized, Unreadable
from adoption.identity import credentials
from adoption.identity.credentials import Principal
from adoption.masterdata.records import get_site
from adoption.models import Site
from api import database
from api.clock import utcnow

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_KEY = "csrf_token"  # the session key and the forms' hidden field
CSRF_HEADER = "X-CSRF-Token"
ACCOUNT_KEY = "account_id"
ALL_READERS = ("admin", "hr", "rollout_lead", "manager", "employee")
FORM_EXPIRED = "This form has expired or did not come from this site. Reload and try again."
API_NEEDS_CSRF = "A signed-in browser must send its X-CSRF-Token header to change anything."


def current_principal() -> Principal | None:
    """The caller from `Authorization: Bearer`, else from a web login; None when anonymous.

    A web login changing anything through the API must send its CSRF header (403 otherwise)."""
    if "principal" in g:
        return g.principal
    header = request.headers.get("Authorization", "")
    if header:
        g.principal = _bearer(header)
        return g.principal
    if ACCOUNT_KEY in web_session:
        check_csrf(form=False)
    return session_principal()


def _bearer(header: str) -> Principal:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Use 'Authorization: Bearer <token>'.")
    principal = credentials.authenticate_token(database.session(), token.strip(), now=utcnow())
    if principal is None:
        raise Unauthorized("The token is invalid, revoked or expired.")
    return principal


def session_principal() -> Principal | None:
    """The web login of this session (an enabled account), or None."""
    if "principal" in g:
        return g.principal
    principal = None
    account_id = web_session.get(ACCOUNT_KEY)
    if account_id is not None:
        account = credentials.account_by_id(database.session(), account_id)
        principal = credentials.principal_for_account(account) if account else None
    g.principal = principal
    return principal


def sign_in(account_id: int) -> None:
    """Start a fresh session for this account: nothing of the pre-login session is kept (no
    fixation) and the CSRF token is new."""
    web_session.clear()
    web_session[CSRF_KEY] = secrets.token_urlsafe(32)
    web_session[ACCOUNT_KEY] = account_id
    g.pop("principal", None)


def sign_out() -> None:
    web_session.clear()
    g.pop("principal", None)


def csrf_token() -> str:
    """This session's CSRF token, made on first use."""
    token = web_session.get(CSRF_KEY)
    if not token:
        token = web_session[CSRF_KEY] = secrets.token_urlsafe(32)
    return token


def check_csrf(*, form: bool) -> None:
    """An unsafe request must carry the session's CSRF token: in the form field or the header
    for a page (`form=True`, else `Unreadable`: the 400 page), in the header for the JSON API
    (else `Forbidden`: 403)."""
    if request.method in SAFE_METHODS:
        return
    sent = (request.form.get(CSRF_KEY) if form else None) or request.headers.get(CSRF_HEADER, "")
    expected = web_session.get(CSRF_KEY) or ""
    if expected and hmac.compare_digest(sent.encode(), expected.encode()):
        return
    raise Unreadable(FORM_EXPIRED) if form else Forbidden(API_NEEDS_CSRF)


def has_role(principal: Principal, roles: Iterable[str]) -> bool:
    """Admin may do everything; other roles only what they are listed for."""
    return principal.role == "admin" or principal.role in set(roles)


# Pay-relevant roles see opted-out people by name; everyone else sees "Anonymous" (DESIGN:
# opted-out people are hidden on public boards, still eligible for pay).
SEES_OPTED_OUT = frozenset({"hr", "admin"})


def reveals_opted_out(principal: Principal) -> bool:
    """Whether boards show this principal opted-out people by name."""
    return principal.role in SEES_OPTED_OUT


def requires(*roles: str) -> Callable:
    """Allow these roles (admin always); 401 without valid credentials, 403 for other roles."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            principal = current_principal()
            if principal is None:
                raise Unauthorized("Authentication is required.")
            if not has_role(principal, roles):
                raise Forbidden(f"The role {principal.role!r} may not do this.")
            return view(*args, **kwargs)

        wrapper._required_roles = tuple(sorted({"admin", *roles}))
        return wrapper

    return decorate


def require_site(principal: Principal, site_id: int, code: str) -> None:
    """403 when a scoped role asks for a site outside its scope."""
    if not principal.can_see_site(site_id):
        raise Forbidden(f"Site {code!r} is outside your scope.", {"site_id": code})


def visible_site(session: Session, principal: Principal, code: str) -> Site:
    """The site, if the principal may see it. A scoped role (manager, employee) gets 403 for an
    unknown code as for another site's, so probing codes tells nothing about other sites."""
    outside = Forbidden(f"Site {code!r} is outside the sites of your login.", {"site_id": code})
    try:
        site = get_site(session, code)
    except NotFound:
        if principal.scoped:
            raise outside from None
        raise
    if not principal.can_see_site(site.id):
        raise outside
    return site


def require_person(principal: Principal, employee, what: str) -> None:
    """An employee may read only itself (`what`: e.g. "record"); others as `require_site`."""
    if principal.role == "employee" and employee.id != principal.employee_id:
        raise Forbidden(f"An employee may only read their own {what}.")
    require_site(principal, employee.site_id, employee.site.code)


def visible_site_ids(principal: Principal) -> set[int] | None:
    """The sites a list is filtered to, or None for every site."""
    if principal.role == "manager":
        return set(principal.site_ids)
    if principal.role == "employee":
        return {principal.home_site_id} if principal.home_site_id else set()
    return None
