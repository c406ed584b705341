"""`uptake db`: create or migrate the schema; see and cut the monthly partitions."""

from __future__ import annotations

from datetime import date

import click

from adoption import partitions, retention, schema
from adoption.calendar import Month, chain_today_of
from adoption.errors import Invalid
from api.cli.context import Context, month_option, pass_ctx, table
from api.clock import utcnow
from rewards.retention import oldest_open_month


@click.group()
def db() -> None:
    """The database schema and its storage."""


@db.command("upgrade")
@pass_ctx
def db_upgrade(ctx: Context) -> None:
    """Create or migrate the schema to the newest revision."""
    schema.upgrade(ctx.engine)
    click.echo(f"database at revision {schema.current_revision(ctx.engine)}")


@db.command("partitions")
@pass_ctx
def db_partitions(ctx: Context) -> None:
    """Create the coming months' partitions (PostgreSQL), then list every partition.

    Each line is a table, a partition and its rows (PostgreSQL's estimate; on SQLite, which has
    no partitions, the exact count of events per month).
    """
    with ctx.unit_of_work() as session:
        created = partitions.ensure_partitions(session, chain_today_of(session, utcnow()))
        report = partitions.partition_report(session)
    for name in created:
        click.echo(f"created {name}", err=True)
    rows = [[r["table"], r["partition"], r["rows"]] for r in report]
    click.echo(table(("table", "partition", "rows"), rows))


@db.command("retention")
@click.option("--before", callback=month_option, help="Drop raw events of months before this one.")
@click.option(
    "--days",
    type=click.IntRange(min=0, max=retention.MAX_RETENTION_DAYS),
    help="Purge raw events older than this many days (default: UPTAKE_RETENTION_DAYS).",
)
@click.option("--yes", is_flag=True, help="Do it; without --yes, only say what would go.")
@pass_ctx
def db_retention(ctx: Context, before: Month | None, days: int | None, yes: bool) -> None:
    """Purge the raw events older than --days days (or UPTAKE_RETENTION_DAYS), or of every month
    before --before: whole partitions on PostgreSQL, rows on SQLite. Rollups, the points ledger
    and the keys that keep ingest exactly-once stay, and jobs never re-derive before the new
    horizon. Refused for the previous and current month (and for fewer than 62 days); held back
    to the first day of the oldest month HR has not closed yet."""
    now = utcnow()
    with ctx.unit_of_work() as session:
        today = chain_today_of(session, now)
        asked = _cut_day(ctx, today, before, days)
        first = retention.clamp(asked, oldest_open_month(session, asked))
        if first != asked:
            click.echo(
                f"cut held back from {asked} to {first}: {Month.of(first)} is not closed yet,"
                " and its points are re-derived from its events"
            )
        if not yes:
            going = retention.rows_before(session, first)
            for g in going:
                scope = "" if g.whole else f" before {first}"
                click.echo(f"would remove {g.what}{scope} ({g.rows} rows)")
            click.echo(f"events before {first} would go; run again with --yes to remove them")
            return
        dropped = retention.cut_before(session, "event", first, now)
    click.echo(
        f"dropped {len(dropped.partitions)} partition(s), {dropped.rows} events;"
        f" events now start on {dropped.before}"
    )


def _cut_day(ctx: Context, today: date, before: Month | None, days: int | None) -> date:
    """The first day kept: --before's first day, or --days (else the configured days) back."""
    if before is not None and days is not None:
        raise click.UsageError("Give --before or --days, not both.")
    if before is not None:
        current = Month.of(today)
        if before > current.previous():
            raise click.BadParameter(
                f"{before} would drop events of {current.previous()} or later; those months"
                " can still change.",
                param_hint="--before",
            )
        return before.first_day
    days = ctx.settings.retention_days if days is None else days
    if not days:
        raise click.UsageError("Give --days or --before (UPTAKE_RETENTION_DAYS is not set).")
    try:
        return retention.days_cut(today, days)
    except Invalid as exc:
        raise click.BadParameter(exc.details["days"][0], param_hint="--days") from exc
