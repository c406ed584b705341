"""Retention: raw events older than a cut day go, whole months at a time where it can.

Retention removes the raw events before a cut day (`cut_before`): on PostgreSQL a `DROP TABLE`
of each month's partition (`adoption.partitions`) that lies wholly before it and a `DELETE` of
the older rows of the month the cut falls in; on SQLite (no partitions) a `DELETE`. The cut is
`UPTAKE_RETENTION_DAYS` before the chain's current day (`retention_cut_days`), or a month
boundary (`retention_cut`, `uptake db retention --before`), held back (`clamp`) to the first day
of the oldest month HR has not closed: its points are still re-derived from its events. This
module knows nothing of champion months; the callers pass that bound in
(`rewards.retention.oldest_open_month`). It then raises the event horizon (`StorageHorizon`) to
the cut day, and the jobs that re-derive from raw events never reach before it. The rollups and
the ledger are kept: every screen reads them, and the ledger is the payroll record.
Deduplication does not depend on the removed events: their keys stay in `event_key`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from adoption.calendar import Month
from adoption.errors import Invalid
from adoption.models import Event, StorageHorizon
from adoption.partitions import (
    DEFAULT,
    enabled,
    estimated_rows,
    limit_lock_waits,
    monthly_partitions,
)

#: Tables whose old months retention may drop. Only raw events: see the module docstring.
RETAINABLE = ("event",)
#: The shortest retention in days. The cut then never reaches the previous month (at most 61 days
#: back, on the 31st of a month after a 31-day month), whose points are re-derived from its
#: events until it is closed.
MIN_RETENTION_DAYS = 62
#: The longest retention in days (100 years): more is refused rather than overflowing a date.
MAX_RETENTION_DAYS = 36500


@dataclass(frozen=True)
class Dropped:
    table: str
    before: date
    partitions: list[str]
    rows: int  # exact on SQLite; PostgreSQL's estimate for dropped partitions


def drop_before(session: Session, table: str, before: Month, now: datetime) -> Dropped:
    """Remove every row of `table` from months before `before` and raise its horizon there."""
    return cut_before(session, table, before.first_day, now)


def cut_before(session: Session, table: str, first: date, now: datetime) -> Dropped:
    """Remove every row of `table` whose local day is before `first`; raise its horizon there.

    On PostgreSQL the partitions of months wholly before `first` are dropped, and the older rows
    of the month `first` falls in (and of the default partition) deleted; on SQLite the rows are
    deleted. Only RETAINABLE tables may be cut.
    """
    if table not in RETAINABLE:
        raise ValueError(f"retention does not drop {table}: only {', '.join(RETAINABLE)}")
    dropped: list[str] = []
    rows = 0
    if enabled(session):
        limit_lock_waits(session)
        for month, name in sorted(monthly_partitions(session, table).items()):
            if month.next().first_day <= first:
                rows += estimated_rows(session, name)
                session.execute(text(f"DROP TABLE {name}"))
                dropped.append(name)
        # Only the month of `first` and the default partition can still hold older rows.
        result = session.execute(
            text(f"DELETE FROM {table} WHERE local_day < :first"), {"first": first}
        )
        rows += result.rowcount
    else:
        result = session.execute(delete(Event).where(Event.local_day < first))
        rows += result.rowcount
    _raise_horizon(session, table, first, now)
    return Dropped(table, first, dropped, rows)


def retention_cut(
    session: Session, today: date, months: int, now: datetime, *, open_from: date | None = None
) -> Dropped:
    """Keep the raw events of `today`'s month and the `months` before it; drop older ones (not
    from `open_from` on, see `clamp`). The deprecated setting UPTAKE_EVENT_RETENTION_MONTHS."""
    return cut_before(session, "event", clamp(months_cut(today, months), open_from), now)


def months_cut(today: date, months: int) -> date:
    """The first day kept when only `today`'s month and the `months` before it stay."""
    keep_from = Month.of(today)
    for _ in range(months):
        keep_from = keep_from.previous()
    return keep_from.first_day


def clamp(cut: date, open_from: date | None) -> date:
    """The cut held back to `open_from`, the first day of the oldest month not closed yet (None:
    every month before the cut is closed): a later re-derivation of that month's points would
    otherwise skip the purged days without a word."""
    return cut if open_from is None else min(cut, open_from)


def days_cut(today: date, days: int) -> date:
    """The first day kept when events older than `days` days go: `today` − `days`.

    Fewer than MIN_RETENTION_DAYS is refused (Invalid), so the cut never reaches the previous
    month; more than MAX_RETENTION_DAYS too (no such date)."""
    if days > MAX_RETENTION_DAYS:
        raise Invalid({"days": [f"Keep at most {MAX_RETENTION_DAYS} days of events, not {days}."]})
    if days < MIN_RETENTION_DAYS:
        raise Invalid(
            {
                "days": [
                    f"Keep at least {MIN_RETENTION_DAYS} days of events, not {days}: points are"
                    " re-derived from the events of every month not yet closed."
                ]
            }
        )
    return today - timedelta(days=days)


def retention_cut_days(
    session: Session, today: date, days: int, now: datetime, *, open_from: date | None = None
) -> Dropped:
    """Purge the raw events older than `days` days (UPTAKE_RETENTION_DAYS): every event whose
    local day is before `days_cut(today, days)`, held back to `open_from` (`clamp`)."""
    return cut_before(session, "event", clamp(days_cut(today, days), open_from), now)


@dataclass(frozen=True)
class Going:
    """What `cut_before` would remove: a whole partition (rows: PostgreSQL's estimate), or the
    older rows of one (exact); on SQLite, a month's events (exact)."""

    what: str
    rows: int
    whole: bool


def rows_before(session: Session, first: date) -> list[Going]:
    """What cutting the events before `first` would remove, oldest first (a dry run)."""
    if not enabled(session):
        month = func.strftime("%Y-%m", Event.local_day)
        counted = session.execute(
            select(month, func.count())
            .where(Event.local_day < first)
            .group_by(month)
            .order_by(month)
        ).all()
        return [Going(key, n, Month.parse(key).next().first_day <= first) for key, n in counted]
    going = []
    for month, name in sorted(monthly_partitions(session, "event").items()):
        if month.next().first_day <= first:
            going.append(Going(name, estimated_rows(session, name), True))
        elif month.first_day < first:
            going.append(Going(name, _count_before(session, name, first), False))
    default = f"event_{DEFAULT}"
    if older := _count_before(session, default, first):
        going.append(Going(default, older, False))
    return going


def _count_before(session: Session, name: str, first: date) -> int:
    return session.scalar(
        text(f"SELECT count(*) FROM {name} WHERE local_day < :first"), {"first": first}
    )


def _raise_horizon(session: Session, table: str, first: date, now: datetime) -> None:
    row = session.get(StorageHorizon, table)
    if row is None:
        session.add(StorageHorizon(table_name=table, first_day=first, changed_at=now))
    elif row.first_day < first:
        row.first_day, row.changed_at = first, now
    session.flush()


def horizon(session: Session, table: str = "event") -> date | None:
    """The first day `table` holds in full, or None when retention never cut it."""
    return session.scalar(
        select(StorageHorizon.first_day).where(StorageHorizon.table_name == table)
    )
