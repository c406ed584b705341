"""`uptake tokens create|revoke`: API tokens, stored hashed and printed once."""

from __future__ import annotations

import click

from adoption.identity import credentials
from adoption.identity.models import ROLES
from adoption.ingest.compat import FORMATS, parse_map_options
from api.cli.context import pass_ctx
from api.clock import utcnow


@click.group()
def tokens() -> None:
    """API tokens (stored hashed; shown once)."""


@tokens.command("create")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--name", required=True, help="Also the event source for ingest tokens.")
@click.option("--site", "sites", multiple=True, help="Site scope (manager, ingest).")
@click.option("--user", "user_id", help="The employee an employee token belongs to.")
@click.option("--expires", type=click.IntRange(1, 3650), help="Days until it expires.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="uptake",
    show_default=True,
    help="What the sender speaks: a segment or posthog token is that client's write key.",
)
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="KEY=VALUE",
    help="How its messages map to events (docs/integrations.md), e.g. site=properties.store.",
)
@click.argument("more_maps", nargs=-1, metavar="[KEY=VALUE]...")
@pass_ctx
def tokens_create(ctx, role, name, sites, user_id, expires, fmt, maps, more_maps) -> None:
    """Create a token; it is printed once, alone on the last line. KEY=VALUE pairs after a
    --map are more mapping entries (`--map action=event site=properties.store`)."""
    if more_maps and not maps:
        raise click.UsageError(f"Unexpected {more_maps[0]!r}: mapping entries follow --map.")
    with ctx.unit_of_work() as session:
        token, plain = credentials.create_token(
            session,
            role=role,
            name=name,
            now=utcnow(),
            sites=list(sites),
            expires_days=expires,
            user_id=user_id,
            format=fmt,
            mapping=parse_map_options([*maps, *more_maps]),
            actor=ctx.actor,
        )
        click.echo(
            f"token {token.id} '{token.name}' role={role}"
            + (f" format={fmt}" if fmt != "uptake" else "")
            + (f" sites={','.join(sites)}" if sites else "")
            + (f" expires={token.expires_at:%Y-%m-%d}" if token.expires_at else "")
        )
    click.echo(plain)


@tokens.command("revoke")
@click.argument("name_or_id")
@pass_ctx
def tokens_revoke(ctx, name_or_id) -> None:
    """Revoke a token by id, or every live token of a name."""
    with ctx.unit_of_work() as session:
        revoked = credentials.revoke_token(session, name_or_id, now=utcnow(), actor=ctx.actor)
        click.echo(f"revoked {len(revoked)} token(s): {', '.join(str(t.id) for t in revoked)}")
