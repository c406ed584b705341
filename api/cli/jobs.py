"""`uptake jobs run NAME`: one scheduled job now, locked and recorded like a scheduled run;
`uptake jobs runs`: what ran, when and how it ended (GET /jobs/runs, `api.cli.operator`)."""

from __future__ import annotations

import json
import sys

import click

from api import jobs
from api.cli.context import date_option, format_option, month_option, pass_ctx
from api.cli.operator import echo, page_options


@click.group("jobs")
def jobs_group() -> None:
    """Scheduled jobs: run one now, list the runs."""


JOB_NAMES = jobs.JOB_NAMES


@jobs_group.command("run")
@click.argument("name", type=click.Choice(JOB_NAMES))
@click.option(
    "--from", "first", callback=date_option, help="rollups, points: first day to rebuild."
)
@click.option("--to", "last", callback=date_option, help="rollups, points: last day to rebuild.")
@click.option("--month", callback=month_option, help="close-month: the month to close (YYYY-MM).")
@pass_ctx
def jobs_run(ctx, name, first, last, month) -> None:
    """Run one job now, under the scheduler's lock, recorded (start, end, outcome) like it.

    Exits 1 without running when another process holds the job's lock.
    """
    options = {"first": first, "last": last, "month": None if month is None else str(month)}
    result = jobs.run_job(ctx.sessions, name, options=options, settings=ctx.settings)
    if result.run is None:
        click.echo(f"{name}: skipped ({result.skipped})", err=True)
        sys.exit(1)
    run = result.run
    click.echo(
        f"{name}: {run.outcome} in {(run.finished_at - run.started_at).total_seconds():.1f}s"
        f" {json.dumps(run.details, default=str)}"
    )
    if run.outcome != "ok":
        sys.exit(1)


@jobs_group.command("runs")
@click.option("--job", help="One job only, e.g. snapshots.")
@page_options
@format_option("table")
@pass_ctx
def jobs_runs(ctx, job, limit, cursor, fmt) -> None:
    """Recent runs, newest first, with outcome and details (GET /jobs/runs)."""
    echo(ctx, fmt, "GET", "/jobs/runs", query={"job": job, "limit": limit, "cursor": cursor})
