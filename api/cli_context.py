"""What every `uptake` command shares: settings, and a database opened on first use."""

from __future__ import annotations

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
