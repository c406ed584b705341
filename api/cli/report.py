"""`uptake report adoption`: the adoption rows of the API as a table, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json

import click

from adoption.masterdata.records import get_site
from adoption.scoring.rules import load_rules
from adoption.usage import reports
from adoption.usage.metrics import FIELDS
from api.cli.context import date_option, pass_ctx
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
