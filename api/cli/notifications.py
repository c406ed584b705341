"""`uptake notifications subscribe|list|remove|test|deliver|deliveries`: the subscriptions and
the delivery log as admins have them under /api/v1/notifications. JSON output is the API's JSON
(the same domain calls, dumped by the same schemas); changes are audited as `cli:<OS user>`."""

from __future__ import annotations

import sys

import click

from adoption.identity.models import ROLES
from adoption.locales import LOCALES
from adoption.notify.events import EVENT_NAMES
from adoption.notify.outbox import STATUSES, list_deliveries
from adoption.notify.sender import SendPolicy, send_test
from adoption.notify.subscriptions import describe, get_subscription, list_subscriptions, remove
from adoption.notify.subscriptions import subscribe as add_subscription
from api import jobs
from api.cli.context import dump_json, format_option, pass_ctx, render, table, to_json
from api.clock import utcnow
from api.schemas.notifications import DeliverySchema, SubscriptionSchema, TestResultSchema

COLUMNS = ("id", "event", "channel", "site_id", "role", "user_id", "signed", "created_by")


@click.group("notifications")
def notifications() -> None:
    """Outbound notifications: subscriptions, tests, delivery."""


@notifications.command("subscribe")
@click.option("--event", required=True, type=click.Choice(EVENT_NAMES), help="What to be told of.")
@click.option("--channel", required=True, help="mailto:…, http(s)://… or an apprise URL.")
@click.option("--site", help="Only this site's occurrences (a site code).")
@click.option("--role", type=click.Choice(ROLES), help="Whose channel it is.")
@click.option("--user", help="A person's own subscription (person.badge, month.closed).")
@click.option("--secret", help="Signs a webhook (http(s) channels only), 16 to 200 characters.")
@click.option(
    "--locale",
    type=click.Choice(LOCALES),
    help="The messages' language (default: a person's own follows their account, else en).",
)
@pass_ctx
def subscribe(ctx, event, channel, site, role, user, secret, locale) -> None:
    """Subscribe CHANNEL to EVENT (POST /notifications); prints the subscription, channel
    redacted. Audited."""
    if secret is not None and not 16 <= len(secret) <= 200:
        raise click.BadParameter("16 to 200 characters.", param_hint="--secret")
    with ctx.unit_of_work() as session:
        sub = add_subscription(
            session,
            event=event,
            channel=channel,
            site=site,
            role=role,
            user=user,
            secret=secret,
            locale=locale,
            now=utcnow(),
            actor=ctx.actor,
        )
        data = describe(session, sub)
    click.echo(dump_json(SubscriptionSchema(), data), nl=False)


@notifications.command("list")
@format_option("table")
@pass_ctx
def list_command(ctx, fmt) -> None:
    """The live subscriptions (GET /notifications); channels redacted."""
    with ctx.reading() as session:
        data = SubscriptionSchema(many=True).dump(
            [describe(session, sub) for sub in list_subscriptions(session)]
        )
    if fmt != "table":
        click.echo(render(data, fmt), nl=False)
        return
    click.echo(table(COLUMNS, [[row[c] for c in COLUMNS] for row in data]), nl=False)


@notifications.command("remove")
@click.argument("subscription_id", type=click.IntRange(1, 2**31 - 1))
@pass_ctx
def remove_command(ctx, subscription_id) -> None:
    """Remove a subscription (DELETE /notifications/{id}); its log stays. Audited."""
    with ctx.unit_of_work() as session:
        data = describe(session, remove(session, subscription_id, now=utcnow(), actor=ctx.actor))
    click.echo(dump_json(SubscriptionSchema(), data), nl=False)


@notifications.command("test")
@click.argument("subscription_id", type=click.IntRange(1, 2**31 - 1))
@pass_ctx
def test_command(ctx, subscription_id) -> None:
    """Send a test message now (POST /notifications/{id}/test); exits 1 when it failed."""
    with ctx.reading() as session:
        sub = get_subscription(session, subscription_id)
    sent = send_test(sub, SendPolicy.from_settings(ctx.settings))
    result = {"ok": sent.ok, "status_code": sent.status_code, "error": sent.error}
    click.echo(dump_json(TestResultSchema(), result), nl=False)
    if not sent.ok:
        sys.exit(1)


@notifications.command("deliver")
@pass_ctx
def deliver(ctx) -> None:
    """Send what is owed now (the `deliver-notifications` job, locked and recorded); exits 1
    when another process is delivering."""
    run = jobs.run_job(ctx.sessions, "deliver-notifications", settings=ctx.settings).run
    if run is None:
        click.echo("error: another process is delivering right now; try again.", err=True)
        sys.exit(1)
    click.echo(to_json(run.details or {}))
    if run.outcome != "ok":
        sys.exit(1)


@notifications.command("deliveries")
@click.option("--status", type=click.Choice(STATUSES))
@click.option("--event", type=click.Choice(EVENT_NAMES))
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True)
@format_option("table")
@pass_ctx
def deliveries(ctx, status, event, limit, fmt) -> None:
    """The delivery log, newest first, with attempts (GET /notifications/deliveries)."""
    with ctx.reading() as session:
        rows = list_deliveries(session, status=status, event=event, limit=limit)
        data = DeliverySchema(many=True).dump(rows)
    if fmt != "table":
        click.echo(render(data, fmt), nl=False)
        return
    columns = ("id", "event", "status", "attempts", "channel", "key", "last_error")
    click.echo(table(columns, [[row[c] for c in columns] for row in data]), nl=False)
