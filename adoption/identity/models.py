"""API tokens and web accounts, stored hashed, with their roles and site scopes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from adoption.models.base import Base, UTCDateTime
from adoption.models.masterdata import Employee, Site

ROLES = ("admin", "hr", "rollout_lead", "manager", "employee", "ingest")
# A store display link (`rewards.display`): a token of one site that opens only the page
# /display/<token>. Not in ROLES: no account and no `uptake tokens` token can have it, and the
# API refuses it as it refuses an unknown token (`api.auth`).
DISPLAY_ROLE = "display"

token_site = Table(
    "token_site",
    Base.metadata,
    Column("token_id", ForeignKey("api_token.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", ForeignKey("site.id", ondelete="CASCADE"), primary_key=True),
)

account_site = Table(
    "account_site",
    Base.metadata,
    Column("account_id", ForeignKey("account.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", ForeignKey("site.id", ondelete="CASCADE"), primary_key=True),
)


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The name is the event source: rotating a token under the same name keeps the source.
    name: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What an ingest token's sender speaks: "uptake" (POST /api/v1/events), "segment" (Segment's
    # and RudderStack's HTTP tracking API) or "posthog"; and how its messages map to events
    # (docs/integrations.md), None for the format's defaults.
    format: Mapped[str] = mapped_column(String(16), server_default="uptake")
    mapping: Mapped[dict | None] = mapped_column(JSON)

    sites: Mapped[list[Site]] = relationship(secondary=token_site, lazy="selectin")
    employee: Mapped[Employee | None] = relationship(lazy="joined")


class Account(Base):
    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(128))
    username_key: Mapped[str] = mapped_column(String(128), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(32))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Raised by logout-everywhere, a password change, a reset or disabling: a session cookie
    # carries the version it was issued under and is refused once they differ.
    session_version: Mapped[int] = mapped_column(Integer, server_default="1")
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The language of the account's pages and messages ("en", "zh"); null: the browser's.
    locale: Mapped[str | None] = mapped_column(String(16))

    sites: Mapped[list[Site]] = relationship(secondary=account_site, lazy="selectin")
    employee: Mapped[Employee | None] = relationship(lazy="joined")


class LoginThrottle(Base):
    """Failed sign-ins counted per account and per client address, shared by every worker.

    `key` is "account:<username key>" or "address:<ip>"; `blocked_until` grows exponentially
    with the failures past the free tries, and a successful sign-in clears the account's row.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, server_default="0")
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
