"""Delivering what the outbox owes: at least once, each try logged, failures retried with back-off.

One round (`deliver_due`, the `deliver-notifications` job every minute, or `uptake notifications
deliver`):

1. claim: in one short transaction, the due pending deliveries (PostgreSQL: `FOR UPDATE SKIP
   LOCKED`, so workers never wait for or take each other's; SQLite has one writer at a time and
   the job's run-once lock) get `next_attempt_at` a lease ahead, so no other round picks them
   while this one sends: the lease (`lease_for`) outlasts the whole round, every claimed send
   taking its whole deadline;
2. send each outside any transaction, within a deadline for the whole send (`send_within`: the
   channels' own timeouts are per socket read, and a channel answering a byte a second would
   never reach them): no lock is held while a channel is slow;
3. record: per delivery still held (its `next_attempt_at` still this claim's lease), a
   NotificationAttempt row and the outcome in one transaction: delivered, or the next try after
   the back-off, or failed after the last attempt. A delivery no longer held (erased, its
   subscription removed, or claimed again by another round after the lease ran out) is left as
   it is: the attempt is logged if the delivery still exists, and counted `dropped`.

A process that dies between 1 and 3 leaves its claims to expire with the lease: they are sent
again (at least once; a webhook receiver dedups on `X-Uptake-Delivery`).
"""

from __future__ import annotations

import logging
import threading
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
# A send's deadline is the policy's timeout plus this margin (for the thread's start and the
# channel's own clean-up); a claim's lease is every claimed send's deadline plus LEASE_SLACK (for
# the round's short transactions), so no other round takes a claim while this round may send it.
DEADLINE_MARGIN = 1.0  # seconds
LEASE_SLACK = timedelta(seconds=60)
DROPPED = "dropped"  # a round's outcome for a delivery its claim no longer holds


@dataclass(frozen=True)
class SendPolicy:
    mailer: Mailer = NO_MAIL
    timeout: float = 10.0  # seconds per send, the whole send (`send_within`)
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


def lease_for(policy: SendPolicy, claimed: int) -> timedelta:
    """How long a round's claims are held: longer than its `claimed` sends can take, each
    taking its whole deadline, one after the other."""
    return timedelta(seconds=(policy.timeout + DEADLINE_MARGIN) * claimed) + LEASE_SLACK


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
    lease: datetime  # the `next_attempt_at` the claim set: the delivery is ours while it is this


def deliver_due(
    sessions: sessionmaker[Session], now: datetime, policy: SendPolicy | None = None
) -> dict:
    """One round: claim what is due at `now`, send it, record each attempt. Returns counts."""
    policy = policy or SendPolicy()
    claims = claim_due(sessions, now, policy.batch, policy)
    counts = {"claimed": len(claims), "delivered": 0, "retrying": 0, "failed": 0, DROPPED: 0}
    for item in claims:
        started = time.monotonic()
        sent = send_within(item.channel, item.secret, item.message, policy)
        duration = int((time.monotonic() - started) * 1000)
        outcome = record_attempt(
            sessions, item.delivery_id, sent, duration, now, policy, lease=item.lease
        )
        counts[outcome] += 1
        if not sent.ok:
            log.warning(
                "notification %s to %s failed: %s",
                item.delivery_id,
                redact(item.channel),
                sent.error,
            )
    return counts


def send_within(channel: str, secret: str | None, message: Message, policy: SendPolicy) -> Sent:
    """`send`, given at most the policy's timeout (plus DEADLINE_MARGIN) in all: it runs in a
    daemon thread, and past the deadline it is a failed attempt and the round moves on. The
    thread may still finish later (then the message may arrive twice: at least once)."""
    result: list[Sent] = []

    def run() -> None:
        result.append(send(channel, secret, message, mailer=policy.mailer, timeout=policy.timeout))

    worker = threading.Thread(target=run, name="uptake-notify-send", daemon=True)
    worker.start()
    worker.join(policy.timeout + DEADLINE_MARGIN)
    if not result:
        return Sent(False, None, f"timed out after {policy.timeout:g}s")
    return result[0]


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


def claim_due(
    sessions: sessionmaker[Session], now: datetime, limit: int, policy: SendPolicy | None = None
) -> list[Claim]:
    """The due deliveries, leased for as long as sending them all may take (`lease_for`);
    committed before anything is sent."""
    policy = policy or SendPolicy()
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
        rows = session.execute(query).all()
        lease = now + lease_for(policy, len(rows))
        claims = []
        for delivery, sub in rows:
            delivery.next_attempt_at = lease
            message = Message(
                delivery.event, delivery.id, delivery.subject, delivery.body, delivery.payload
            )
            claims.append(Claim(delivery.id, sub.channel, sub.secret, message, lease))
    return claims


def record_attempt(
    sessions: sessionmaker[Session],
    delivery_id: int,
    sent: Sent,
    duration_ms: int,
    now: datetime,
    policy: SendPolicy,
    *,
    lease: datetime,
) -> str:
    """Log the attempt and move the delivery on; returns delivered, retrying or failed, or
    dropped when the claim no longer holds the delivery: it was erased (nothing is logged), or
    it is no longer pending (its subscription was removed) or its `next_attempt_at` is no longer
    the claim's `lease` (another round claimed it after the lease ran out): the attempt is
    logged, the delivery left as it is."""
    with unit_of_work(sessions) as session:
        # Locked (PostgreSQL) so a removal or another round's claim waits for this record.
        delivery = session.get(NotificationDelivery, delivery_id, with_for_update=True)
        if delivery is None:
            return DROPPED
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
        if delivery.status != PENDING or delivery.next_attempt_at != lease:
            return DROPPED
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
    return send_within(sub.channel, sub.secret, message, policy)
