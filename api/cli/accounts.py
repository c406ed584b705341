"""`uptake accounts create|disable|enable|reset-password`: web logins. A generated password is
printed once, alone on the last line; disabling or resetting ends every session of the account."""

from __future__ import annotations

import sys

import click

from adoption.identity import accounts as lifecycle
from adoption.identity import credentials
from adoption.identity.models import ROLES
from api import clock
from api.cli.context import pass_ctx


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
            session,
            username=username,
            role=role,
            now=clock.utcnow(),
            sites=list(sites),
            user_id=user_id,
        )
        click.echo(f"account '{account.username}' role={role}")
    click.echo(password)


@accounts.command("disable")
@click.argument("username")
@pass_ctx
def accounts_disable(ctx, username) -> None:
    """Stop USERNAME from signing in and end every session of it now."""
    with ctx.unit_of_work() as session:
        account = lifecycle.disable(session, username, actor=ctx.actor, now=clock.utcnow())
        click.echo(f"account '{account.username}' disabled; its sessions have ended")


@accounts.command("enable")
@click.argument("username")
@pass_ctx
def accounts_enable(ctx, username) -> None:
    """Let USERNAME sign in again (its old sessions stay ended)."""
    with ctx.unit_of_work() as session:
        account = lifecycle.enable(session, username, actor=ctx.actor, now=clock.utcnow())
        click.echo(f"account '{account.username}' enabled")


@accounts.command("reset-password")
@click.argument("username")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the new password from standard input instead of generating one.",
)
@pass_ctx
def accounts_reset_password(ctx, username, password_stdin) -> None:
    """Give USERNAME a new password and end its sessions; a generated password is printed
    alone on the last line."""
    given = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    with ctx.unit_of_work() as session:
        account, password = lifecycle.reset_password(
            session, username, actor=ctx.actor, now=clock.utcnow(), password=given
        )
        click.echo(f"account '{account.username}': password reset; its sessions have ended")
    if given is None:
        click.echo(password)
