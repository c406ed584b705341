"""Who is calling, and what they may do: the one module for authentication and CSRF.

Used by the JSON API (`requires`) and the pages (`api.web.render.page`, the login routes):

- Callers: `current_principal()` is the `uptake` CLI's operator when the CLI itself made the
  request in-process (`operator_principal`), else the bearer token's holder (`Authorization:
  Bearer`), else the web login of the session cookie; `session_principal()` is only the web
  login (pages ignore `Authorization` headers). Both are cached in `g.principal` for the
  request. A store display link's token (role `display`, `rewards.display`) is refused as an
  unknown token: it opens only its page, /display/<token>, which reads no caller at all.
- Sessions (`api.session_cookie`, re-exported here): `sign_in` writes the account id, its
  session version and the sign-in time into the signed cookie; `session_account` accepts it
  only while `adoption.identity.sessions` says so; `sign_out` ends every session of the account.
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

from flask import current_app, g, request
from flask import session as web_session
from sqlalchemy.orm import Session

from adoption.errors import Forbidden, NotFound, Unauthorized, Unreadable
from adoption.identity import credentials
from adoption.identity.access_log import record_access
from adoption.identity.credentials import Principal
from adoption.identity.models import DISPLAY_ROLE
from adoption.masterdata.records import get_site
from adoption.models import Site
from adoption.privacy import Person, Viewer, sees_person
from api import database
from api.clock import utcnow
from api.session_cookie import (  # noqa: F401  (part of this module's interface)
    ACCOUNT_KEY,
    CSRF_KEY,
    client_address,
    renew_session,
    session_account,
    sign_in,
    sign_out,
)

# The WSGI environ key of the CLI operator's principal (`operator_principal`); not an HTTP_* key.
OPERATOR_ENVIRON_KEY = "uptake.operator"
OPERATOR_KIND = "operator"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
ALL_READERS = ("admin", "hr", "rollout_lead", "manager", "employee")
FORM_EXPIRED = "This form has expired or did not come from this site. Reload and try again."
API_NEEDS_CSRF = "A signed-in browser must send its X-CSRF-Token header to change anything."


def current_principal() -> Principal | None:
    """The caller from `Authorization: Bearer`, else from a web login; None when anonymous.

    A live web login changing anything through the API must send its CSRF header (403
    otherwise); an ended one is anonymous (401 where a caller is required), CSRF or not.

    Before either: the operator of the `uptake` CLI (`operator_principal`)."""
    if "principal" in g:
        return g.principal
    operator = operator_principal()
    if operator is not None:
        g.principal = operator
        return operator
    header = request.headers.get("Authorization", "")
    if header:
        g.principal = _bearer(header)
        return g.principal
    if ACCOUNT_KEY not in web_session:
        return session_principal()
    account = session_account()  # first: a dead session is 401, not a CSRF 403
    if account is not None:
        check_csrf(form=False)
    g.principal = credentials.principal_for_account(account) if account is not None else None
    return g.principal


def operator_principal() -> Principal | None:
    """The `uptake` CLI's operator, when the request was made in-process by `api.cli.operator`.

    The CLI runs the API's own handlers through the composed app's test client, so its JSON,
    validation and audit rows are the API's; it puts an admin-role `Principal` of kind
    "operator" named `cli:<OS user>` under the WSGI environ key `OPERATOR_ENVIRON_KEY`. No HTTP
    request can set that key: a server turns every header into an `HTTP_*` key, and the key's
    value must be a `Principal` object, which no server puts in an environ (a string is
    ignored). The served app also drops the key on the way in (`api.wsgi`)."""
    value = request.environ.get(OPERATOR_ENVIRON_KEY)
    if isinstance(value, Principal) and value.kind == OPERATOR_KIND:
        return value
    return None


def _bearer(header: str) -> Principal:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Use 'Authorization: Bearer <token>'.")
    principal = credentials.authenticate_token(database.session(), token.strip(), now=utcnow())
    # A store display link opens only its page (/display/<token>), never the API: answered as
    # an unknown token, so the API tells nobody whether a display link is live.
    if principal is None or principal.role == DISPLAY_ROLE:
        raise Unauthorized("The token is invalid, revoked or expired.")
    return principal


def recheck_principal() -> Principal:
    """Look the caller up again, in the request's current transaction (for a view that read it
    in an earlier one, `database.begin_writing`), and keep what this lookup found: 401 when the
    token was revoked or expired, or the web login ended or was disabled, since."""
    for cached in ("principal", "web_account"):
        g.pop(cached, None)
    principal = current_principal()
    if principal is None:
        raise Unauthorized("Authentication is required.")
    return principal


def session_principal() -> Principal | None:
    """The web login of this session while it counts (`session_account`), or None."""
    if "principal" in g:
        return g.principal
    account = session_account()
    g.principal = credentials.principal_for_account(account) if account is not None else None
    return g.principal


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


def viewer(principal: Principal) -> Viewer:
    """Who looks, for the one rule of who sees whom by name (`adoption.privacy`,
    docs/privacy.md), with the chain's setting for colleagues' names on store boards."""
    settings = current_app.extensions["uptake"].settings
    return Viewer.of(principal, colleague_names=settings.board_names == "colleagues")


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


def requires_account() -> Callable:
    """A signed-in web account (a browser session): 401 without credentials, 403 for a bearer
    token, which has no password of its own."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            principal = current_principal()
            if principal is None:
                raise Unauthorized("Authentication is required.")
            if principal.kind != "account":
                raise Forbidden("Only a signed-in account has a password to change.")
            return view(*args, **kwargs)

        return wrapper

    return decorate


def require_site(principal: Principal, site_id: int, code: str) -> None:
    """403 when a scoped role asks for a site outside its scope. `code` must be the code as the
    caller sent it (never the stored spelling): the answer is then the same as `visible_site`'s
    for a code that does not exist."""
    if not principal.can_see_site(site_id):
        raise _outside_scope(code)


def _outside_scope(code: str) -> Forbidden:
    return Forbidden(f"Site {code!r} is outside the sites of your login.", {"site_id": code})


def visible_site(session: Session, principal: Principal, code: str) -> Site:
    """The site, if the principal may see it. A scoped role (manager, employee) gets the same 403
    for an unknown code as for another site's, so probing codes tells nothing about other sites
    (docs/privacy.md). Every handler that reads a site by code for any role goes through here."""
    try:
        site = get_site(session, code)
    except NotFound:
        if not principal.scoped:
            raise
        raise _outside_scope(code) from None
    require_site(principal, site.id, code)
    return site


def require_person(principal: Principal, employee, what: str) -> None:
    """Whether the principal may read this person's `what` (e.g. "progress"), by the privacy
    rule's `sees_person`: the person, hr, admin, and the manager of the person's home site.
    Anyone else gets the 404 an unknown user
    id gets, byte for byte (the id as the path gave it, `records.get_employee`'s message), so
    probing ids tells nothing about who exists elsewhere (docs/privacy.md).

    A read of someone else's data is written to the access log when `UPTAKE_ACCESS_LOG` is on:
    every handler of one person's data calls this after `records.get_employee`."""
    person = Person(employee.id, employee.site_id, employee.public_opt_out)
    if not sees_person(Viewer.of(principal), person):  # the one rule (adoption.privacy)
        asked = (request.view_args or {}).get("user_id", employee.external_id)
        raise NotFound(f"No employee {asked!r}.", {"user_id": asked})
    if (
        employee.id != principal.employee_id
        and current_app.extensions["uptake"].settings.access_log
    ):
        record_access(
            database.session(),
            viewer=principal.name,
            viewer_role=principal.role,
            employee_id=employee.id,
            what=what,
            path=request.path,
            now=utcnow(),
        )


def visible_site_ids(principal: Principal) -> set[int] | None:
    """The sites a list is filtered to, or None for every site."""
    if principal.role == "manager":
        return set(principal.site_ids)
    if principal.role == "employee":
        return {principal.home_site_id} if principal.home_site_id else set()
    return None
