"""`uptake employees forget USER_ID`: the right to erasure (docs/privacy.md)."""

from __future__ import annotations

import click

from api.cli.context import dump_json, pass_ctx
from api.clock import utcnow
from api.schemas.privacy import ForgetSchema
from rewards.erasure import forget_employee


@click.group()
def employees() -> None:
    """People: forgetting one."""


@employees.command("forget")
@click.argument("user_id")
@click.confirmation_option(
    prompt="Forget this person? Their name, user id and raw events go for good."
)
@pass_ctx
def employees_forget(ctx, user_id: str) -> None:
    """Replace the person's name and user id by a pseudonym, delete their raw events, disable
    their logins; every total, score and closed month stays (audited). Prints the result as the
    API's JSON; again with the pseudonymous id, nothing changes."""
    with ctx.unit_of_work() as session:
        result = forget_employee(session, user_id, now=utcnow(), actor="cli")
        click.echo(dump_json(ForgetSchema(), result), nl=False)
