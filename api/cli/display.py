"""`uptake display create|list|revoke`: the store TV's read-only links (`rewards.display`)."""

from __future__ import annotations

from dataclasses import asdict
from urllib.parse import urlsplit

import click

from adoption.masterdata.records import get_site
from api.cli.context import cell, format_option, pass_ctx, rows_text, table, to_json
from api.clock import utcnow
from rewards.display import MAX_EXPIRES_DAYS, create_display, list_displays, revoke_named

DEFAULT_BASE_URL = "http://127.0.0.1:5000"
COLUMNS = ("id", "name", "site", "created", "expires", "revoked", "status")


def base_url_option(_ctx, _param, value: str) -> str:
    """A click callback: an http(s) URL without query or fragment, its trailing / dropped."""
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
        raise click.BadParameter(f"{value!r} is not an http(s) URL such as {DEFAULT_BASE_URL}.")
    return value.strip().rstrip("/")


@click.group("display")
def display_group() -> None:
    """Store display links: one store's board for its TV, read-only (shown once)."""


@display_group.command("create")
@click.option("--site", "site_code", required=True, help="The store the screen shows.")
@click.option("--name", help="Unique among the store's live links (default: <site>-tv).")
@click.option(
    "--expires-in-days",
    type=click.IntRange(1, MAX_EXPIRES_DAYS),
    help="Days until the link stops working (default: until revoked).",
)
@click.option(
    "--base-url",
    default=DEFAULT_BASE_URL,
    show_default=True,
    callback=base_url_option,
    help="Where the TV reaches Uptake (the public address behind the proxy).",
)
@pass_ctx
def display_create(ctx, site_code, name, expires_in_days, base_url) -> None:
    """Create a link; the full URL is printed once, alone on the last line."""
    with ctx.unit_of_work() as session:
        site = get_site(session, site_code)
        link, plain = create_display(
            session, site, name=name, expires_in_days=expires_in_days, now=utcnow(), actor=ctx.actor
        )
        click.echo(
            f"display {link.id} '{link.name}' site={link.site_id}"
            + (f" expires={link.expires_at:%Y-%m-%d}" if link.expires_at else "")
        )
    click.echo(f"{base_url}/display/{plain}")


@display_group.command("list")
@click.option("--site", "site_code", help="Only this store's links.")
@format_option("table")
@pass_ctx
def display_list(ctx, site_code, fmt) -> None:
    """Every display link, oldest first, with its status; never a token."""
    with ctx.reading() as session:
        sites = None if site_code is None else {get_site(session, site_code).id}
        links = list_displays(session, site_ids=sites, now=utcnow())
    if fmt != "table":
        data = [{**asdict(x), **_times(x)} for x in links]
        click.echo(to_json(data) if fmt == "json" else rows_text(data, "csv"), nl=fmt == "json")
        return
    rows = [
        [x.id, x.name, x.site_id, _when(x.created_at), _when(x.expires_at), _when(x.revoked_at),
         x.status]
        for x in links
    ]  # fmt: skip
    click.echo(table(COLUMNS, rows), nl=False)


def _when(value) -> str:
    return cell(value and value.strftime("%Y-%m-%d %H:%M UTC"))


def _times(link) -> dict:
    return {k: getattr(link, k) and getattr(link, k).isoformat() for k in _TIMES}


_TIMES = ("created_at", "expires_at", "revoked_at")


@display_group.command("revoke")
@click.argument("name_or_id")
@click.option("--site", "site_code", help="The store, when links of several have the name.")
@pass_ctx
def display_revoke(ctx, name_or_id, site_code) -> None:
    """Revoke a display link by id, or the live link of a name; its screen shows "Not found"."""
    with ctx.unit_of_work() as session:
        revoked = revoke_named(
            session, name_or_id, site_code=site_code, now=utcnow(), actor=ctx.actor
        )
        click.echo(
            f"revoked {len(revoked)} display link(s): "
            + ", ".join(f"{x.id} '{x.name}' site={x.site_id}" for x in revoked)
        )
