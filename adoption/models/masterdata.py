"""Sites, employees and the feature catalog."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from adoption.models.base import Base, UTCDateTime


class Site(Base):
    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    code_key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(100), index=True)
    timezone: Mapped[str] = mapped_column(String(64))
    is_pilot: Mapped[bool] = mapped_column(Boolean, server_default=false())
    wave: Mapped[int | None] = mapped_column(Integer)
    go_live_on: Mapped[date | None] = mapped_column(Date)
    program_started_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Employee(Base):
    __tablename__ = "employee"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(128))
    external_key: Mapped[str] = mapped_column(String(128), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    role: Mapped[str] = mapped_column(String(32), server_default="staff")
    hired_on: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    public_opt_out: Mapped[bool] = mapped_column(Boolean, server_default=false())
    rostered: Mapped[bool] = mapped_column(Boolean, server_default=true())
    # Set by `uptake employees forget`: personal fields replaced by a pseudonym, events erased.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Indexed: the newest change is part of every cached board's key (`rewards.board_cache`).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    site: Mapped[Site] = relationship(lazy="joined")


class Feature(Base):
    __tablename__ = "feature"

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(128), unique=True)
    module: Mapped[str] = mapped_column(String(128), index=True)
    is_core: Mapped[bool] = mapped_column(Boolean, server_default=false())
    expected_ms: Mapped[int | None] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer, server_default="1")
    daily_cap: Mapped[int | None] = mapped_column(Integer)
    # What people call it ("Process a return") and its quick-reference card, when configured.
    title: Mapped[str | None] = mapped_column(String(200))
    quick_reference_url: Mapped[str | None] = mapped_column(String(500))
    # The title in other languages, by locale ("zh": "退货换货"); `title` is the default.
    titles: Mapped[dict | None] = mapped_column(JSON)
    alias_of: Mapped[str | None] = mapped_column(String(128))
    # False while an action first seen in events waits to be mapped by an admin.
    mapped: Mapped[bool] = mapped_column(Boolean, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The last change to what scores rest on (is_core, expected_ms, alias_of); null while the
    # feature never mattered to a score. Stored snapshots older than this are stale; an edit of
    # points or caps leaves them fresh.
    scores_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QuickCard(Base):
    """A feature's quick-reference card in one language: a title, up to ten short steps and an
    optional image, shown to the people who fail the feature and printed one per page."""

    __tablename__ = "quick_card"

    feature_id: Mapped[int] = mapped_column(
        ForeignKey("feature.id", ondelete="CASCADE"), primary_key=True
    )
    locale: Mapped[str] = mapped_column(String(16), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    steps: Mapped[list] = mapped_column(JSON)
    image: Mapped[bytes | None] = mapped_column(LargeBinary)
    image_type: Mapped[str | None] = mapped_column(String(32))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
