"""`uptake access-log export`: who read whose data, as CSV (works-council mode, docs/privacy.md)."""

from __future__ import annotations

import click

from adoption.identity import access_log
from adoption.masterdata.records import get_employee
from api.cli.context import date_option, pass_ctx
from api.clock import utcnow


@click.group("access-log")
def access_log_group() -> None:
    """The access log of UPTAKE_ACCESS_LOG=on."""


@access_log_group.command("export")
@click.option("--from", "first", callback=date_option, help="First UTC day (YYYY-MM-DD).")
@click.option("--to", "last", callback=date_option, help="Last UTC day, inclusive.")
@click.option("--user", "user_id", help="Only the reads of this person's data.")
@click.option(
    "--output",
    type=click.File("wb"),
    default="-",
    show_default=True,
    help="The CSV file to write ('-': standard output).",
)
@pass_ctx
def access_log_export(ctx, first, last, user_id, output) -> None:
    """Write the log as CSV (UTF-8 with BOM): at, viewer, viewer_role, user_id, what, path;
    oldest first. The export is audited."""
    with ctx.unit_of_work() as session:
        employee_id = get_employee(session, user_id).id if user_id else None
        content = access_log.export_csv(
            session, now=utcnow(), actor=ctx.actor, first=first, last=last, employee_id=employee_id
        )
    output.write(content)
