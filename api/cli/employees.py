"""`uptake employees …`: people as the API reads them, and forgetting one (docs/privacy.md).

`list`, `show`, `score`, `history`, `badges` and `points` run the API's handlers
(`api.cli.operator`): the JSON is the API's JSON, and a read of one person's data is in the
access log under `cli:<OS user>` when `UPTAKE_ACCESS_LOG` is on, as the API's reads are.
"""

from __future__ import annotations

import click

from api.cli.context import dump_json, format_option, pass_ctx
from api.cli.operator import echo, page_options, segment
from api.clock import utcnow
from api.schemas.privacy import ForgetSchema
from rewards.erasure import forget_employee


@click.group()
def employees() -> None:
    """People: their records, scores, history, badges and points; forgetting one."""


@employees.command("list")
@click.option("--site-id", "--site", "site_id", help="One site's people (its code).")
@click.option("--rostered", help="false: only people known from events, not on HR's roster.")
@page_options
@format_option("table")
@pass_ctx
def employees_list(ctx, site_id, rostered, limit, cursor, fmt) -> None:
    """People by user id (GET /employees)."""
    query = {"site_id": site_id, "rostered": rostered, "limit": limit, "cursor": cursor}
    echo(ctx, fmt, "GET", "/employees", query=query)


@employees.command("show")
@click.argument("user_id")
@format_option("table")
@pass_ctx
def employees_show(ctx, user_id, fmt) -> None:
    """One person's record (GET /employees/{user_id}); exits 1 when unknown."""
    echo(ctx, fmt, "GET", f"/employees/{segment(user_id)}")


@employees.command("score")
@click.argument("user_id")
@click.option("--as-of", help="YYYY-MM-DD; default: yesterday at the home site.")
@click.option("--config-version", help="A scoring config version; default: the active one.")
@format_option("table")
@pass_ctx
def employees_score(ctx, user_id, as_of, config_version, fmt) -> None:
    """The proficiency score, level and components (GET /employees/{user_id}/proficiency)."""
    query = {"as_of": as_of, "config_version": config_version}
    echo(ctx, fmt, "GET", f"/employees/{segment(user_id)}/proficiency", query=query)


@employees.command("history")
@click.argument("user_id")
@click.option("--from", "first", help="First local day; default: 7 days ending yesterday.")
@click.option("--to", "last", help="Last local day.")
@click.option("--config-version", help="A scoring config version; default: the active one.")
@page_options
@format_option("table")
@pass_ctx
def employees_history(ctx, user_id, first, last, config_version, limit, cursor, fmt) -> None:
    """The daily score (GET /employees/{user_id}/history)."""
    query = {
        "from": first,
        "to": last,
        "config_version": config_version,
        "limit": limit,
        "cursor": cursor,
    }
    echo(ctx, fmt, "GET", f"/employees/{segment(user_id)}/history", query=query)


@employees.command("badges")
@click.argument("user_id")
@page_options
@format_option("table")
@pass_ctx
def employees_badges(ctx, user_id, limit, cursor, fmt) -> None:
    """Badges, oldest first (GET /employees/{user_id}/badges)."""
    query = {"limit": limit, "cursor": cursor}
    echo(ctx, fmt, "GET", f"/employees/{segment(user_id)}/badges", query=query)


@employees.command("points")
@click.argument("user_id")
@click.option("--from", "first", help="First local day; default: the 1st of this month.")
@click.option("--to", "last", help="Last local day; default: today.")
@format_option("table")
@pass_ctx
def employees_points(ctx, user_id, first, last, fmt) -> None:
    """Ledger rows with the events behind each (GET /employees/{user_id}/points); a table or
    CSV has one line a row."""
    query = {"from": first, "to": last}
    echo(ctx, fmt, "GET", f"/employees/{segment(user_id)}/points", query=query, rows="rows")


@employees.command("forget")
@click.argument("user_id")
@click.confirmation_option(
    prompt="Forget this person? Their name, user id and raw events go for good."
)
@pass_ctx
def employees_forget(ctx, user_id: str) -> None:
    """Replace the person's name and user id by a pseudonym, delete their raw events, disable
    their logins; every total, score and closed month stays (audited under `cli:<OS user>`).
    Prints the result as the API's JSON; again with the pseudonymous id, nothing changes."""
    with ctx.unit_of_work() as session:
        result = forget_employee(session, user_id, now=utcnow(), actor=ctx.actor)
        click.echo(dump_json(ForgetSchema(), result), nl=False)
