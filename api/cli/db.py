"""`uptake db upgrade`: create or migrate the schema (Alembic head)."""

from __future__ import annotations

import click

from adoption import schema
from api.cli.context import Context, pass_ctx


@click.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@pass_ctx
def db_upgrade(ctx: Context) -> None:
    """Create or migrate the schema to the newest revision."""
    schema.upgrade(ctx.engine)
    click.echo(f"database at revision {schema.current_revision(ctx.engine)}")
