"""Outbound notifications (docs/api.md "Notifications"): admins subscribe channels to events,
test them, and read the delivery log; a person signed in as an employee opts in (and out) of
their own badge, level and champion messages by e-mail. Thin handlers: the rules are
`adoption.notify`."""

from __future__ import annotations

from functools import partial

from flask import current_app, g

from adoption import limits
from adoption.notify.outbox import list_deliveries
from adoption.notify.sender import SendPolicy, send_test
from adoption.notify.subscriptions import (
    describe,
    get_subscription,
    list_subscriptions,
    remove,
    subscribe_own,
)
from adoption.notify.subscriptions import subscribe as add_subscription
from api import database
from api.auth import requires
from api.clock import utcnow
from api.database import reads_first
from api.http.blueprint import Blueprint, check_id, path
from api.schemas.notifications import (
    DeliveryListArgs,
    DeliverySchema,
    SubscriptionCreateSchema,
    SubscriptionSchema,
    TestResultSchema,
)

bp = Blueprint("notifications", __name__, description="Outbound notifications.")


def _own() -> int | None:
    """The employee whose own subscriptions are all the caller may touch; None for an admin."""
    return None if g.principal.role == "admin" else g.principal.employee_id


@bp.get("/notifications")
@requires("employee")
@bp.response(200, SubscriptionSchema(many=True))
def index():
    """The live subscriptions, oldest first (an employee: their own); channels redacted,
    secrets never shown."""
    session = database.session()
    subs = list_subscriptions(session, employee_id=_own())
    return [describe(session, sub) for sub in subs]


@bp.post("/notifications")
@requires("employee")
@bp.arguments(SubscriptionCreateSchema)
@bp.response(201, SubscriptionSchema)
def create(body):
    """Subscribe a channel to an event (for the chain, one site, or one person); 422 names the
    field that is wrong (an unknown site or person, a channel no sender speaks, a secret for a
    channel that is not a webhook). An employee opts in for themselves only: person.badge or
    month.closed, to a mailto: address (403 for another person's user_id). Audited."""
    session = database.session()
    own = _own()
    add = add_subscription if own is None else partial(subscribe_own, employee_id=own)
    sub = add(
        session,
        event=body["event"],
        channel=body["channel"],
        site=body["site_id"],
        role=body["role"],
        user=body["user_id"],
        secret=body["secret"],
        locale=body["locale"],
        now=utcnow(),
        actor=g.principal.name,
    )
    return describe(session, sub), 201


@bp.delete("/notifications/<int:subscription_id>", parameters=path("subscription_id"))
@requires("employee")
@bp.response(200, SubscriptionSchema)
def delete(subscription_id):
    """Remove a subscription (an employee: one of their own, else 404): nothing more is owed
    to it, what was pending is dropped, its log stays. Audited."""
    check_id("subscription_id", subscription_id, limits.ROW_ID)
    session = database.session()
    sub = remove(session, subscription_id, now=utcnow(), actor=g.principal.name, owner=_own())
    return describe(session, sub)


@bp.post("/notifications/<int:subscription_id>/test", parameters=path("subscription_id"))
@requires()
@bp.response(200, TestResultSchema)
@reads_first
def test(subscription_id):
    """Send a test message to the channel now and say whether it went through (not logged as a
    delivery). Nothing is written, so no lock is held while the channel answers."""
    check_id("subscription_id", subscription_id, limits.ROW_ID)
    sub = get_subscription(database.session(), subscription_id)
    sent = send_test(sub, SendPolicy.from_settings(current_app.extensions["uptake"].settings))
    return {"ok": sent.ok, "status_code": sent.status_code, "error": sent.error}


@bp.get("/notifications/deliveries")
@requires()
@bp.arguments(DeliveryListArgs, location="query")
@bp.response(200, DeliverySchema(many=True))
def deliveries(args):
    """The delivery log, newest first, each with its attempts (when, ok, status, error)."""
    return list_deliveries(
        database.session(), status=args["status"], event=args["event"], limit=args["limit"]
    )
