"""API tokens and web accounts: creation, hashing, and who a credential belongs to.

Tokens are 256-bit random strings, so a SHA-256 digest is a safe lookup key; passwords are
human-chosen or printed once, and get a salted scrypt hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from adoption import audit
from adoption.errors import Invalid, NotFound
from adoption.identity.models import DISPLAY_ROLE, ROLES, Account, ApiToken
from adoption.ingest.compat import FORMATS, check_mapping
from adoption.masterdata.cleaning import key_of
from adoption.masterdata.records import get_employee, get_site

TOKEN_PREFIX = "upt_"
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
MAX_TOKEN_NAME = 64  # api_token.name and event.source
MAX_USERNAME = 128
MAX_PASSWORD = 1024  # longer passwords are wrong without hashing them


@dataclass(frozen=True)
class Principal:
    """Who is calling: the role, the source name, and the sites a scoped role may see."""

    kind: str  # "token" or "account"
    name: str
    role: str
    site_ids: frozenset[int] = frozenset()
    site_keys: frozenset[str] = frozenset()
    employee_id: int | None = None
    home_site_id: int | None = None
    display_name: str | None = None  # the person a login belongs to, as pages name them

    @property
    def scoped(self) -> bool:
        return self.role in {"manager", "employee"}

    def can_see_site(self, site_id: int) -> bool:
        if self.role == "manager":
            return site_id in self.site_ids
        if self.role == "employee":
            return site_id == self.home_site_id
        return self.role != "ingest"


def _sites(session: Session, codes: list[str]) -> list:
    """The sites named, each once however often or in whatever case it was named."""
    found = {}
    for code in codes:
        site = get_site(session, code)
        found.setdefault(site.id, site)
    return list(found.values())


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_role(role: str, sites: list[str], user_id: str | None) -> None:
    if role not in ROLES:
        raise Invalid({"role": [f"Must be one of: {', '.join(ROLES)}."]})
    if role == "manager" and not sites:
        raise Invalid({"site": ["A manager needs at least one --site."]})
    if role == "employee" and not user_id:
        raise Invalid({"user": ["An employee credential needs --user USER_ID."]})


def create_token(
    session: Session,
    *,
    role: str,
    name: str,
    now: datetime,
    sites: list[str] = (),
    expires_days: int | None = None,
    user_id: str | None = None,
    format: str = "uptake",
    mapping: dict | None = None,
    actor: str = "cli",
) -> tuple[ApiToken, str]:
    """Store a new token hashed; the plain token is returned once and never again.

    `format` is what its sender speaks: "uptake" (POST /api/v1/events), or "segment" or
    "posthog" for an ingest token that is the write key of such a client, with an optional
    `mapping` of its messages to events (`adoption.ingest.compat`, checked here so a bad one is
    refused before it is stored, naming the key at fault)."""
    sites = list(sites)
    _check_role(role, sites, user_id)
    if format not in FORMATS:
        raise Invalid({"format": [f"Must be one of: {', '.join(FORMATS)}."]})
    if format != "uptake" and role != "ingest":
        raise Invalid({"format": [f"Only an ingest token can be a {format} write key."]})
    mapping = check_mapping(format, mapping)
    if not name.strip():
        raise Invalid({"name": ["Must not be empty."]})
    if len(name.strip()) > MAX_TOKEN_NAME:
        raise Invalid({"name": [f"At most {MAX_TOKEN_NAME} characters (it is the event source)."]})
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name.strip(),
        role=role,
        token_hash=hash_token(plain),
        created_at=now,
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
        sites=_sites(session, sites),
        employee=get_employee(session, user_id) if user_id else None,
        format=format,
        mapping=mapping,
    )
    session.add(token)
    session.flush()
    details = {"name": token.name, "role": role}
    if format != "uptake":
        details |= {"format": format, "mapping": mapping}
    audit.record(
        session,
        actor=actor,
        action="token.create",
        target_type="token",
        target=str(token.id),
        now=now,
        details=details,
    )
    return token, plain


def revoke_token(
    session: Session, name_or_id: str, *, now: datetime, actor: str = "cli"
) -> list[ApiToken]:
    """Revoke the token with that id, or every live token with that name. Store display links
    are not API tokens: `uptake display revoke` revokes them, this never does."""
    stmt = select(ApiToken).where(ApiToken.revoked_at.is_(None), ApiToken.role != DISPLAY_ROLE)
    if name_or_id.isdigit():
        stmt = stmt.where(ApiToken.id == int(name_or_id))
    else:
        stmt = stmt.where(ApiToken.name == name_or_id.strip())
    tokens = list(session.scalars(stmt))
    if not tokens:
        raise NotFound(f"No live token {name_or_id!r}.", {"token": name_or_id})
    for token in tokens:
        token.revoked_at = now
        audit.record(
            session,
            actor=actor,
            action="token.revoke",
            target_type="token",
            target=str(token.id),
            now=now,
            details={"name": token.name},
        )
    session.flush()
    return tokens


def authenticate_token(session: Session, plain: str, *, now: datetime) -> Principal | None:
    """The holder of a bearer token on Uptake's own API; None for a Segment write key or a
    PostHog project key (format other than "uptake"): such a key opens only its receiver, where
    its mapping applies, and a PostHog key is public in the pages it is embedded in."""
    token = _live_token(session, plain, now)
    if token is None or (token.format or "uptake") != "uptake":
        return None
    return _principal("token", token.name, token.role, token.sites, token.employee)


@dataclass(frozen=True)
class WriteKey:
    """A live token used as a Segment or PostHog write key: who sends, what it speaks
    ("uptake", "segment" or "posthog") and how its messages map to events (None: the
    format's defaults)."""

    principal: Principal
    format: str
    mapping: dict | None


def authenticate_write_key(session: Session, plain: str, *, now: datetime) -> WriteKey | None:
    """The live token of this write key with its format and mapping, else None (unknown,
    revoked, expired, or a store display link, which opens nothing but its page)."""
    token = _live_token(session, plain, now)
    if token is None or token.role == DISPLAY_ROLE:
        return None
    principal = _principal("token", token.name, token.role, token.sites, token.employee)
    return WriteKey(principal, token.format or "uptake", token.mapping)


def sender_format(session: Session, source: str) -> tuple[str, dict | None]:
    """What the sender of an event source speaks, as its newest ingest token of that name says
    (the token name is the source): its format and mapping; "uptake" when there is none. A
    quarantined Segment or PostHog message is mapped again with it when replayed."""
    token = session.scalar(
        select(ApiToken)
        .where(ApiToken.name == source, ApiToken.role == "ingest")
        .order_by(ApiToken.id.desc())
        .limit(1)
    )
    if token is None:
        return "uptake", None
    return token.format or "uptake", token.mapping


def _live_token(session: Session, plain: str, now: datetime) -> ApiToken | None:
    if not plain or len(plain) > 1024:  # no token is that long; hash nothing for it
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(plain)))
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.employee_id is not None and _login_disabled(session, token.employee_id):
        return None
    return token


def _login_disabled(session: Session, employee_id: int) -> bool:
    """Whether an admin disabled a web account of this person: their personal tokens then stop
    working too, and work again when the account is enabled (a token is not revoked for it)."""
    return bool(
        session.scalar(
            select(
                exists().where(Account.employee_id == employee_id, Account.disabled_at.is_not(None))
            )
        )
    )


def _principal(kind, name, role, sites, employee) -> Principal:
    return Principal(
        kind=kind,
        name=name,
        role=role,
        site_ids=frozenset(s.id for s in sites),
        site_keys=frozenset(s.code_key for s in sites),
        employee_id=employee.id if employee else None,
        home_site_id=employee.site_id if employee else None,
        display_name=employee.display_name if employee else None,
    )


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **SCRYPT)
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${salt.hex()}${digest.hex()}"


@cache
def _equaliser() -> str:
    """A hash to check passwords against when there is no account, made once per process."""
    return hash_password("timing-equaliser")


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    test = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(test.hex(), digest)


def create_account(
    session: Session,
    *,
    username: str,
    role: str,
    now: datetime,
    sites: list[str] = (),
    user_id: str | None = None,
    password: str | None = None,
) -> tuple[Account, str]:
    """A web login; returns the password (generated unless given) once."""
    sites = list(sites)
    _check_role(role, sites, user_id)
    username = username.strip()
    if not username:
        raise Invalid({"username": ["Must not be empty."]})
    if len(username) > MAX_USERNAME:
        raise Invalid({"username": [f"At most {MAX_USERNAME} characters."]})
    if session.scalar(select(Account.id).where(Account.username_key == key_of(username))):
        raise Invalid({"username": [f"An account {username!r} already exists."]})
    password = password or secrets.token_urlsafe(12)
    account = Account(
        username=username,
        username_key=key_of(username),
        password_hash=hash_password(password),
        role=role,
        created_at=now,
        sites=_sites(session, sites),
        employee=get_employee(session, user_id) if user_id else None,
    )
    session.add(account)
    session.flush()
    audit.record(
        session,
        actor="cli",
        action="account.create",
        target_type="account",
        target=username,
        now=now,
        details={"role": role},
    )
    return account, password


def authenticate_account(session: Session, username: str, password: str) -> Principal | None:
    """The principal of the enabled account with this username and password, else None."""
    account = check_login(session, username, password).account
    return None if account is None else principal_for_account(account)


@dataclass(frozen=True)
class LoginCheck:
    """The enabled account when the username and password are right; else None and why (for
    the audit log only: the caller is told the same whichever part was wrong)."""

    account: Account | None
    reason: str | None  # "unknown_username", "disabled", "wrong_password" or "too_long"


def find_account(session: Session, username: str) -> Account | None:
    """The account of this username (any case, trimmed), disabled or not; None for a name no
    account can have (too long, or holding a NUL, which PostgreSQL text cannot)."""
    key = key_of(username)
    if not key or len(key) > MAX_USERNAME or "\x00" in key:
        return None
    return session.scalar(select(Account).where(Account.username_key == key))


def check_login(session: Session, username: str, password: str) -> LoginCheck:
    """Check a username and password. An unknown username or a disabled account costs the same
    hashing time as a wrong password; a password over MAX_PASSWORD is wrong without hashing."""
    if len(password) > MAX_PASSWORD:
        return LoginCheck(None, "too_long")
    account = find_account(session, username)
    if account is None or account.disabled_at is not None:
        verify_password(password, _equaliser())
        return LoginCheck(None, "unknown_username" if account is None else "disabled")
    if not verify_password(password, account.password_hash):
        return LoginCheck(None, "wrong_password")
    return LoginCheck(account, None)


def principal_for_account(account: Account) -> Principal:
    return _principal("account", account.username, account.role, account.sites, account.employee)
