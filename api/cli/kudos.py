"""`uptake kudos give|list`: thank a person for something concrete, and read a person's kudos.
JSON output is the API's JSON (the same domain call, dumped by the same schema)."""

from __future__ import annotations

import click

from adoption.masterdata.records import get_employee
from api.cli.context import FORMAT, date_option, dump_json, pass_ctx, render, table
from api.clock import utcnow
from api.schemas.kudos import KudosSchema
from rewards.kudos import Giver, give_kudos, list_kudos
from rewards.points_trace import statement_window


@click.group("kudos")
def kudos() -> None:
    """Kudos: thanks for something concrete."""


@kudos.command("give")
@click.argument("user_id")
@click.option("--message", required=True, help="What for, 3 to 300 characters.")
@click.option("--from", "giver", help="Who thanks; default: cli:<OS user>.")
@pass_ctx
def kudos_give(ctx, user_id, message, giver) -> None:
    """Thank USER_ID, as a manager does with POST /employees/{user_id}/kudos: one kudos per
    giver and person a day; points as the points config's kudos_points; audited."""
    with ctx.unit_of_work() as session:
        employee = get_employee(session, user_id)
        data = give_kudos(
            session,
            employee,
            message=message,
            giver=Giver(giver or ctx.actor, "admin", actor=ctx.actor),
            now=utcnow(),
        )
    click.echo(dump_json(KudosSchema(), data), nl=False)


@kudos.command("list")
@click.argument("user_id")
@click.option("--from", "first", callback=date_option, help="First local day (default: the 1st).")
@click.option("--to", "last", callback=date_option, help="Last local day (default: today).")
@FORMAT
@pass_ctx
def kudos_list(ctx, user_id, first, last, fmt) -> None:
    """USER_ID's kudos, newest first (GET /employees/{user_id}/kudos); the default window is
    this month at the home site."""
    with ctx.reading() as session:
        employee = get_employee(session, user_id)
        first, last = statement_window(employee, utcnow(), first, last)
        data = KudosSchema(many=True).dump(list_kudos(session, employee, first, last))
    if fmt != "table":
        click.echo(render(data, fmt), nl=False)
        return
    rows = [[k["day"], k["from"], k["points"], k["message"]] for k in data]
    click.echo(table(("day", "from", "points", "message"), rows))
