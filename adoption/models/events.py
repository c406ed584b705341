"""Raw usage events, the quarantine of bad input, and the daily usage rollup."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from adoption.models.base import Base, BigId, UTCDateTime


class Event(Base):
    __tablename__ = "event"
    __table_args__ = (
        UniqueConstraint("source", "event_id"),
        CheckConstraint("outcome IN ('success', 'error')", name="outcome"),
        Index("ix_event_employee_day", "employee_id", "local_day"),
        Index("ix_event_site_day", "site_id", "local_day"),
        # The snapshot job finds late events (and the days they touch) by arrival time.
        Index("ix_event_received_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(128))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    feature_id: Mapped[int] = mapped_column(ForeignKey("feature.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    local_day: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(8))
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    properties: Mapped[dict | None] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Quarantine(Base):
    """Input that could not be stored as an event; kept whole until replayed or discarded."""

    __tablename__ = "quarantine"
    __table_args__ = (
        UniqueConstraint("source", "dedup_key"),
        CheckConstraint("status IN ('open', 'replayed', 'discarded')", name="status"),
        CheckConstraint("kind IN ('event', 'body')", name="kind"),
        Index("ix_quarantine_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    # "e:<event_id>" when the event had a usable id, else "h:<sha256 of the raw bytes>".
    dedup_key: Mapped[str] = mapped_column(String(200))
    event_id: Mapped[str | None] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(8))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    reasons: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), server_default="open")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(128))


class DailyUsage(Base):
    """(employee, site, feature after aliasing, local day) → counts; every read model uses it."""

    __tablename__ = "daily_usage"
    __table_args__ = (Index("ix_daily_usage_site_day", "site_id", "local_day"),)

    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), primary_key=True)
    local_day: Mapped[date] = mapped_column(Date, primary_key=True)
    feature_id: Mapped[int] = mapped_column(ForeignKey("feature.id"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), primary_key=True)
    successes: Mapped[int] = mapped_column(Integer, server_default="0")
    errors: Mapped[int] = mapped_column(Integer, server_default="0")
    # Over successful events with a duration: how many, and the sum of ln(max(duration_ms, 1)).
    dur_n: Mapped[int] = mapped_column(Integer, server_default="0")
    dur_log_sum: Mapped[float] = mapped_column(Float, server_default="0")
