"""`uptake accounts create`: web logins; the generated password is printed once."""

from __future__ import annotations

import click

from adoption.identity import credentials
from adoption.identity.models import ROLES
from api.cli.context import pass_ctx
from api.clock import utcnow


@click.group()
def accounts() -> None:
    """Web logins."""


@accounts.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--site", "sites", multiple=True)
@click.option("--user", "user_id", help="The employee an employee login belongs to.")
@pass_ctx
def accounts_create(ctx, username, role, sites, user_id) -> None:
    """Create a login; its generated password is printed alone on the last line."""
    with ctx.unit_of_work() as session:
        account, password = credentials.create_account(
            session, username=username, role=role, now=utcnow(), sites=list(sites), user_id=user_id
        )
        click.echo(f"account '{account.username}' role={role}")
    click.echo(password)
