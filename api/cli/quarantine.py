"""`uptake quarantine list|summary|show|replay|discard|replay-all|discard-all`: bad input kept
until fixed or discarded, through the API's own handlers (`api.cli.operator`): the JSON is the
API's JSON, a replay or discard is audited under `cli:<OS user>`. The filters (`--reason`,
`--source`, `--site`, `--from`, `--to`) are the API's."""

from __future__ import annotations

import click

from adoption.errors import NotFound
from api.cli.context import format_option, pass_ctx, render
from api.cli.operator import call, echo, page_options
from api.pagination import encode_cursor

ID = click.IntRange(1, 2**63 - 1)
DAY = click.DateTime(formats=["%Y-%m-%d"])


def filter_options(command):
    """The API's filter: exact reason line, source, site (any case), received UTC days."""
    options = [
        click.option("--to", "received_to", type=DAY, help="Received on or before (UTC day)."),
        click.option("--from", "received_from", type=DAY, help="Received on or after (UTC day)."),
        click.option("--site", help="The site code the input names (any case)."),
        click.option("--source", help="The source it came from."),
        click.option("--reason", help="Exactly a reason line, as `summary` lists them."),
    ]
    for option in options:
        command = option(command)
    return command


def _criteria(filters: dict) -> dict:
    """The filter as the API's query or body: days as YYYY-MM-DD, unset criteria left out."""
    return {
        k: v.date().isoformat() if hasattr(v, "date") else v
        for k, v in filters.items()
        if v is not None
    }


@click.group("quarantine")
def quarantine() -> None:
    """Bad input kept until replayed (optionally corrected) or discarded."""


@quarantine.command("list")
@click.option("--status", help="open (the API's default), replayed, discarded or all.")
@filter_options
@page_options
@format_option("table")
@pass_ctx
def quarantine_list(ctx, status, limit, cursor, fmt, **filters) -> None:
    """Quarantined items, oldest first (GET /quarantine)."""
    query = {"status": status, "limit": limit, "cursor": cursor, **_criteria(filters)}
    echo(ctx, fmt, "GET", "/quarantine", query=query)


@quarantine.command("summary")
@click.option("--status", help="open (the API's default), replayed, discarded or all.")
@filter_options
@format_option("json")
@pass_ctx
def quarantine_summary(ctx, status, fmt, **filters) -> None:
    """How many items the filter selects, with totals by reason and by source
    (GET /quarantine/summary)."""
    echo(ctx, fmt, "GET", "/quarantine/summary", query={"status": status, **_criteria(filters)})


def _bulk(ctx, fmt, action: str, dry_run: bool, filters: dict) -> None:
    body = {**_criteria(filters), "dry_run": dry_run}
    echo(ctx, fmt, "POST", f"/quarantine/{action}", json=body)


@quarantine.command("replay-all")
@filter_options
@click.option("--dry-run", is_flag=True, help="Only say how many would pass; change nothing.")
@format_option("json")
@pass_ctx
def quarantine_replay_all(ctx, dry_run, fmt, **filters) -> None:
    """Replay as stored every open item the filter selects that would pass now
    (POST /quarantine/replay); the others stay open, totalled by reason. Audited."""
    _bulk(ctx, fmt, "replay", dry_run, filters)


@quarantine.command("discard-all")
@filter_options
@click.option("--dry-run", is_flag=True, help="Only say how many would be discarded.")
@click.option("--yes", is_flag=True, help="Do not ask first.")
@format_option("json")
@pass_ctx
def quarantine_discard_all(ctx, dry_run, yes, fmt, **filters) -> None:
    """Discard every open item the filter selects (POST /quarantine/discard). Audited. Asks
    first, naming how many (a dry run), unless --yes; then takes exactly the items counted."""
    if dry_run or yes:
        _bulk(ctx, fmt, "discard", dry_run, filters)
        return
    body = {**_criteria(filters), "dry_run": True}
    counted = call(ctx, "POST", "/quarantine/discard", json=body).get_json()
    if not counted["matched"]:
        click.echo("No open item matches the filter.", err=True)
        return
    click.confirm(f"Discard {counted['matched']:,} items?", abort=True, err=True)
    body = {**body, "dry_run": False, "up_to_id": counted["last_id"]}
    echo(ctx, fmt, "POST", "/quarantine/discard", json=body)


@quarantine.command("show")
@click.argument("item_id", type=ID)
@format_option("json")
@pass_ctx
def quarantine_show(ctx, item_id, fmt) -> None:
    """One item, whatever its status: the API's list item of that id (GET /quarantine with
    status=all, one row from just before the id); exits 1 when there is none."""
    query = {"status": "all", "limit": 1, "cursor": encode_cursor(item_id - 1)}
    items = call(ctx, "GET", "/quarantine", query=query, paged=False).get_json()
    if not items or items[0]["id"] != item_id:
        raise NotFound(f"No quarantined item {item_id}.", {"item_id": item_id})
    click.echo(render(items[0], fmt), nl=False)


@quarantine.command("replay")
@click.argument("item_id", type=ID)
@click.option(
    "--corrected",
    type=click.File("rb"),
    help="A JSON file (- for stdin) with the corrected event; default: the event as it was.",
)
@format_option("json")
@pass_ctx
def quarantine_replay(ctx, item_id, corrected, fmt) -> None:
    """Ingest the item again (POST /quarantine/{item_id}/replay); audited. An event that still
    does not validate is the API's 422: exit 2, the item stays open."""
    body = corrected.read() if corrected is not None else None
    response = call(ctx, "POST", f"/quarantine/{item_id}/replay", data=body)
    click.echo(render(response.get_json(), fmt), nl=False)


@quarantine.command("discard")
@click.argument("item_id", type=ID)
@format_option("json")
@pass_ctx
def quarantine_discard(ctx, item_id, fmt) -> None:
    """Give up on the item (POST /quarantine/{item_id}/discard); audited."""
    echo(ctx, fmt, "POST", f"/quarantine/{item_id}/discard")
