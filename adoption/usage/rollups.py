"""The daily_usage rollup: maintained incrementally at ingest, in the same transaction."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date

from sqlalchemy.orm import Session

from adoption.ingest import pgcopy
from adoption.ingest.bulk import Writer, memo, writer
from adoption.models import DailyUsage

ROLLUP_KEY = ("employee_id", "site_id", "feature_id", "local_day")
COUNTS = ("successes", "errors", "dur_n", "dur_log_sum")
#: One stored event as rollups read it: (employee_id, site_id, feature_id, local_day, outcome,
#: duration_ms), feature_id before aliasing.
UsageRow = tuple[int, int, int, date, str, int | None]


def rollup_deltas(rows: Iterable[UsageRow], canonical: dict[int, int]) -> dict[tuple, list]:
    """Sum stored events into rollup deltas: (employee, site, feature after alias, day) →
    [successes, errors, dur_n, dur_log_sum], summed in the order the events come."""
    acc: dict[tuple, list] = {}
    log = math.log
    for employee_id, site_id, feature_id, local_day, outcome, duration in rows:
        key = (employee_id, site_id, canonical[feature_id], local_day)
        cell = acc.get(key)
        if cell is None:
            cell = acc[key] = [0, 0, 0, 0.0]
        if outcome == "success":
            cell[0] += 1
            if duration is not None:
                cell[2] += 1
                cell[3] += log(duration if duration > 1 else 1)  # ln(max(duration_ms, 1))
        else:
            cell[1] += 1
    return acc


def add_to_rollups(
    session: Session, rows: Iterable[UsageRow], canonical: dict[int, int], *, arrays: bool = False
) -> None:
    """Add the events just stored to daily_usage: their deltas summed per rollup row first, then
    upserted in key order, so concurrent batches lock shared rows in the same order and cannot
    deadlock on PostgreSQL. One upsert statement runs for each row (DBAPI executemany); with
    `arrays` on PostgreSQL, one statement takes them all as one array per column."""
    deltas = rollup_deltas(rows, canonical)
    if not deltas:
        return
    dialect = session.get_bind().dialect
    upsert = _upsert(dialect)
    if arrays and dialect.name == "postgresql":
        params = [(*key, *counts) for key, counts in sorted(deltas.items())]
        table = DailyUsage.__table__
        typed = [(name, table.c[name].type.compile(dialect=dialect)) for name in upsert.names]
        pgcopy.upsert_arrays(session, table, typed, upsert.tail, params)
        return
    day = memo(upsert.convert("local_day"))
    params = [
        (employee_id, site_id, feature_id, day(local_day), *counts)
        for (employee_id, site_id, feature_id, local_day), counts in sorted(deltas.items())
    ]
    upsert.insert_each(session, params)


def _upsert(dialect) -> Writer:
    """A new rollup row is inserted; an existing one gets each count added to its own."""
    quote = dialect.identifier_preparer.quote
    table = quote(DailyUsage.__tablename__)
    added = ", ".join(f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in COUNTS)
    tail = f" ON CONFLICT ({', '.join(map(quote, ROLLUP_KEY))}) DO UPDATE SET {added}"
    return writer(dialect, DailyUsage.__table__, (*ROLLUP_KEY, *COUNTS), tail)


def rebuild_rollups(
    session: Session,
    *,
    site_ids: set[int] | None = None,
    feature_ids: set[int] | None = None,
    day_from=None,
    day_to=None,
    chunk: int = 20_000,
) -> int:
    """Recompute daily_usage from raw events for the rows the filters select; returns events read.

    `feature_ids` names features after aliasing: their rollup rows and every event counting as
    one of them are rebuilt. The result equals what incremental maintenance produces. Days
    before the event horizon (retention dropped their events) and erased people (their events
    were deleted) are never touched: their rollups are all that is left of them.
    """
    from sqlalchemy import delete, select

    from adoption.ingest.registry import canonical_map
    from adoption.models import Employee, Event
    from adoption.retention import horizon

    kept_from = horizon(session, "event")
    if kept_from is not None and (day_from is None or day_from < kept_from):
        day_from = kept_from

    canonical = canonical_map(session)
    table = DailyUsage.__table__
    wipe = delete(table)
    read = select(
        Event.employee_id,
        Event.site_id,
        Event.feature_id,
        Event.local_day,
        Event.outcome,
        Event.duration_ms,
    ).order_by(Event.id)
    erased = select(Employee.id).where(Employee.erased_at.is_not(None))
    wipe = wipe.where(table.c.employee_id.not_in(erased))
    read = read.where(Event.employee_id.not_in(erased))
    if site_ids is not None:
        wipe = wipe.where(table.c.site_id.in_(site_ids))
        read = read.where(Event.site_id.in_(site_ids))
    if feature_ids is not None:
        members = {fid for fid, canon in canonical.items() if canon in feature_ids}
        wipe = wipe.where(table.c.feature_id.in_(feature_ids))
        read = read.where(Event.feature_id.in_(members))
    if day_from is not None:
        wipe = wipe.where(table.c.local_day >= day_from)
        read = read.where(Event.local_day >= day_from)
    if day_to is not None:
        wipe = wipe.where(table.c.local_day <= day_to)
        read = read.where(Event.local_day <= day_to)
    session.execute(wipe)
    count = 0
    for part in session.execute(read.execution_options(yield_per=chunk)).partitions():
        count += len(part)
        add_to_rollups(session, part, canonical)
    return count


def rebuild_rollups_job(
    session: Session, *, first: date | None = None, last: date | None = None
) -> dict:
    """Recompute daily_usage from raw events for [first, last] (all days when omitted)."""
    events = rebuild_rollups(session, day_from=first, day_to=last)
    return {"events_read": events, "from": first, "to": last}
