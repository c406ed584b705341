"""Monthly partitions of the big tables on PostgreSQL, and retention that drops whole months.

On PostgreSQL, `event`, `daily_usage` and `points_ledger` are range-partitioned by month of
`local_day` (migration 0005). The partition of a month is named `<table>_pYYYYMM` and holds
[first of the month, first of the next month). `<table>_pdefault` holds any day that no monthly
partition covers, such as a backfill of last year or a device clock far ahead. So an insert never
fails for want of a partition. The `partitions` job creates the months ahead and moves any rows
the default partition holds into partitions of their own.

Retention removes the raw events before a cut day (`cut_before`): on PostgreSQL a `DROP TABLE`
of each month's partition that lies wholly before it and a `DELETE` of the older rows of the
month the cut falls in; on SQLite (no partitions) a `DELETE`. The cut is `UPTAKE_RETENTION_DAYS`
before the chain's current day (`retention_cut_days`), or a month boundary (`retention_cut`,
`uptake db retention --before`), held back (`clamp`) to the first day of the oldest month HR has
not closed: its points are still re-derived from its events. This module knows nothing of
champion months; the callers pass that bound in (`rewards.retention.oldest_open_month`). It then
raises the event horizon (`StorageHorizon`) to the cut
day, and the jobs that re-derive from raw events never reach before it. The rollups and the
ledger are kept: every screen reads them, and the ledger is the payroll record. Deduplication
does not depend on the removed events: their keys stay in `event_key`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from adoption.calendar import Month
from adoption.errors import Invalid
from adoption.models import Event, StorageHorizon

PARTITIONED = ("event", "daily_usage", "points_ledger")
#: Months created ahead of the current one, so that a month never starts without its partition.
AHEAD_MONTHS = 3
#: Tables whose old months retention may drop. Only raw events: see the module docstring.
RETAINABLE = ("event",)
DEFAULT = "pdefault"
#: How long creating or dropping a partition waits for readers of the table before it gives up
#: (the job then fails, and runs again the next night). A DDL lock that waits longer would queue
#: every new read of the table behind it.
LOCK_TIMEOUT = "10s"
#: The shortest retention in days. The cut then never reaches the previous month (at most 61 days
#: back, on the 31st of a month after a 31-day month), whose points are re-derived from its
#: events until it is closed.
MIN_RETENTION_DAYS = 62
#: The longest retention in days (100 years): more is refused rather than overflowing a date.
MAX_RETENTION_DAYS = 36500
_PARTITION = re.compile(rf"({'|'.join(PARTITIONED)})_p([0-9]{{6}}|default)")


def enabled(session: Session) -> bool:
    """Whether the database partitions (PostgreSQL); SQLite keeps plain tables."""
    return session.get_bind().dialect.name == "postgresql"


def is_partition(name: str) -> bool:
    """Whether `name` is one of the partitions this module names (any table, any month)."""
    return _PARTITION.fullmatch(name) is not None


def partition_name(table: str, month: Month) -> str:
    return f"{table}_p{month.year:04d}{month.number:02d}"


def _ahead(month: Month, steps: int) -> list[Month]:
    months = [month]
    for _ in range(steps):
        months.append(months[-1].next())
    return months


def monthly_partitions(session: Session, table: str) -> dict[Month, str]:
    """The monthly partitions `table` has now, by month (the default partition is not listed)."""
    rows = session.execute(
        text(
            "SELECT child.relname FROM pg_inherits"
            " JOIN pg_class child ON child.oid = pg_inherits.inhrelid"
            " JOIN pg_class parent ON parent.oid = pg_inherits.inhparent"
            " WHERE parent.relname = :table"
            " AND parent.relnamespace = to_regnamespace(current_schema())"
        ),
        {"table": table},
    ).scalars()
    prefix = f"{table}_p"
    found = {}
    for name in rows:
        digits = name[len(prefix) :]
        if name.startswith(prefix) and len(digits) == 6 and digits.isdigit():
            found[Month(int(digits[:4]), int(digits[4:]))] = name
    return found


def ensure_partitions(session: Session, today: date) -> list[str]:
    """Create the partitions of this month and the next AHEAD_MONTHS, and of every month that
    has rows in a default partition (moving those rows); returns the partitions created.

    Idempotent, and a no-op on SQLite. Run by the `partitions` job and `uptake db partitions`.
    """
    if not enabled(session):
        return []
    _limit_lock_waits(session)
    current = Month.of(today)
    ahead = _ahead(current, AHEAD_MONTHS)
    created = []
    for table in PARTITIONED:
        have = monthly_partitions(session, table)
        stray = _months_in_default(session, table)
        for month in sorted(set(ahead) | stray):
            if month not in have:
                _create(session, table, month, moving=month in stray)
                created.append(partition_name(table, month))
    return created


def ensure_months(session: Session, months: set[Month]) -> list[str]:
    """Create the monthly partitions `months` lack, before a file import writes rows of them, so
    that a backfill of last year lands in its months rather than in the default partition (where
    retention could not drop it until the `partitions` job moved it). Rows of such a month that
    the default partition already holds move with it. A no-op on SQLite, and when every month
    has its partitions (one catalogue read per table)."""
    if not enabled(session) or not months:
        return []
    created = []
    limited = False
    for table in PARTITIONED:
        have = monthly_partitions(session, table)
        for month in sorted(months - have.keys()):
            if not limited:
                _limit_lock_waits(session)
                limited = True
            _create(session, table, month, moving=_default_holds(session, table, month))
            created.append(partition_name(table, month))
    if limited:
        session.execute(text("SET LOCAL lock_timeout = DEFAULT"))
    return created


def _default_holds(session: Session, table: str, month: Month) -> bool:
    first, after = month.first_day, month.next().first_day
    return (
        session.execute(
            text(
                f"SELECT 1 FROM {table}_{DEFAULT}"
                " WHERE local_day >= :first AND local_day < :after LIMIT 1"
            ),
            {"first": first, "after": after},
        ).first()
        is not None
    )


def _limit_lock_waits(session: Session) -> None:
    session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))


def _months_in_default(session: Session, table: str) -> set[Month]:
    days = session.execute(
        text(
            f"SELECT DISTINCT date_trunc('month', local_day)::date FROM {table}_{DEFAULT}"
            " ORDER BY 1"
        )
    ).scalars()
    return {Month.of(day) for day in days}


def _create(session: Session, table: str, month: Month, *, moving: bool) -> None:
    """One month's partition. When the default partition holds rows of that month, they move
    into a new table that is then attached; inserts routed to the default wait meanwhile."""
    name = partition_name(table, month)
    first, after = month.first_day.isoformat(), month.next().first_day.isoformat()
    bounds = f"FOR VALUES FROM ('{first}') TO ('{after}')"
    if not moving:
        session.execute(text(f"CREATE TABLE {name} PARTITION OF {table} {bounds}"))
        return
    default = f"{table}_{DEFAULT}"
    in_month = f"local_day >= '{first}' AND local_day < '{after}'"
    session.execute(text(f"LOCK TABLE {default} IN EXCLUSIVE MODE"))
    session.execute(
        text(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    )
    session.execute(
        text(
            f"WITH moved AS (DELETE FROM {default} WHERE {in_month} RETURNING *)"
            f" INSERT INTO {name} SELECT * FROM moved"
        )
    )
    session.execute(text(f"ALTER TABLE {table} ATTACH PARTITION {name} {bounds}"))


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
        _limit_lock_waits(session)
        for month, name in sorted(monthly_partitions(session, table).items()):
            if month.next().first_day <= first:
                rows += _estimated_rows(session, name)
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
            going.append(Going(name, _estimated_rows(session, name), True))
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


def partition_report(session: Session) -> list[dict]:
    """Each partitioned table's partitions with their estimated rows, oldest first, and the
    month each holds (None for the default partition) on PostgreSQL; on SQLite the events'
    exact count by month, so the command reads the same on both."""
    report = []
    if enabled(session):
        for table in PARTITIONED:
            months = sorted(monthly_partitions(session, table).items())
            for month, name in [*months, (None, f"{table}_{DEFAULT}")]:
                rows = _estimated_rows(session, name)
                report.append({"table": table, "partition": name, "month": month, "rows": rows})
        return report
    month = func.strftime("%Y-%m", Event.local_day)
    for key, count in session.execute(
        select(month, func.count()).group_by(month).order_by(month)
    ).all():
        report.append(
            {"table": "event", "partition": key, "month": Month.parse(key), "rows": count}
        )
    return report


def _estimated_rows(session: Session, name: str) -> int:
    """PostgreSQL's estimate of a partition's rows (its statistics; 0 before the first ANALYZE)."""
    estimate = session.scalar(
        text("SELECT greatest(reltuples, 0) FROM pg_class WHERE relname = :name"), {"name": name}
    )
    return int(estimate or 0)
