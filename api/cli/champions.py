"""`uptake champions …`: HR's monthly champions on the command line (the API's JSON)."""

from __future__ import annotations

import click

from adoption.calendar import Month
from api.cli.context import FORMAT, pass_ctx, to_json
from api.clock import utcnow
from api.schemas.champions import ChampionMonthReviewSchema
from rewards.champions import review

MAX_VERSION = 2**31 - 1


@click.group("champions")
def champions() -> None:
    """Monthly champions (pay data)."""


@champions.command("show")
@click.argument("month")
@click.option(
    "--version",
    type=click.IntRange(1, MAX_VERSION),
    default=None,
    help="A stored version of the month; default: the newest.",
)
@FORMAT
@pass_ctx
def show(ctx, month, version, fmt) -> None:
    """One month (YYYY-MM): each site's champion, and whether it may close now.

    JSON is GET /api/v1/champions/{month}."""
    with ctx.unit_of_work() as session:
        result = review.month_review(
            session,
            Month.parse(month),
            version,
            now=utcnow(),
            ineligible_roles=ctx.settings.ineligible_roles,
        )
        data = ChampionMonthReviewSchema().dump(result)
    click.echo(to_json(data) if fmt == "json" else _table(data))


def _table(data: dict) -> str:
    lines = [f"{data['month']} version {data['version']}: {data['status']}"]
    if data["status"] == "closed":
        lines[0] += f" (closed by {data['closed_by']} at {data['closed_at']})"
    if data["can_close"]:
        lines.append("can close: yes")
    elif data["running_sites"]:
        lines.append(f"can close: no, still running at {', '.join(data['running_sites'])}")
    else:
        lines.append("can close: no")
    for c in data["champions"]:
        who = f"{c['user_id']} {c['display_name']}" if c["user_id"] else "nobody"
        lines.append(f"  {c['site_id']:<10} {who:<40} {c['rank_reason']}")
    for f in data["first_proficient"]:
        lines.append(
            f"  first proficient at {f['site_id']}: {f['user_id']} {f['display_name']} "
            f"since {f['proficient_since']}"
        )
    return "\n".join(lines)
