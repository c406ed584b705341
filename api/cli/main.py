"""The `uptake` command line: the group, its error handling, and one module per command group.

Each command wraps one domain call in one unit of work (`api.cli.context.Context.unit_of_work`),
or runs the API's own handler as the operator (`api.cli.operator`).
"""

from __future__ import annotations

import sys

import click

from adoption.errors import DomainError
from api.cli.access_log import access_log_group
from api.cli.accounts import accounts
from api.cli.cards import cards
from api.cli.champions import champions
from api.cli.db import db
from api.cli.demo import demo
from api.cli.display import display_group
from api.cli.employees import employees
from api.cli.imports import import_group
from api.cli.jobs import jobs_group
from api.cli.kudos import kudos
from api.cli.leaderboard import leaderboard, scoring
from api.cli.masterdata import features, sites
from api.cli.notifications import notifications
from api.cli.operator import exit_code
from api.cli.pilots import pilots
from api.cli.points import points
from api.cli.quarantine import quarantine
from api.cli.report import report
from api.cli.scheduler import scheduler
from api.cli.serve import serve
from api.cli.targets import targets
from api.cli.tokens import tokens
from api.cli.waves import waves
from api.errors import status_and_code


class UptakeGroup(click.Group):
    """Domain errors become one readable line, never a traceback, and the exit status of their
    HTTP status (`api.cli.operator.exit_code`, the same as for the commands that call the API):
    2 for input that does not validate, 1 for not found, refused or conflicting."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DomainError as exc:
            detail = "; ".join(f"{k}: {_sentence(v)}" for k, v in exc.details.items())
            click.echo(f"error: {exc.message}" + (f" ({detail})" if detail else ""), err=True)
            sys.exit(exit_code(status_and_code(exc)[0]))


def _sentence(value) -> str:
    """A detail as people read it: a list of messages joined, not its Python repr."""
    return " ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)


@click.group(cls=UptakeGroup)
def main() -> None:
    """Uptake: is the new system really used, and who learned it?"""


main.add_command(access_log_group)
main.add_command(accounts)
main.add_command(cards)
main.add_command(champions)
main.add_command(db)
main.add_command(demo)
main.add_command(display_group)
main.add_command(employees)
main.add_command(features)
main.add_command(import_group)
main.add_command(jobs_group)
main.add_command(pilots)
main.add_command(points)
main.add_command(kudos)
main.add_command(notifications)
main.add_command(leaderboard)
main.add_command(quarantine)
main.add_command(report)
main.add_command(scheduler)
main.add_command(scoring)
main.add_command(serve)
main.add_command(sites)
main.add_command(targets)
main.add_command(tokens)
main.add_command(waves)
