"""`uptake report …` for people who live in the terminal; JSON output is the API's JSON.

- `adoption`: the adoption rows of the API as a table, CSV or JSON.
- `coaching --site S [--silent-days N]`: who needs help (GET /sites/{site_id}/coaching).
- `progress --user U`: one person's progress (GET /employees/{user_id}/progress).
- `team --site S [--period] [--metric]`: the team board (GET /sites/{site_id}/team), with
  opted-out people by name.
- `series SITE`, `insights`: GET /adoption/sites/{site_id}/series and GET /adoption/insights,
  through the API's handlers (`api.cli.operator`).
- `optimisation --from --to --format --output [--locale]`: the optimisation report as a file
  (GET /reports/optimisation), rendered in the composed app's context in the chosen language.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click

from adoption.locales import DEFAULT_LOCALE, LOCALES
from adoption.masterdata.cards import cards_for
from adoption.masterdata.records import get_employee, get_site
from adoption.privacy import OPERATOR
from adoption.scoring.rules import load_rules
from adoption.usage import by_site
from adoption.usage.coaching import SILENT_DAYS, SILENT_DAYS_RANGE, site_coaching
from adoption.usage.metrics import FIELDS
from api.cli.context import (
    cell,
    date_option,
    dump_json,
    format_option,
    pass_ctx,
    rows_of,
    rows_text,
    table,
)
from api.cli.operator import app, echo, page_options, segment
from api.clock import utcnow
from api.i18n import translated
from api.reports import optimisation as optimisation_document
from api.schemas.adoption import CoachingSchema, ProgressSchema
from api.schemas.boards import TeamBoardSchema
from pilots.optimisation import optimisation_report
from rewards.leaderboards import METRICS
from rewards.progress import my_progress
from rewards.team import PERIOD_KEYS, team_board

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
    with ctx.reading() as session:
        site_ids = {get_site(session, site_code).id} if site_code else None
        rows = by_site.adoption_by_site(
            session,
            now=utcnow(),
            rules=load_rules(session),
            first=first,
            last=last,
            site_ids=site_ids,
        )
    click.echo(render(rows, fmt), nl=False)


def render(rows: list[dict], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rows, default=str, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(REPORT_COLUMNS)
        writer.writerows([cell(r.get(c)) for c in REPORT_COLUMNS] for r in rows)
        return out.getvalue()
    return table(REPORT_COLUMNS, [[r.get(c) for c in REPORT_COLUMNS] for r in rows])


@report.command("coaching")
@click.option("--site", "site_code", required=True, help="The site's code.")
@click.option(
    "--silent-days",
    type=click.IntRange(SILENT_DAYS_RANGE.low, SILENT_DAYS_RANGE.high),
    default=SILENT_DAYS,
    show_default=True,
    help="Silent: no success in this many days.",
)
@format_option("table")
@pass_ctx
def report_coaching(ctx, site_code, silent_days, fmt) -> None:
    """Who needs help at a site as of its yesterday: dormant, struggling, silent, never started."""
    with ctx.reading() as session:
        result = site_coaching(session, get_site(session, site_code), utcnow(), silent_days)
    if fmt == "csv":
        data = CoachingSchema().dump(result)
        rows = [{"list": name, **r} for name in COACHING_LISTS for r in data[name]]
        click.echo(rows_text(rows, "csv"), nl=False)
        return
    click.echo(
        dump_json(CoachingSchema(), result) if fmt == "json" else coaching_table(result), nl=False
    )


COACHING_LISTS = ("never_started", "struggling", "dormant", "silent")


def _worst(row) -> str:
    return row.feature.title if row.feature else ""


def _todo(row) -> str:
    """The suggested action, with its quick-reference card's link in brackets."""
    s = row.suggestion
    return f"{s.text} ({s.url})" if s.url else s.text


def coaching_table(c) -> str:
    worst, todo = _worst, _todo
    dormant = [
        [d.user_id, d.display_name, d.last_active_day, d.days_silent, worst(d), todo(d)]
        for d in c.dormant
    ]
    struggling = [
        [s.user_id, s.display_name, s.accuracy, s.core_attempts, worst(s), todo(s)]
        for s in c.struggling
    ]
    silent = [
        [s.user_id, s.display_name, s.last_active_day, s.days_silent, worst(s), todo(s)]
        for s in c.silent
    ]
    never = [
        [n.user_id, n.display_name, n.hired_on, n.since, n.days_since, worst(n), todo(n)]
        for n in c.never_started
    ]
    quiet = ("user_id", "name", "last_active_day", "days_silent", "worst_feature", "suggestion")
    return (
        f"{c.site_id} as of {c.as_of} (window {c.window_from}..{c.as_of})\n\nDormant\n"
        + table(quiet, dormant)
        + f"\nStruggling (accuracy < {c.struggling_accuracy}, "
        f">= {c.struggling_min_attempts} core attempts)\n"
        + table(
            ("user_id", "name", "accuracy", "core_attempts", "worst_feature", "suggestion"),
            struggling,
        )
        + f"\nSilent (no success in {c.silent_days} days)\n"
        + table(quiet, silent)
        + "\nNever started (no success since go-live or hire)\n"
        + table(
            ("user_id", "name", "hired_on", "since", "days_since", "worst_feature", "suggestion"),
            never,
        )
    )


@report.command("progress")
@click.option("--user", "user_id", required=True, help="The employee's user id.")
@format_option("table")
@pass_ctx
def report_progress(ctx, user_id, fmt) -> None:
    """One person's score and level as of yesterday, next level, points (left) today."""
    with ctx.reading() as session:
        result = my_progress(session, get_employee(session, user_id), utcnow())
    if fmt == "csv":  # one line a feature: what each earns and has left today
        click.echo(rows_text(rows_of(ProgressSchema().dump(result), "features"), "csv"), nl=False)
        return
    click.echo(
        dump_json(ProgressSchema(), result) if fmt == "json" else progress_table(result), nl=False
    )


def progress_table(p) -> str:
    s, nxt = p.proficiency, p.next_level
    score = "no score" if s["score"] is None else f"{s['score']:.2f}"
    head = f"{p.user_id} {p.display_name} ({p.site_id}): {score} {s['level']}"
    head += f" as of {s['as_of']}\n"
    if nxt is None:
        head += "Next level: none (top level)\n"
    else:
        head += f"Next level: {nxt.level} at {nxt.at:g}: {nxt.score_needed:.2f} more points"
        head += f", {nxt.attempts_needed} more core attempts\n" if nxt.attempts_needed else "\n"
    head += f"Points today ({p.today}): {p.points_today}\n\n"
    rows = [[f.action, f.points, f.cap, f.earned, f.left] for f in p.features]
    return head + table(("action", "points", "cap", "earned", "left"), rows)


@report.command("team")
@click.option("--site", "site_code", required=True, help="The site's code.")
@click.option("--period", type=click.Choice(PERIOD_KEYS), help="Default: this week.")
@click.option("--metric", type=click.Choice(METRICS), default="points", show_default=True)
@format_option("table")
@pass_ctx
def report_team(ctx, site_code, period, metric, fmt) -> None:
    """A site's team board with levels and badges; opted-out people by name (as hr sees it)."""
    with ctx.reading() as session:
        board = team_board(
            session,
            get_site(session, site_code),
            period=period,
            metric=metric,
            viewer=OPERATOR,  # the terminal is an hr/admin tool, like `report adoption`
            now=utcnow(),
        )
    if fmt == "csv":
        click.echo(rows_text(rows_of(TeamBoardSchema().dump(board), "rows"), "csv"), nl=False)
        return
    click.echo(
        dump_json(TeamBoardSchema(), board) if fmt == "json" else team_table(board), nl=False
    )


def team_table(b) -> str:
    head = f"{b.site_id} {b.choice.label} ({b.period}) up to {b.last_day}, {b.metric}\n"
    if b.note:
        head += b.note + "\n"
    rows = [[r.rank, r.name, r.user_id, r.value, r.level, ", ".join(r.badges)] for r in b.rows]
    return head + table(("rank", "name", "user_id", b.metric, "level", "badges"), rows)


INSIGHT_LISTS = (
    "error_hotspots",
    "unused_modules",
    "dormant_employees",
    "unmapped_actions",
    "sites_behind",
)


@report.command("series")
@click.argument("site_id")
@click.option("--by", help="day (the API's default) or week_since_go_live.")
@click.option("--from", "first", help="First local day (YYYY-MM-DD).")
@click.option("--to", "last", help="Last local day (YYYY-MM-DD).")
@page_options
@format_option("table")
@pass_ctx
def report_series(ctx, site_id, by, first, last, limit, cursor, fmt) -> None:
    """A site's adoption day by day or week by week since go-live
    (GET /adoption/sites/{site_id}/series)."""
    query = {"by": by, "from": first, "to": last, "limit": limit, "cursor": cursor}
    echo(ctx, fmt, "GET", f"/adoption/sites/{segment(site_id)}/series", query=query)


@report.command("insights")
@click.option("--site-id", "--site", "site_id", help="One site (its code); default: every site.")
@click.option("--from", "first", help="First local day (YYYY-MM-DD).")
@click.option("--to", "last", help="Last local day (YYYY-MM-DD).")
@format_option("table")
@pass_ctx
def report_insights(ctx, site_id, first, last, fmt) -> None:
    """Error hot spots, unused modules, dormant people, unmapped actions and sites behind
    (GET /adoption/insights). A table has one section a list; CSV one line an item, its list
    first."""
    query = {"site_id": site_id, "from": first, "to": last}
    echo(
        ctx, fmt, "GET", "/adoption/insights", query=query, rows=insight_rows, people=insights_table
    )


def insight_rows(data: dict) -> list[dict]:
    return [{"list": name, **item} for name in INSIGHT_LISTS for item in data.get(name) or []]


def insights_table(data: dict) -> str:
    head = f"insights {data['from']} to {data['to']}"
    if data.get("suppressed"):
        head += f" (suppressed: {data['suppressed_reason']})"
    parts = [head + "\n"]
    for name in INSIGHT_LISTS:
        items = data.get(name)
        parts.append(f"\n{name.replace('_', ' ')}\n")
        parts.append(rows_text(items, "table") if items else "  none\n")
    return "".join(parts)


@report.command("optimisation")
@click.option("--from", "first", required=True, callback=date_option, help="First local day.")
@click.option(
    "--to", "last", required=True, callback=date_option, help="Last local day (ended everywhere)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(optimisation_document.FORMATS),
    default="html",
    show_default=True,
)
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The file to write.",
)
@click.option("--locale", type=click.Choice(LOCALES), default=DEFAULT_LOCALE, show_default=True)
@click.option(
    "--replace",
    is_flag=True,
    help="Generate a period already reported again, over the report issued before.",
)
@pass_ctx
def report_optimisation(ctx, first, last, fmt, output, locale, replace) -> None:
    """The optimisation report for a period, as the API serves it (GET /reports/optimisation):
    stored as issued for the next period's comparison (a period already reported is given as
    issued unless --replace), written to --output in the --locale language."""
    with ctx.unit_of_work() as session:
        data = optimisation_report(
            session,
            from_on=first,
            to_on=last,
            now=utcnow(),
            rules=load_rules(session),
            actor=ctx.actor,
            min_group=ctx.settings.min_group,
            replace=replace,
        )
        cards = (
            cards_for(session, data["card_feature_ids"], locale) if fmt in ("html", "pdf") else []
        )
    with app(ctx).app_context():
        body = translated(locale, optimisation_document.render, data, fmt, cards=cards)
    output.write_bytes(body)
    click.echo(f"{output}: {len(body):,} bytes, {data['period']['from']} to {data['period']['to']}")
