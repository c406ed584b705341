"""Delivering what the outbox owes: at least once, each try logged, failures retried with back-off.

One round (`deliver_due`, the `deliver-notifications` job every minute, or `uptake notifications
deliver`):

1. claim: in one short transaction, the due pending deliveries (PostgreSQL: `FOR UPDATE SKIP
   LOCKED`, so workers never wait for or take each other's; SQLite has one writer at a time and
   the job's run-once lock) get `next_attempt_at` a lease ahead, so no other round picks them
   while this one sends;
2. send each outside any transaction, with a timeout: no lock is held while a channel is slow;
3. record: per delivery, a NotificationAttempt row and the outcome in one transaction:
   delivered, or the next try after the back-off, or failed after the last attempt.

A process that dies between 1 and 3 leaves its claims to expire with the lease: they are sent
again (at least once; a webhook receiver dedups on `X-Uptake-Delivery`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, sessionmaker

from adoption.config import Settings
from adoption.db import unit_of_work
from adoption.notify.channels import Mailer, Message, Sent, redact, send
from adoption.notify.events import render_test
from adoption.notify.models import (
    NotificationAttempt,
    NotificationDelivery,
    NotificationSubscription,
)
from adoption.notify.outbox import DELIVERED, FAILED, PENDING

log = logging.getLogger("uptake.notify")

# The waits after the 1st, 2nd, … failed attempt, in units of the back-off base (60 s by
# default: 1 min, 5 min, 30 min, 2 h, 12 h); the last factor repeats.
BACKOFF_FACTORS = (1, 5, 30, 120, 720)
NO_MAIL = Mailer(None)  # e-mail fails until UPTAKE_SMTP_URL is set
LEASE = timedelta(minutes=5)  # longer than a round of BATCH sends can take at its timeouts


@dataclass(frozen=True)
class SendPolicy:
    mailer: Mailer = NO_MAIL
    timeout: float = 10.0  # seconds per send
    backoff_seconds: int = 60  # the base of BACKOFF_FACTORS; 0 retries at once (tests)
    max_attempts: int = 6  # then the delivery is failed
    batch: int = 50  # deliveries per claim

    @classmethod
    def from_settings(cls, settings: Settings) -> SendPolicy:
        return cls(
            mailer=Mailer(settings.smtp_url, settings.mail_from),
            timeout=float(settings.notify_timeout_seconds),
            backoff_seconds=settings.notify_backoff_seconds,
            max_attempts=settings.notify_max_attempts,
        )


def backoff(attempts: int, base_seconds: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt."""
    factor = BACKOFF_FACTORS[min(attempts, len(BACKOFF_FACTORS)) - 1]
    return timedelta(seconds=base_seconds * factor)


@dataclass(frozen=True)
class Claim:
    delivery_id: int
    channel: str
    secret: str | None
    message: Message


def deliver_due(
    sessions: sessionmaker[Session], now: datetime, policy: SendPolicy | None = None
) -> dict:
    """One round: claim what is due at `now`, send it, record each attempt. Returns counts."""
    policy = policy or SendPolicy()
    claims = claim_due(sessions, now, policy.batch)
    counts = {"claimed": len(claims), "delivered": 0, "retrying": 0, "failed": 0}
    for item in claims:
        started = time.monotonic()
        sent = send(
            item.channel, item.secret, item.message, mailer=policy.mailer, timeout=policy.timeout
        )
        duration = int((time.monotonic() - started) * 1000)
        outcome = record_attempt(sessions, item.delivery_id, sent, duration, now, policy)
        counts[outcome] += 1
        if not sent.ok:
            log.warning(
                "notification %s to %s failed: %s",
                item.delivery_id,
                redact(item.channel),
                sent.error,
            )
    return counts


def anything_due(session: Session, now: datetime) -> bool:
    """Whether a round at `now` would claim anything (the claim's own condition, read only): the
    scheduler asks every minute, and runs (and records) a round only when the answer is yes."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    NotificationDelivery.status == PENDING,
                    NotificationDelivery.next_attempt_at <= now,
                    NotificationDelivery.subscription_id == NotificationSubscription.id,
                    NotificationSubscription.removed_at.is_(None),
                )
            )
        )
    )


def claim_due(sessions: sessionmaker[Session], now: datetime, limit: int) -> list[Claim]:
    """The due deliveries, leased for LEASE; committed before anything is sent."""
    with unit_of_work(sessions) as session:
        query = (
            select(NotificationDelivery, NotificationSubscription)
            .join(
                NotificationSubscription,
                NotificationSubscription.id == NotificationDelivery.subscription_id,
            )
            .where(
                NotificationDelivery.status == PENDING,
                NotificationDelivery.next_attempt_at <= now,
                NotificationSubscription.removed_at.is_(None),
            )
            .order_by(NotificationDelivery.next_attempt_at, NotificationDelivery.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=NotificationDelivery)
        claims = []
        for delivery, sub in session.execute(query).all():
            delivery.next_attempt_at = now + LEASE
            message = Message(
                delivery.event, delivery.id, delivery.subject, delivery.body, delivery.payload
            )
            claims.append(Claim(delivery.id, sub.channel, sub.secret, message))
    return claims


def record_attempt(
    sessions: sessionmaker[Session],
    delivery_id: int,
    sent: Sent,
    duration_ms: int,
    now: datetime,
    policy: SendPolicy,
) -> str:
    """Log the attempt and move the delivery on; returns delivered, retrying or failed."""
    with unit_of_work(sessions) as session:
        delivery = session.get(NotificationDelivery, delivery_id)
        session.add(
            NotificationAttempt(
                delivery_id=delivery_id,
                attempted_at=now,
                ok=sent.ok,
                status_code=sent.status_code,
                error=sent.error,
                duration_ms=duration_ms,
            )
        )
        delivery.attempts = (delivery.attempts or 0) + 1
        if sent.ok:
            delivery.status, delivery.delivered_at = DELIVERED, now
            delivery.next_attempt_at, delivery.last_error = None, None
            return "delivered"
        delivery.last_error = sent.error
        if delivery.attempts >= policy.max_attempts:
            delivery.status, delivery.next_attempt_at = FAILED, None
            return "failed"
        delivery.next_attempt_at = now + backoff(delivery.attempts, policy.backoff_seconds)
        return "retrying"


def send_test(sub: NotificationSubscription, policy: SendPolicy | None = None) -> Sent:
    """Send a test message to a subscription's channel now (not owed, not logged)."""
    policy = policy or SendPolicy()
    subject, body = render_test(sub.event, sub.id)
    message = Message(sub.event, None, subject, body, {"test": True, "subscription": sub.id})
    return send(sub.channel, sub.secret, message, mailer=policy.mailer, timeout=policy.timeout)
