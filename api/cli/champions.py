"""`uptake champions show|close|reopen|export MONTH`: HR's monthly champions (pay data).

Each runs the API's handler (`api.cli.operator`): the JSON is the API's JSON, a close, reopen
or export is audited under `cli:<OS user>`, and a month not over yet is refused (exit 1) as the
API refuses it (409). `uptake jobs run close-month` still closes a month as the scheduler does.
"""

from __future__ import annotations

import click

from api.cli.context import format_option, pass_ctx
from api.cli.operator import call, echo, segment

MAX_VERSION = 2**31 - 1
VERSION = click.option(
    "--version",
    type=click.IntRange(1, MAX_VERSION),
    default=None,
    help="A stored version of the month; default: the newest.",
)


@click.group("champions")
def champions() -> None:
    """Monthly champions (pay data)."""


@champions.command("show")
@click.argument("month")
@VERSION
@format_option("json")
@pass_ctx
def show(ctx, month, version, fmt) -> None:
    """One month (YYYY-MM): each site's champion, and whether it may close now
    (GET /champions/{month}); a table or CSV of the champions."""
    query = {"version": version}
    echo(
        ctx,
        fmt,
        "GET",
        f"/champions/{segment(month)}",
        query=query,
        rows="champions",
        people=_table,
    )


@champions.command("close")
@click.argument("month")
@format_option("json")
@pass_ctx
def close(ctx, month, fmt) -> None:
    """Freeze the month (POST /champions/{month}/close): a closed month is printed unchanged;
    before its last local day has ended at every site, refused (exit 1)."""
    echo(ctx, fmt, "POST", f"/champions/{segment(month)}/close", rows="champions")


@champions.command("reopen")
@click.argument("month")
@click.option("--note", help="Why the month is reopened (kept in the audit log).")
@format_option("json")
@pass_ctx
def reopen(ctx, month, note, fmt) -> None:
    """A new draft version of a closed month (POST /champions/{month}/reopen); audited."""
    body = {"note": note} if note is not None else {}
    echo(ctx, fmt, "POST", f"/champions/{segment(month)}/reopen", json=body, rows="champions")


@champions.command("export")
@click.argument("month")
@VERSION
@click.option("--format", "file_format", help="csv (the API's default) or xlsx.")
@click.option(
    "--out",
    type=click.File("wb"),
    default="-",
    show_default=True,
    help="Where to write the file (- for stdout).",
)
@pass_ctx
def export(ctx, month, version, file_format, out) -> None:
    """The month as payroll's file (GET /champions/{month}/export), byte for byte the API's
    (CSV in UTF-8 with a BOM, or XLSX; a draft says DRAFT); audited. The file name the API
    gives goes to stderr."""
    query = {"version": version, "format": file_format}
    response = call(ctx, "GET", f"/champions/{segment(month)}/export", query=query)
    out.write(response.get_data())
    out.flush()
    disposition = response.headers.get("Content-Disposition", "")
    if "filename=" in disposition:
        click.echo(f"file: {disposition.partition('filename=')[2].strip(chr(34))}", err=True)


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
