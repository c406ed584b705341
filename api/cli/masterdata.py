"""`uptake sites list|show` and `uptake features list|show`: master data as the API reads it
(`api.cli.operator`: the API's handlers, the API's JSON)."""

from __future__ import annotations

import click

from api.cli.context import format_option, pass_ctx
from api.cli.operator import echo, page_options, segment


@click.group("sites")
def sites() -> None:
    """Stores: code, name, time zone, pilot, wave, go-live."""


@sites.command("list")
@page_options
@format_option("table")
@pass_ctx
def sites_list(ctx, limit, cursor, fmt) -> None:
    """Every site by code (GET /sites)."""
    echo(ctx, fmt, "GET", "/sites", query={"limit": limit, "cursor": cursor})


@sites.command("show")
@click.argument("site_id")
@format_option("table")
@pass_ctx
def sites_show(ctx, site_id, fmt) -> None:
    """One site by its code, any case (GET /sites/{site_id}); exits 1 when unknown."""
    echo(ctx, fmt, "GET", f"/sites/{segment(site_id)}")


@click.group("features")
def features() -> None:
    """The feature catalog: the actions the POS reports, mapped to features."""


@features.command("list")
@click.option("--unmapped", help="true: only actions waiting to be mapped.")
@page_options
@format_option("table")
@pass_ctx
def features_list(ctx, unmapped, limit, cursor, fmt) -> None:
    """Every action by name (GET /features)."""
    query = {"unmapped": unmapped, "limit": limit, "cursor": cursor}
    echo(ctx, fmt, "GET", "/features", query=query)


@features.command("show")
@click.argument("action")
@format_option("table")
@pass_ctx
def features_show(ctx, action, fmt) -> None:
    """One action (GET /features/{action}); exits 1 when unknown."""
    echo(ctx, fmt, "GET", f"/features/{segment(action, slash=True)}")
