"""Generations: a counter per kind of stored data, raised in the transaction that rewrites it.

A cache keyed on `generation_of(...)` can never serve what a committed write has replaced,
whichever worker or machine wrote it: the counter lives in the database and is raised in the
same transaction as the write. Read models raise theirs with `bump`; master data (people, sites,
features) raises `MASTER_DATA` on every ORM flush that adds, changes or deletes one of them
(a listener on every session `adoption.db.make_sessionmaker` makes), so no ORM write can forget
it and no clock is trusted. Ingest's bulk registration of unrostered users and unknown actions
(Core inserts) does not raise it: nothing cached shows them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from adoption.db import dialect_insert
from adoption.models import ReadModelGeneration

SNAPSHOTS = "score_snapshots"
# Raised by ingest with every stored event whose local day had already ended at its site (a late
# event): what reads only ended days (the pilot read models, `pilots.cache`) changes with it, or
# with the day's end, and never with an event of a day still going on.
USAGE_HISTORY = "usage_history"
POINTS = "points"  # every ledger booking, and a rebuild of the totals
MASTER_DATA = "master_data"
MASTER_TABLES = frozenset({"employee", "site", "feature"})


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


def watch_master_data(factory: sessionmaker[Session]) -> None:
    """Make every session of `factory` raise MASTER_DATA when it flushes master data."""
    event.listen(factory, "before_flush", _master_data_flushed)


def _master_data_flushed(session: Session, _context, _instances) -> None:
    """Raise MASTER_DATA with any flush that adds, changes or deletes a person, site or feature."""
    touched = (
        obj
        for obj in (*session.new, *session.deleted, *session.dirty)
        if getattr(obj, "__tablename__", None) in MASTER_TABLES
    )
    if any(obj not in session.dirty or session.is_modified(obj) for obj in touched):
        bump(session, MASTER_DATA, datetime.now(UTC))
