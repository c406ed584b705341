"""`uptake leaderboard --scope …`: a site, region or chain board (GET /leaderboards) or, with
`--around USER_ID`, a person's window on it (GET /leaderboards/around); and
`uptake scoring configs list|create`: the versioned scoring config (GET/POST /scoring/configs).
Both run the API's handlers (`api.cli.operator`): the API's JSON, its validation, its audit."""

from __future__ import annotations

import json

import click

from api.cli.context import format_option, pass_ctx
from api.cli.operator import echo


@click.command("leaderboard")
@click.option("--scope", required=True, help="site:CODE, region:NAME or chain.")
@click.option("--period", help="YYYY-MM, ISO week YYYY-Www or all; default: yesterday's month.")
@click.option(
    "--metric",
    help="unit person: points (default), proficiency or improvement; "
    "unit site: points, adoption_rate or proficiency.",
)
@click.option("--unit", help="person (default) or site (store vs store).")
@click.option("--division", help="all (default), rookies or veterans.")
@click.option("--limit", help="Rows (1 to 1000; default 50).")
@click.option("--around", "user_id", help="A person's window on the board instead (user id).")
@click.option("--n", help="--around: neighbours above and below (the API's default 2).")
@format_option("table")
@pass_ctx
def leaderboard(ctx, scope, period, metric, unit, division, limit, user_id, n, fmt) -> None:
    """A board as the API ranks it for an admin: opted-out people by name (as hr sees them);
    a table or CSV of its entries."""
    if user_id is not None:
        if any(v is not None for v in (unit, division, limit)):
            raise click.UsageError("--around takes --scope, --period, --metric and --n only.")
        query = {"scope": scope, "period": period, "metric": metric, "user_id": user_id, "n": n}
        echo(ctx, fmt, "GET", "/leaderboards/around", query=query, rows="entries")
        return
    if n is not None:
        raise click.UsageError("--n goes with --around.")
    query = {
        "scope": scope,
        "period": period,
        "metric": metric,
        "unit": unit,
        "division": division,
        "limit": limit,
    }
    echo(ctx, fmt, "GET", "/leaderboards", query=query, rows="entries")


@click.group("scoring")
def scoring() -> None:
    """The proficiency scoring config."""


@scoring.group("configs")
def configs() -> None:
    """Versions of the scoring config; the last one is active."""


@configs.command("list")
@format_option("table")
@pass_ctx
def configs_list(ctx, fmt) -> None:
    """Every version, oldest first (GET /scoring/configs)."""
    echo(ctx, fmt, "GET", "/scoring/configs")


@configs.command("create")
@click.argument("changes", nargs=-1, required=True)
@format_option("json")
@pass_ctx
def configs_create(ctx, changes, fmt) -> None:
    """A new version from the active one with KEY=VALUE changes (POST /scoring/configs), e.g.
    `window_days=28`; VALUE is read as JSON (a number, true/false, a list, an object) and as
    text otherwise; the API validates it. Audited under `cli:<OS user>`."""
    body = dict(_change(text) for text in changes)
    echo(ctx, fmt, "POST", "/scoring/configs", json=body)


def _change(text: str) -> tuple[str, object]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise click.BadParameter(f"{text!r}: use KEY=VALUE.", param_hint="CHANGES")
    try:
        return key.strip(), json.loads(value)
    except ValueError:
        return key.strip(), value
