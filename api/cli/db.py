"""`uptake db`: create or migrate the schema; see and cut the monthly partitions."""

from __future__ import annotations

import click

from adoption import partitions, schema
from adoption.calendar import Month, chain_today_of
from api.cli.context import Context, month_option, pass_ctx, table
from api.clock import utcnow


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
@click.option(
    "--before",
    required=True,
    callback=month_option,
    help="Drop raw events of months before this one.",
)
@click.option("--yes", is_flag=True, help="Do it; without --yes, only say what would go.")
@pass_ctx
def db_retention(ctx: Context, before: Month, yes: bool) -> None:
    """Drop the raw events of every month before --before: whole partitions on PostgreSQL, rows
    on SQLite. Rollups, the points ledger and the keys that keep ingest exactly-once stay, and
    jobs never re-derive before the new horizon. Refused for the previous and current month."""
    now = utcnow()
    with ctx.unit_of_work() as session:
        current = Month.of(chain_today_of(session, now))
        if before > current.previous():
            raise click.BadParameter(
                f"{before} would drop events of {current.previous()} or later; those months"
                " can still change.",
                param_hint="--before",
            )
        report = [r for r in partitions.partition_report(session) if r["table"] == "event"]
        if not yes:
            going = [r for r in report if r["month"] is not None and r["month"] < before]
            for r in going:
                click.echo(f"would drop {r['partition']} ({r['rows']} rows)")
            click.echo(f"{len(going)} month(s) before {before}; run again with --yes to drop them")
            return
        dropped = partitions.drop_before(session, "event", before, now)
    click.echo(
        f"dropped {len(dropped.partitions)} partition(s), {dropped.rows} events;"
        f" events now start on {dropped.before}"
    )
