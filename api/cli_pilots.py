"""`uptake pilots …`: the pilot comparison on the command line.

The readiness gate's commands (`readiness`, `rules`) live in api/cli_waves.py and are attached here.
"""

from __future__ import annotations

import click

from api.cli_did import did
from api.cli_waves import readiness, rules


@click.group("pilots")
def pilots() -> None:
    """Pilot vs non-pilot comparison and the readiness gate."""


pilots.add_command(readiness)
pilots.add_command(rules)
pilots.add_command(did)
