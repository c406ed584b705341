"""Read-model generations: a counter raised by each rewrite of a stored read model.

A cache keyed on `current()` can never serve what a committed rewrite has replaced, whichever
worker or machine did the rewrite: the counter lives in the database and is raised in the same
transaction as the rewrite (`bump`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adoption.db import dialect_insert
from adoption.models import ReadModelGeneration

SNAPSHOTS = "score_snapshots"
POINTS_TOTALS = "points_totals"


def bump(session: Session, name: str, now: datetime) -> None:
    """Raise `name`'s generation by one (from 1 when it has none yet)."""
    table = ReadModelGeneration.__table__
    insert = dialect_insert(session, table).values(name=name, generation=1, changed_at=now)
    session.execute(
        insert.on_conflict_do_update(
            index_elements=["name"],
            set_={"generation": table.c.generation + 1, "changed_at": insert.excluded.changed_at},
        )
    )


def generation_of(name: str):
    """A scalar subquery: `name`'s generation (0 before its first bump)."""
    return (
        select(func.coalesce(func.max(ReadModelGeneration.generation), 0))
        .where(ReadModelGeneration.name == name)
        .scalar_subquery()
    )
