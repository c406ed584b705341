"""`uptake targets add|list|show|remove`: targets and their progress, run by the API's own
handlers under /api/v1/targets (`api.cli.operator`): the JSON is the API's JSON, the validation
the API's, and changes are audited as `cli:<OS user>`."""

from __future__ import annotations

import click

from api.cli.context import FORMAT, date_option, format_option, pass_ctx, render, table
from api.cli.operator import call, echo
from pilots.curves import MAX_WEEK
from pilots.measures import CATALOG, COMPARISONS, METRICS, POPULATIONS

LIST_COLUMNS = ("id", "name", "population", "deadline", "status", "value", "threshold")
SITE_COLUMNS = ("site", "deadline week", "week", "value", "projected", "status")


@click.group("targets")
def targets() -> None:
    """Targets: a metric over a population, a threshold and a deadline, with progress."""


@targets.command("add")
@click.option("--name", required=True, help='e.g. "80% proficient by week 8".')
@click.option("--metric", required=True, type=click.Choice(METRICS))
@click.option(
    "--population",
    type=click.Choice(POPULATIONS),
    help="Default: wave with --wave, region with --region, else all.",
)
@click.option("--wave", type=click.IntRange(0), help="The wave, for population wave.")
@click.option("--region", help="The region, for population region.")
@click.option(
    "--comparison",
    type=click.Choice(COMPARISONS),
    help="Default: >= for a metric where higher is better, <= for the error rate.",
)
@click.option(
    "--threshold",
    required=True,
    callback=lambda _c, _p, v: _threshold(v),
    help="In the metric's unit: a fraction 0–1 (or a percentage, 80%), a score 0–100.",
)
@click.option("--by-week", type=click.IntRange(0, MAX_WEEK), help="Week k since each go-live.")
@click.option("--by", "by_day", callback=date_option, help="A date, YYYY-MM-DD.")
@click.option("--notes", help="Why this target, who agreed it.")
@FORMAT
@pass_ctx
def add(ctx, name, metric, population, wave, region, comparison, threshold, by_week, by_day,
        notes, fmt) -> None:  # fmt: skip
    """Add a target (POST /targets); give exactly one of --by-week and --by. Audited."""
    if (by_week is None) == (by_day is None):
        raise click.UsageError("Give exactly one of --by-week and --by.")
    if wave is not None and region:
        raise click.UsageError("Give at most one of --wave and --region.")
    population = population or ("wave" if wave is not None else "region" if region else "all")
    body = {
        "name": name,
        "metric": metric,
        "population": population,
        "population_value": wave if wave is not None else region,
        "comparison": comparison or (">=" if CATALOG[metric].better == "higher" else "<="),
        "threshold": threshold,
        "deadline_week": by_week,
        "deadline_on": by_day and by_day.isoformat(),
        "notes": notes,
    }
    echo(ctx, fmt, "POST", "/targets", json=body, people=lambda t: f"target {t['id']}: {t['text']}")


@targets.command("list")
@format_option("table")
@pass_ctx
def list_command(ctx, fmt) -> None:
    """Every target with its overall status and value now (GET /targets)."""
    data = call(ctx, "GET", "/targets").get_json()
    click.echo(render(data, fmt, people=_list_table), nl=False)


@targets.command("show")
@click.argument("target_id", type=click.IntRange(1, 2**31 - 1))
@format_option("table")
@pass_ctx
def show(ctx, target_id, fmt) -> None:
    """A target with its progress per site and overall, and the method (GET /targets/{id})."""
    data = call(ctx, "GET", f"/targets/{target_id}").get_json()
    click.echo(render(data, fmt, rows=_site_rows, people=_progress_table), nl=False)


@targets.command("remove")
@click.argument("target_id", type=click.IntRange(1, 2**31 - 1))
@pass_ctx
def remove(ctx, target_id) -> None:
    """Remove a target (DELETE /targets/{id}). Audited."""
    call(ctx, "DELETE", f"/targets/{target_id}")
    click.echo(f"target {target_id} removed", err=True)


def _threshold(text: str | None) -> float | None:
    """A number, or a percentage ("80%") as the fraction it is."""
    if text is None:
        return None
    number = text.strip().removesuffix("%")
    try:
        value = float(number)
    except ValueError as exc:
        raise click.BadParameter(f"{text!r} is not a number (e.g. 0.8 or 80%).") from exc
    return value / 100 if text.strip().endswith("%") else value


def _shown(data: dict, value: float | None) -> str:
    return CATALOG[data["metric"]].shown(value)


def _deadline(data: dict) -> str:
    week = data["deadline_week"]
    return f"week {week}" if week is not None else data["deadline_on"]


def _population(data: dict) -> str:
    value = data["population_value"]
    return data["population"] + (f" {value}" if value is not None else "")


def _list_table(data: list) -> str:
    rows = [
        [t["id"], t["name"], _population(t), _deadline(t), t["status"], _shown(t, t["value"]),
         f"{t['comparison']} {_shown(t, t['threshold'])}"]
        for t in data
    ]  # fmt: skip
    return table(LIST_COLUMNS, rows) if rows else "(none)\n"


def _site_rows(data: dict) -> list[dict]:
    return data["progress"]["sites"]


def _progress_table(data: dict) -> str:
    progress = data["progress"]
    head = [
        f"target {data['id']}: {data['name']}",
        data["text"],
        f"overall: {progress['status']} ({_shown(data, progress['value'])})",
        f"method: {progress['method']}",
    ]
    if progress["sites_without_go_live"]:
        head.append("without go-live: " + ", ".join(progress["sites_without_go_live"]))
    rows = [
        [s["site_id"], s["deadline_week"], s["week"], _shown(data, s["value"]),
         _shown(data, s["projected_value"]), s["status"]]
        for s in progress["sites"]
    ]  # fmt: skip
    return "\n".join(head) + "\n\n" + table(SITE_COLUMNS, rows)
