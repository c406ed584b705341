"""`uptake quarantine list|show|replay|discard`: bad input kept until fixed or discarded, through
the API's own handlers (`api.cli.operator`): the JSON is the API's JSON, a replay or discard is
audited under `cli:<OS user>`."""

from __future__ import annotations

import click

from adoption.errors import NotFound
from api.cli.context import format_option, pass_ctx, render
from api.cli.operator import call, echo, page_options
from api.pagination import encode_cursor

ID = click.IntRange(1, 2**63 - 1)


@click.group("quarantine")
def quarantine() -> None:
    """Bad input kept until replayed (optionally corrected) or discarded."""


@quarantine.command("list")
@click.option("--status", help="open (the API's default), replayed, discarded or all.")
@page_options
@format_option("table")
@pass_ctx
def quarantine_list(ctx, status, limit, cursor, fmt) -> None:
    """Quarantined items, oldest first (GET /quarantine)."""
    echo(ctx, fmt, "GET", "/quarantine", query={"status": status, "limit": limit, "cursor": cursor})


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
