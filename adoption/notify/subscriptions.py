"""Who is told of what: subscribe, list and remove, each change audited with its actor.

A subscription is one channel told of one event, for the whole chain, one site (a site's
managers), or one person (their own opt-in: their badges and levels, or being named champion).
`role` says whose channel it is (hr, manager, …): it is shown and audited, and it must be a role
the event is meant for (or admin). Removing one keeps its deliveries in the log; forgetting a
person deletes their own subscriptions (their address is personal data, docs/privacy.md).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from adoption import audit
from adoption.errors import Forbidden, Invalid, NotFound
from adoption.identity.models import ROLES
from adoption.locales import checked_locale
from adoption.masterdata.cleaning import key_of
from adoption.masterdata.erasure import Forgetting
from adoption.models import Employee, Site
from adoption.notify.channels import EMAIL, check_channel, kind_of, mail_recipients, redact
from adoption.notify.events import EVENT_NAMES, EVENTS, MONTH_CLOSED, PERSON_BADGE, render
from adoption.notify.models import (
    NotificationAttempt,
    NotificationDelivery,
    NotificationSubscription,
)

EVENT_RULE = f"Must be one of: {', '.join(EVENT_NAMES)}."
PERSONAL_RULE = "A person subscribes only to their own person.badge or month.closed."
PERSON_ONLY = "person.badge is a person's own: give user_id (the person's opt-in)."
SITE_OR_USER = "Give a site or a person, not both."
UNKNOWN_SITE = "Unknown site {!r}."
UNKNOWN_PERSON = "Unknown person {!r}."
OWN_MAIL_ONLY = "A person's own subscription is one e-mail address: mailto:you@example.com."
NOT_YOURS = "A person subscribes, lists and removes only their own subscriptions."


def subscribe(
    session: Session,
    *,
    event: str,
    channel: str,
    now: datetime,
    actor: str,
    site: str | None = None,
    role: str | None = None,
    user: str | None = None,
    secret: str | None = None,
    locale: str | None = None,
) -> NotificationSubscription:
    """Add a subscription after checking every field (Invalid names the field); audited with the
    channel redacted. `locale`: its messages' language (none: a person's own follows their
    account's, any other English)."""
    event = (event or "").strip().lower()
    if event not in EVENTS:
        raise Invalid({"event": [EVENT_RULE]})
    channel = (channel or "").strip()
    check_channel(channel, secret)
    if role is not None:
        role = role.strip().lower()
        allowed = ("admin", *EVENTS[event].audience)
        if role not in ROLES or role not in allowed:
            raise Invalid({"role": [f"{event} is for: {', '.join(allowed)}."]})
    if site is not None and user is not None:
        raise Invalid({"user_id": [SITE_OR_USER]})
    site_id = _site_id(session, site) if site is not None else None
    employee_id = None
    if user is not None:
        if not EVENTS[event].personal:
            raise Invalid({"event": [PERSONAL_RULE]})
        employee_id = _employee_id(session, user)
    elif event == PERSON_BADGE:
        raise Invalid({"user_id": [PERSON_ONLY]})
    if locale is not None:
        locale = checked_locale(locale)
    sub = NotificationSubscription(
        event=event,
        channel=channel,
        secret=secret,
        site_id=site_id,
        role=role,
        employee_id=employee_id,
        locale=locale,
        created_at=now,
        created_by=actor,
    )
    session.add(sub)
    session.flush()
    _audit(session, "notification.subscribe", sub, actor, now)
    return sub


def subscribe_own(
    session: Session,
    *,
    employee_id: int,
    event: str,
    channel: str,
    now: datetime,
    actor: str,
    user: str | None = None,
    site: str | None = None,
    role: str | None = None,
    secret: str | None = None,
    locale: str | None = None,
) -> NotificationSubscription:
    """A person's own opt-in (an employee signed in): their badges and levels, or being named
    champion, to their own e-mail address. Only mailto: — a clerk's say-so never makes the
    server call a URL of their choosing (an internal address, say). Another person's user_id is
    Forbidden; a site, a role or a secret is not theirs to give (Invalid naming it)."""
    person = session.get(Employee, employee_id)
    if user is not None and (person is None or key_of(user) != person.external_key):
        raise Forbidden(NOT_YOURS, {"user_id": [NOT_YOURS]})
    for name, value in (("site_id", site), ("role", role), ("secret", secret)):
        if value is not None:
            raise Invalid({name: [PERSONAL_RULE]})
    event = (event or "").strip().lower()
    if event in EVENTS and not EVENTS[event].personal:
        raise Invalid({"event": [PERSONAL_RULE]})
    channel = (channel or "").strip()
    if kind_of(channel) != EMAIL or len(mail_recipients(channel)) != 1:
        raise Invalid({"channel": [OWN_MAIL_ONLY]})
    return subscribe(
        session,
        event=event,
        channel=channel,
        now=now,
        actor=actor,
        role="employee",
        user=person.external_id,
        locale=locale,
    )


def _site_id(session: Session, code: str) -> int:
    found = session.scalar(select(Site.id).where(Site.code_key == key_of(code)))
    if found is None:
        raise Invalid({"site_id": [UNKNOWN_SITE.format(code)]})
    return found


def _employee_id(session: Session, user_id: str) -> int:
    found = session.scalar(
        select(Employee.id).where(
            Employee.external_key == key_of(user_id), Employee.erased_at.is_(None)
        )
    )
    if found is None:
        raise Invalid({"user_id": [UNKNOWN_PERSON.format(user_id)]})
    return found


def get_subscription(
    session: Session, subscription_id: int, *, owner: int | None = None
) -> NotificationSubscription:
    """A subscription not removed (with `owner`, only that person's own); NotFound otherwise,
    the same for one that exists but is someone else's."""
    sub = session.get(NotificationSubscription, subscription_id)
    if (
        sub is None
        or sub.removed_at is not None
        or (owner is not None and sub.employee_id != owner)
    ):
        raise NotFound(f"No subscription {subscription_id}.", {"subscription_id": subscription_id})
    return sub


def list_subscriptions(
    session: Session,
    *,
    event: str | None = None,
    removed: bool = False,
    employee_id: int | None = None,
) -> list[NotificationSubscription]:
    """Subscriptions in id order; with `removed`, the removed ones too; with `employee_id`,
    only that person's own."""
    query = select(NotificationSubscription).order_by(NotificationSubscription.id)
    if employee_id is not None:
        query = query.where(NotificationSubscription.employee_id == employee_id)
    if event is not None:
        query = query.where(NotificationSubscription.event == event)
    if not removed:
        query = query.where(NotificationSubscription.removed_at.is_(None))
    return list(session.scalars(query))


def remove(
    session: Session,
    subscription_id: int,
    *,
    now: datetime,
    actor: str,
    owner: int | None = None,
) -> NotificationSubscription:
    """Stop a subscription (with `owner`, only that person's own): nothing new is owed to it,
    and what is still pending is dropped (marked failed, "subscription removed"); its log
    stays. Audited."""
    sub = get_subscription(session, subscription_id, owner=owner)
    sub.removed_at = now
    pending = session.scalars(
        select(NotificationDelivery).where(
            NotificationDelivery.subscription_id == sub.id,
            NotificationDelivery.status == "pending",
        )
    )
    for delivery in pending:
        delivery.status, delivery.next_attempt_at = "failed", None
        delivery.last_error = "subscription removed"
    session.flush()
    _audit(session, "notification.remove", sub, actor, now)
    return sub


def describe(session: Session, sub: NotificationSubscription) -> dict:
    """A subscription as lists and the API show it: the channel redacted, the secret never."""
    site = session.get(Site, sub.site_id) if sub.site_id is not None else None
    person = session.get(Employee, sub.employee_id) if sub.employee_id is not None else None
    return {
        "id": sub.id,
        "event": sub.event,
        "channel": redact(sub.channel),
        "signed": bool(sub.secret),
        "site_id": site.code if site else None,
        "role": sub.role,
        "user_id": person.external_id if person else None,
        "locale": sub.locale,
        "created_at": sub.created_at,
        "created_by": sub.created_by,
        "removed_at": sub.removed_at,
    }


def _audit(session, action, sub, actor, now) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        target_type="notification_subscription",
        target=str(sub.id),
        now=now,
        details={
            "event": sub.event,
            "channel": redact(sub.channel),
            "site_id": sub.site_id,
            "role": sub.role,
            "employee_id": sub.employee_id,
        },
    )


def forget_subscriptions(session: Session, forgetting: Forgetting) -> dict[str, int]:
    """A step of forgetting a person: their own subscriptions go, with their deliveries and
    attempts (the channel is their address; the messages name them); the messages others were
    sent naming them as a champion name the pseudonym (payload, subject and body)."""
    ids = select(NotificationSubscription.id).where(
        NotificationSubscription.employee_id == forgetting.employee_id
    )
    deliveries = select(NotificationDelivery.id).where(
        NotificationDelivery.subscription_id.in_(ids)
    )
    session.execute(
        delete(NotificationAttempt).where(NotificationAttempt.delivery_id.in_(deliveries))
    )
    session.execute(delete(NotificationDelivery).where(NotificationDelivery.id.in_(deliveries)))
    gone = session.execute(
        delete(NotificationSubscription).where(
            NotificationSubscription.employee_id == forgetting.employee_id
        )
    ).rowcount
    return {"subscriptions_deleted": gone, "notifications_rewritten": _rewrite(session, forgetting)}


def _rewrite(session: Session, forgetting: Forgetting) -> int:
    """Champion lines naming the person, in `month.closed` messages to others, name the stand-in."""
    changed = 0
    told = session.scalars(
        select(NotificationDelivery).where(NotificationDelivery.event == MONTH_CLOSED)
    )
    for delivery in told:
        champions = delivery.payload.get("champions") or []
        if not any(key_of(c.get("user_id") or "") == forgetting.old_key for c in champions):
            continue
        stand_in = {"user_id": forgetting.user_id, "display_name": forgetting.display_name}
        payload = {
            **delivery.payload,
            "champions": [
                {**c, **stand_in} if key_of(c.get("user_id") or "") == forgetting.old_key else c
                for c in champions
            ],
        }
        delivery.payload = payload
        delivery.subject, delivery.body = render(MONTH_CLOSED, payload)
        changed += 1
    session.flush()
    return changed
