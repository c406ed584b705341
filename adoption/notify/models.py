"""Who is told what (subscriptions), and each message owed to a channel with its attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from adoption.models.base import Base, UTCDateTime


class NotificationSubscription(Base):
    """One channel told of one event, optionally only for one site, one audience (role) or one
    person (a person's own opt-in). Removing one keeps its deliveries in the log."""

    __tablename__ = "notification_subscription"
    __table_args__ = (Index("ix_notification_subscription_event", "event", "removed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(2000))  # mailto:, an apprise URL, http(s)://
    secret: Mapped[str | None] = mapped_column(String(200))  # signs a generic webhook
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    role: Mapped[str | None] = mapped_column(String(32))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id", ondelete="CASCADE"))
    # The language of its messages ("en", "zh"); null: a person's own opt-in follows their
    # account's language, anything else is English.
    locale: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(128))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationDelivery(Base):
    """A message owed to one subscription's channel, written in the same transaction as what it
    tells of (an outbox): `key` makes each occurrence owed once per subscription."""

    __tablename__ = "notification_delivery"
    __table_args__ = (
        UniqueConstraint("subscription_id", "key", name="uq_notification_delivery_key"),
        Index("ix_notification_delivery_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("notification_subscription.id", ondelete="CASCADE")
    )
    event: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class NotificationAttempt(Base):
    """One try at sending a delivery: when, whether it went through, and what the channel said."""

    __tablename__ = "notification_attempt"
    __table_args__ = (Index("ix_notification_attempt_delivery", "delivery_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("notification_delivery.id", ondelete="CASCADE")
    )
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer)
