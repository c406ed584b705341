"""The outbox: a message owed to each matching subscription, written in the caller's transaction.

`emit` only inserts rows: it costs a request or a job one query and one insert, never a network
call, and the message is owed exactly when what it tells of is committed (a rolled-back close
owes nothing). The sender (`adoption.notify.sender`) delivers what is owed, at least once.

`key` names the occurrence (e.g. `month.closed:2026-10/v1`): (subscription, key) is unique, so
emitting the same occurrence again owes nothing more, whoever emits it and however often.

Who is told (each subscription to the event that is not removed):
- a chain-wide subscription (no site, no person): every occurrence, with the whole payload;
- a site's subscription: an occurrence that concerns its site (`sites`), with that site's part
  of the payload (e.g. only its own champion); an occurrence for no site in particular
  (`sites` is None) too; one that concerns other sites only, when the event has a part for a
  site it does not name (`events.unnamed_site_part`: a month closed with no champion there);
- a person's subscription: only an occurrence that concerns that person (`people`), with their
  part of the payload.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption.db import dialect_insert
from adoption.identity.models import Account
from adoption.models import Site
from adoption.notify.channels import redact
from adoption.notify.events import DEFAULT_LOCALE, EVENTS, render, unnamed_site_part
from adoption.notify.models import (
    NotificationAttempt,
    NotificationDelivery,
    NotificationSubscription,
)

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
STATUSES = (PENDING, DELIVERED, FAILED)


def emit(
    session: Session,
    event: str,
    key: str,
    payload: dict,
    *,
    now: datetime,
    sites: Mapping[int, dict] | None = None,
    people: Mapping[int, dict] | None = None,
    locale: str = DEFAULT_LOCALE,
) -> int:
    """Owe the event's message to every matching subscription; returns how many were new.

    Each message is in its subscription's language: the one it was given, else (a person's own
    opt-in) their account's, else `locale`.

    `sites`/`people` map the site or employee ids the occurrence concerns to their part of the
    payload (merged over `payload` for that site's or person's subscriptions)."""
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}")
    subs = session.scalars(
        select(NotificationSubscription).where(
            NotificationSubscription.event == event,
            NotificationSubscription.removed_at.is_(None),
        )
    ).all()
    unnamed = {
        s.site_id
        for s in subs
        if s.employee_id is None
        and s.site_id is not None
        and sites is not None
        and s.site_id not in sites
    }
    codes = _site_codes(session, unnamed)
    languages = _account_locales(session, {s.employee_id for s in subs if _own(s)})
    rows = []
    for sub in subs:
        data = _payload_for(event, sub, payload, sites, people, codes)
        if data is None:
            continue
        language = sub.locale or (languages.get(sub.employee_id) if _own(sub) else None) or locale
        subject, body = render(event, data, language)
        rows.append(
            {
                "subscription_id": sub.id,
                "event": event,
                "key": key[:200],
                "subject": subject,
                "body": body,
                "payload": _jsonable(data),
                "status": PENDING,
                "attempts": 0,
                "created_at": now,
                "next_attempt_at": now,
            }
        )
    if not rows:
        return 0
    insert = dialect_insert(session, NotificationDelivery.__table__)
    # The ids RETURNING gives are the rows that were new (psycopg's rowcount says 0 here).
    statement = (
        insert.values(rows)
        .on_conflict_do_nothing(index_elements=["subscription_id", "key"])
        .returning(NotificationDelivery.id)
    )
    return len(session.execute(statement).all())


def _payload_for(event, sub, payload, sites, people, codes) -> dict | None:
    if sub.employee_id is not None:
        if people is None or sub.employee_id not in people:
            return None
        return {**payload, **people[sub.employee_id]}
    if sub.site_id is not None and sites is not None:
        if sub.site_id not in sites:
            part = unnamed_site_part(event, codes.get(sub.site_id, str(sub.site_id)))
            return None if part is None else {**payload, **part}
        return {**payload, **sites[sub.site_id]}
    return dict(payload)


def _own(sub: NotificationSubscription) -> bool:
    """A person's own opt-in (`subscribe_own`): theirs, for the audience "employee"."""
    return sub.employee_id is not None and sub.role == "employee"


def _account_locales(session: Session, employee_ids: set[int]) -> dict[int, str]:
    """The language each person chose for their account (their newest account's, should they
    have several), for their own subscriptions."""
    if not employee_ids:
        return {}
    rows = session.execute(
        select(Account.employee_id, Account.locale)
        .where(Account.employee_id.in_(employee_ids), Account.locale.is_not(None))
        .order_by(Account.id)
    )
    return {employee_id: locale for employee_id, locale in rows}


def _site_codes(session: Session, site_ids: set[int]) -> dict[int, str]:
    if not site_ids:
        return {}
    return dict(session.execute(select(Site.id, Site.code).where(Site.id.in_(site_ids))).all())


def _jsonable(value):
    """The payload as JSON stores it (dates and datetimes as ISO text)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def subscribers(session: Session, event: str) -> set[int]:
    """The employees with their own live subscription to `event`: a job that may emit for
    thousands of people emits only for these (a person's event reaches no one else)."""
    return set(
        session.scalars(
            select(NotificationSubscription.employee_id).where(
                NotificationSubscription.event == event,
                NotificationSubscription.removed_at.is_(None),
                NotificationSubscription.employee_id.is_not(None),
            )
        )
    )


def list_deliveries(
    session: Session, *, status: str | None = None, event: str | None = None, limit: int = 100
) -> list[dict]:
    """The delivery log, newest first, each with its channel (redacted) and its attempts."""
    query = (
        select(NotificationDelivery, NotificationSubscription.channel)
        .join(
            NotificationSubscription,
            NotificationSubscription.id == NotificationDelivery.subscription_id,
        )
        .order_by(NotificationDelivery.id.desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(NotificationDelivery.status == status)
    if event is not None:
        query = query.where(NotificationDelivery.event == event)
    rows = session.execute(query).all()
    tries: dict[int, list[dict]] = {}
    ids = [d.id for d, _ in rows]
    if ids:
        for a in session.scalars(
            select(NotificationAttempt)
            .where(NotificationAttempt.delivery_id.in_(ids))
            .order_by(NotificationAttempt.id)
        ):
            tries.setdefault(a.delivery_id, []).append(
                {
                    "attempted_at": a.attempted_at,
                    "ok": a.ok,
                    "status_code": a.status_code,
                    "error": a.error,
                    "duration_ms": a.duration_ms,
                }
            )
    return [
        {
            **{c: getattr(d, c) for c in DELIVERY_FIELDS},
            "channel": redact(channel),
            "tries": tries.get(d.id, []),
        }
        for d, channel in rows
    ]


DELIVERY_FIELDS = (
    "id",
    "subscription_id",
    "event",
    "key",
    "subject",
    "status",
    "attempts",
    "created_at",
    "next_attempt_at",
    "delivered_at",
    "last_error",
)
