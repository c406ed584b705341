"""The daily_usage rollup: maintained incrementally at ingest, in the same transaction."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date

from sqlalchemy.orm import Session

from adoption.db import dialect_insert
from adoption.models import DailyUsage

ROLLUP_KEY = ("employee_id", "site_id", "feature_id", "local_day")


def rollup_deltas(rows: Iterable[dict], canonical: dict[int, int]) -> list[dict]:
    """Sum stored events into rollup deltas keyed by (employee, site, feature after alias, day)."""
    acc: dict[tuple, list] = {}
    for row in rows:
        key = (row["employee_id"], row["site_id"], canonical[row["feature_id"]], row["local_day"])
        cell = acc.get(key)
        if cell is None:
            cell = acc[key] = [0, 0, 0, 0.0]
        if row["outcome"] == "success":
            cell[0] += 1
            duration = row["duration_ms"]
            if duration is not None:
                cell[2] += 1
                cell[3] += math.log(max(duration, 1))
        else:
            cell[1] += 1
    return [
        {
            "employee_id": k[0],
            "site_id": k[1],
            "feature_id": k[2],
            "local_day": k[3],
            "successes": v[0],
            "errors": v[1],
            "dur_n": v[2],
            "dur_log_sum": v[3],
        }
        for k, v in acc.items()
    ]


def add_to_rollups(session: Session, rows: Iterable[dict], canonical: dict[int, int]) -> None:
    """Add the events just stored to daily_usage with one upsert statement."""
    deltas = rollup_deltas(rows, canonical)
    if not deltas:
        return
    table = DailyUsage.__table__
    stmt = dialect_insert(session, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(ROLLUP_KEY),
        set_={
            "successes": table.c.successes + stmt.excluded.successes,
            "errors": table.c.errors + stmt.excluded.errors,
            "dur_n": table.c.dur_n + stmt.excluded.dur_n,
            "dur_log_sum": table.c.dur_log_sum + stmt.excluded.dur_log_sum,
        },
    )
    session.execute(stmt, deltas)


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
    one of them are rebuilt. The result equals what incremental maintenance produces.
    """
    from sqlalchemy import delete, select

    from adoption.ingest.registry import canonical_map
    from adoption.models import Event

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
    for part in session.execute(read.execution_options(yield_per=chunk)).mappings().partitions():
        count += len(part)
        add_to_rollups(session, part, canonical)
    return count


def rebuild_rollups_job(
    session: Session, *, first: date | None = None, last: date | None = None
) -> dict:
    """Recompute daily_usage from raw events for [first, last] (all days when omitted)."""
    events = rebuild_rollups(session, day_from=first, day_to=last)
    return {"events_read": events, "from": first, "to": last}
