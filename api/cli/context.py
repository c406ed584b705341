"""What every `uptake` command shares: settings, and a database opened on first use.

One transaction idiom: a command runs each domain call in `ctx.unit_of_work()` (committed once
when the block ends, rolled back on error); a job run gets `ctx.sessions`, the one session
factory of the command, and keeps its own bookkeeping (`adoption.jobs.runs`). No command builds
its own sessionmaker or commits.
"""

from __future__ import annotations

import csv
import getpass
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import click
from sqlalchemy.orm import Session, sessionmaker

from adoption.calendar import Month
from adoption.config import Settings
from adoption.db import make_engine, make_sessionmaker, reader_session, unit_of_work
from adoption.errors import Invalid


class Context:
    """Settings and a database opened on first use, so `--help` needs no database."""

    def __init__(self) -> None:
        self.settings = Settings.from_env()
        self._engine = None
        self._sessions = None
        self.app = None  # the composed app, when a command calls the API (`api.cli.operator`)

    @property
    def engine(self):
        if self._engine is None:
            self._engine = make_engine(self.settings.database_url)
        return self._engine

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The command's session factory (for job runs, which keep their own transactions)."""
        if self._sessions is None:
            self._sessions = make_sessionmaker(self.engine)
        return self._sessions

    @property
    def actor(self) -> str:
        """Who the audit log names for what a command changes: `cli:` and the operator's OS user
        name (the CLI acts on the configured database as an operator, not as an API role)."""
        return f"cli:{operator_name()}"

    def unit_of_work(self):
        """`with ctx.unit_of_work() as session:` one transaction, committed once at the end."""
        return unit_of_work(self.sessions)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """`with ctx.reading() as session:` for a command that only reads (a report): on SQLite
        it takes no write lock, so ingest never waits for it however long it runs."""
        with reader_session(self.sessions) as session:
            yield session


def operator_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no LOGNAME/USER and no passwd entry (some containers)
        return "unknown"


pass_ctx = click.make_pass_decorator(Context, ensure=True)


def date_option(_ctx, _param, value: str | None) -> date | None:
    """A click callback: an optional YYYY-MM-DD option as a date, or a usage error."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a YYYY-MM-DD date.") from exc


def month_option(_ctx, _param, value: str | None) -> Month | None:
    """A click callback: an optional YYYY-MM option as a Month, or a usage error."""
    if value is None:
        return None
    try:
        return Month.parse(value)
    except Invalid as exc:
        raise click.BadParameter(f"{value!r} is not a YYYY-MM month.") from exc


FORMATS = ("table", "csv", "json")


def format_option(default: str = "json"):
    """`--format table|csv|json`: JSON is the API's JSON (stable, for scripts), a table is for
    people, CSV (header row first) for spreadsheets."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default=default,
        show_default=True,
    )


FORMAT = format_option()


def to_json(data) -> str:
    """The API's JSON, indented for people."""
    return json.dumps(data, indent=2, ensure_ascii=False)


def dump_json(schema, obj) -> str:
    """The API's JSON of `obj`: the same marshmallow schema dumps it."""
    return to_json(schema.dump(obj)) + "\n"


def cell(value) -> str:
    """A table cell: blank for None, 4 decimals for floats."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def table(columns: tuple[str, ...], rows: list[list]) -> str:
    """Rows under their column names, each column as wide as its widest cell."""
    cells = [[cell(v) for v in r] for r in rows]
    widths = [
        max(len(c), *(len(r[i]) for r in cells)) if cells else len(c) for i, c in enumerate(columns)
    ]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def rows_of(data, key=None) -> list[dict]:
    """The rows a table or CSV shows: the list itself, the response's main list (`key`, e.g.
    `entries`, or a function of the response for one with several), or the one object as one
    row."""
    if callable(key):
        return list(key(data))
    if key is not None and isinstance(data, dict):
        data = data.get(key) or []
    if isinstance(data, dict):
        return [data]
    return list(data)


# Objects whose keys vary from row to row (a quarantined item's reasons, a job run's details,
# an event's properties): one column holding their compact JSON, so that every page of a list
# has the same header and pages of CSV can be concatenated.
FREE_FORM = frozenset({"reasons", "details", "properties", "payload", "changed"})


def flat(row, prefix: str = "") -> dict:
    """One row's scalar columns: nested objects as `a.b` (a free-form one, `FREE_FORM`, as its
    compact JSON), lists joined with "; " (an object in a list as its compact JSON)."""
    if not isinstance(row, dict):
        return {prefix or "value": row}
    out: dict = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and key in FREE_FORM:
            out[name] = json.dumps(value, ensure_ascii=False, sort_keys=True) if value else None
        elif isinstance(value, dict):
            out.update(flat(value, f"{name}.") if value else {name: None})
        elif isinstance(value, list | tuple):
            out[name] = "; ".join(
                json.dumps(v, ensure_ascii=False, sort_keys=True)
                if isinstance(v, dict | list)
                else cell(v)
                for v in value
            )
        else:
            out[name] = value
    return out


# The API's JSON has its keys sorted; these say which row it is, so they come first.
LEAD_COLUMNS = ("list", "group", "rank", "id", "version", "user_id", "site_id", "action", "day")


def columns_of(rows: list[dict]) -> tuple[str, ...]:
    """Every column of the rows: those of `LEAD_COLUMNS` first, the rest as they appear."""
    seen = tuple(dict.fromkeys(c for r in rows for c in r))
    lead = tuple(c for c in LEAD_COLUMNS if c in seen)
    return lead + tuple(c for c in seen if c not in lead)


def csv_text(rows: list[dict], columns: tuple[str, ...] | None = None) -> str:
    """CSV through the csv module: the header row, then one line a row (None as empty)."""
    columns = columns or columns_of(rows)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows(["" if r.get(c) is None else r.get(c) for c in columns] for r in rows)
    return out.getvalue()


def render(data, fmt: str, *, rows=None, people=None) -> str:
    """`data` (the API's JSON) as `fmt`: JSON as it is; CSV and a table of its rows (`rows_of`,
    flattened by `flat`); `people`, when given, is the command's own table for people."""
    if fmt == "json":
        return to_json(data) + "\n"
    if fmt == "table" and people is not None:
        text = people(data)
        return text if text.endswith("\n") else text + "\n"
    return rows_text(rows_of(data, rows), fmt)


def rows_text(rows: list, fmt: str) -> str:
    """Rows as CSV or a table, flattened (`flat`). No rows have no columns: CSV prints nothing
    at all, a table says `(none)`."""
    flattened = [flat(r) for r in rows]
    columns = columns_of(flattened)
    if not columns:
        return "" if fmt == "csv" else "(none)\n"
    if fmt == "csv":
        return csv_text(flattened, columns)
    return table(columns, [[r.get(c) for c in columns] for r in flattened])
