"""`uptake scheduler`: the scheduled jobs as their own process."""

from __future__ import annotations

import logging

import click

from api.cli.context import Context, pass_ctx
from api.jobs import build_scheduler, run_until_signalled


@click.command("scheduler")
@pass_ctx
def scheduler(ctx: Context) -> None:
    """Run the scheduled jobs until SIGTERM or SIGINT, logging each run.

    Safe next to app processes with UPTAKE_SCHEDULER=on: a database lock runs each job once.
    """
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    run_until_signalled(build_scheduler(ctx.settings, ctx.sessions, blocking=True))
