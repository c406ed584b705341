"""What every `uptake` command shares: settings, and a database opened on first use."""

from __future__ import annotations

import json
from datetime import date

import click

from adoption.config import Settings
from adoption.db import make_engine, make_sessionmaker, unit_of_work


class Context:
    """Settings and a database opened on first use, so `--help` needs no database."""

    def __init__(self) -> None:
        self.settings = Settings.from_env()
        self._engine = None

    @property
    def engine(self):
        if self._engine is None:
            self._engine = make_engine(self.settings.database_url)
        return self._engine

    def unit_of_work(self):
        return unit_of_work(make_sessionmaker(self.engine))


pass_ctx = click.make_pass_decorator(Context, ensure=True)


def date_option(_ctx, _param, value: str | None) -> date | None:
    """A click callback: an optional YYYY-MM-DD option as a date, or a usage error."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a YYYY-MM-DD date.") from exc


FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "table"]),
    default="json",
    show_default=True,
)


def to_json(data) -> str:
    """The API's JSON, indented for people."""
    return json.dumps(data, indent=2, ensure_ascii=False)
