"""`uptake report …` and `uptake jobs run …`: reports for the terminal and jobs on demand."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date

import click

from adoption import reports
from adoption.masterdata import get_site
from adoption.metrics import FIELDS
from adoption.scoring_rules import load_rules
from api import jobs_registry
from api.cli_context import date_option, pass_ctx
from api.clock import utcnow

REPORT_COLUMNS = ("site_id", "is_pilot", "go_live_on", "from", "to", *FIELDS)


@click.group()
def report() -> None:
    """Reports for people who live in the terminal."""


@report.command("adoption")
@click.option(
    "--from", "first", callback=date_option, help="First local day (default: 7 days ago)."
)
@click.option("--to", "last", callback=date_option, help="Last local day (default: yesterday).")
@click.option("--site", "site_code", help="One site only.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@pass_ctx
def report_adoption(ctx, first, last, site_code, fmt) -> None:
    """Adoption per site: population, active, adoption rate, stickiness, breadth, errors."""
    with ctx.unit_of_work() as session:
        site_ids = {get_site(session, site_code).id} if site_code else None
        rows = reports.adoption_by_site(
            session,
            now=utcnow(),
            rules=load_rules(session),
            first=first,
            last=last,
            site_ids=site_ids,
        )
    click.echo(render(rows, fmt), nl=False)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def render(rows: list[dict], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rows, default=str, indent=2) + "\n"
    table = [[_cell(r.get(c)) for c in REPORT_COLUMNS] for r in rows]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(REPORT_COLUMNS)
        writer.writerows(table)
        return out.getvalue()
    widths = [
        max(len(c), *(len(r[i]) for r in table)) if table else len(c)
        for i, c in enumerate(REPORT_COLUMNS)
    ]
    lines = ["  ".join(c.ljust(w) for c, w in zip(REPORT_COLUMNS, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in table]
    return "\n".join(lines) + "\n"


@click.group("jobs")
def jobs_group() -> None:
    """Scheduled jobs, run now."""


JOB_NAMES = jobs_registry.JOB_NAMES


def _month(_ctx, _param, value):
    if value is None:
        return None
    try:
        if len(value) != 7:
            raise ValueError(value)
        date.fromisoformat(f"{value}-01")
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a YYYY-MM month.") from exc
    return value


@jobs_group.command("run")
@click.argument("name", type=click.Choice(JOB_NAMES))
@click.option(
    "--from", "first", callback=date_option, help="rollups, points: first day to rebuild."
)
@click.option("--to", "last", callback=date_option, help="rollups, points: last day to rebuild.")
@click.option("--month", callback=_month, help="close-month: the month to close (YYYY-MM).")
@pass_ctx
def jobs_run(ctx, name, first, last, month) -> None:
    """Run one job now, under the scheduler's lock, recorded (start, end, outcome) like it.

    Exits 1 without running when another process holds the job's lock.
    """
    from adoption.db import make_sessionmaker

    options = {"first": first, "last": last, "month": month}
    factory = make_sessionmaker(ctx.engine)
    result = jobs_registry.run_job(factory, name, options=options, settings=ctx.settings)
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
