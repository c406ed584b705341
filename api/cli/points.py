"""`uptake points award|list|config show|config set`: manual awards, a person's points row by
row, and the versioned points config. JSON output is the API's JSON (the same domain call,
dumped by the same schema)."""

from __future__ import annotations

import click

from adoption.masterdata.records import get_employee
from api.cli.context import FORMAT, date_option, dump_json, pass_ctx, render, table
from api.clock import utcnow
from api.schemas.points import LedgerRowSchema, PointsConfigSchema, StatementSchema
from rewards.awards import MANUAL_BADGES, MAX_POINTS, award_points
from rewards.points_config import TUNABLE, create_points_rules, list_points_rules
from rewards.points_trace import ledger_entry, points_statement, statement_window

FLAGS = {"colleague_kudos", "rookie_division", "display_names"}
ROW_COLUMNS = ("id", "local_day", "site_id", "what", "points", "rule", "events", "reason")


@click.group("points")
def points() -> None:
    """Points: manual awards, a person's rows, the points config."""


@points.command("award")
@click.argument("user_id")
@click.option(
    "--points",
    "amount",
    required=True,
    type=click.IntRange(-MAX_POINTS, MAX_POINTS),
    help="± points, not 0 (a negative award is a penalty).",
)
@click.option("--reason", required=True, help="Why, 3 to 300 characters.")
@click.option("--badge", type=click.Choice(MANUAL_BADGES), help="A badge to give with it.")
@pass_ctx
def points_award(ctx, user_id, amount, reason, badge) -> None:
    """Give USER_ID points (or take some) at the home site today, as POST
    /employees/{user_id}/awards does: refused in a closed month and over the monthly award cap;
    audited, given by `cli:<OS user>`. Prints the ledger row as the API's JSON."""
    with ctx.unit_of_work() as session:
        employee = get_employee(session, user_id)
        now = utcnow()
        row_id = award_points(
            session, employee, points=amount, reason=reason, badge=badge, actor=ctx.actor, now=now
        )
        data = ledger_entry(session, row_id, now=now)
    click.echo(dump_json(LedgerRowSchema(), data), nl=False)


@points.command("list")
@click.argument("user_id")
@click.option("--from", "first", callback=date_option, help="First local day (default: the 1st).")
@click.option("--to", "last", callback=date_option, help="Last local day (default: today).")
@FORMAT
@pass_ctx
def points_list(ctx, user_id, first, last, fmt) -> None:
    """USER_ID's ledger rows, oldest first, with the events behind each (GET
    /employees/{user_id}/points); the default window is this month at the home site."""
    with ctx.reading() as session:
        employee = get_employee(session, user_id)
        now = utcnow()
        first, last = statement_window(employee, now, first, last)
        data = StatementSchema().dump(points_statement(session, employee, first, last, now=now))
    click.echo(render(data, fmt, rows="rows", people=_statement_table), nl=False)


def _statement_table(data: dict) -> str:
    rows = [
        [
            r["id"],
            r["local_day"],
            r["site_id"],
            (r["feature"] or {}).get("title") or (r["feature"] or {}).get("action") or r["rule"],
            r["points"],
            r["rule"],
            r["events"]["count"] if r["events"] else None,
            r["reason"],
        ]
        for r in data["rows"]
    ]
    head = f"{data['user_id']} at {data['site_id']}, {data['from']} to {data['to']}: "
    return head + f"{data['total']} points\n" + table(ROW_COLUMNS, rows).rstrip("\n")


@points.group("config")
def config() -> None:
    """The versioned points config (void window, award cap, kudos, rookies, display names)."""


@config.command("show")
@FORMAT
@pass_ctx
def config_show(ctx, fmt) -> None:
    """Every version, oldest first; the last one is active (GET /points/configs)."""
    with ctx.reading() as session:
        data = PointsConfigSchema(many=True).dump(list_points_rules(session))
    columns = ("version", *TUNABLE)
    rows = [[v[c] for c in columns] for v in data]
    if fmt != "table":
        click.echo(render(data, fmt), nl=False)
        return
    click.echo(table(columns, rows), nl=False)


@config.command("set")
@click.argument("changes", nargs=-1, required=True)
@pass_ctx
def config_set(ctx, changes) -> None:
    """A new version from the active one with KEY=VALUE changes (e.g. award_cap_per_month=200
    colleague_kudos=true), as POST /points/configs; audited. Prints the new version as JSON."""
    values = dict(_change(text) for text in changes)
    with ctx.unit_of_work() as session:
        rules = create_points_rules(session, values, now=utcnow(), actor=ctx.actor)
        data = rules.as_dict()
    click.echo(dump_json(PointsConfigSchema(), data), nl=False)


def _change(text: str) -> tuple[str, int | bool]:
    """`KEY=VALUE`: an integer, or `true`/`false` for a yes/no setting; else a usage error."""
    key, sep, value = text.partition("=")
    key, value = key.strip(), value.strip()
    if not sep or key not in TUNABLE:
        raise click.BadParameter(
            f"{text!r}: use KEY=VALUE with KEY one of {', '.join(TUNABLE)}.", param_hint="CHANGES"
        )
    if key in FLAGS:
        if value not in {"true", "false"}:
            raise click.BadParameter(f"{key} is true or false.", param_hint="CHANGES")
        return key, value == "true"
    try:
        return key, int(value)
    except ValueError as exc:
        raise click.BadParameter(f"{key} is a whole number.", param_hint="CHANGES") from exc
