"""Monthly partitions of the big tables on PostgreSQL.

On PostgreSQL, `event`, `daily_usage` and `points_ledger` are range-partitioned by month of
`local_day` (migration 0005). The partition of a month is named `<table>_pYYYYMM` and holds
[first of the month, first of the next month). `<table>_pdefault` holds any day that no monthly
partition covers, such as a backfill of last year or a device clock far ahead. So an insert never
fails for want of a partition. The `partitions` job creates the months ahead and moves any rows
the default partition holds into partitions of their own; a file import creates the months it is
about to write (`ensure_months`). Retention drops whole months: `adoption.retention`.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from adoption.calendar import Month
from adoption.models import Event, StorageHorizon

PARTITIONED = ("event", "daily_usage", "points_ledger")
#: Months created ahead of the current one, so that a month never starts without its partition.
AHEAD_MONTHS = 3
DEFAULT = "pdefault"
#: How long creating or dropping a partition waits for readers of the table before it gives up
#: (the job then fails, and runs again the next night). A DDL lock that waits longer would queue
#: every new read of the table behind it.
LOCK_TIMEOUT = "10s"
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
    limit_lock_waits(session)
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


def ensure_months(session: Session, months: set[Month], *, today: date) -> list[str]:
    """Create the monthly partitions `months` lack, before a file import writes rows of them, so
    that a backfill of last year lands in its months rather than in the default partition (where
    retention could not drop it until the `partitions` job moved it). Rows of such a month that
    the default partition already holds move with it. Months before the event horizon (retention
    would drop them again) or past the months kept ahead of `today` (a device clock far ahead)
    are left to the default partition. A no-op on SQLite, and when every month has its
    partitions (one catalogue read per table). Run it in a transaction of its own: the partition
    DDL then holds its locks for milliseconds, not for a whole batch."""
    if not enabled(session) or not months:
        return []
    kept_from = session.scalar(
        select(StorageHorizon.first_day).where(StorageHorizon.table_name == "event")
    )
    last = _ahead(Month.of(today), AHEAD_MONTHS)[-1]
    wanted = {
        m for m in months if m <= last and (kept_from is None or m.next().first_day > kept_from)
    }
    created = []
    limited = False
    for table in PARTITIONED:
        have = monthly_partitions(session, table)
        for month in sorted(wanted - have.keys()):
            if not limited:
                limit_lock_waits(session)
                limited = True
            _create(session, table, month, moving=_default_holds(session, table, month))
            created.append(partition_name(table, month))
    return created


def analyze_after_load(session: Session) -> None:
    """Refresh the planner's statistics of the tables a bulk load filled (PostgreSQL's advice
    for populating a database): autovacuum never analyzes a partitioned parent, and reaches new
    partitions only later, so until then the planner takes a month of millions of rows for a few
    thousand and picks plans to match. ANALYZE samples rows (seconds at millions of rows). A
    no-op on SQLite."""
    if enabled(session):
        session.execute(text("ANALYZE event, daily_usage"))


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


def limit_lock_waits(session: Session) -> None:
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
    """One month's partition: a new table like the parent, then attached (ATTACH PARTITION locks
    the parent only against other schema changes, where CREATE TABLE … PARTITION OF would stop
    every read and write of it until the transaction ends). When the default partition holds rows
    of that month, they move into the new table first; inserts routed to the default wait
    meanwhile."""
    name = partition_name(table, month)
    first, after = month.first_day.isoformat(), month.next().first_day.isoformat()
    bounds = f"FOR VALUES FROM ('{first}') TO ('{after}')"
    session.execute(
        text(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    )
    if moving:
        default = f"{table}_{DEFAULT}"
        in_month = f"local_day >= '{first}' AND local_day < '{after}'"
        session.execute(text(f"LOCK TABLE {default} IN EXCLUSIVE MODE"))
        session.execute(
            text(
                f"WITH moved AS (DELETE FROM {default} WHERE {in_month} RETURNING *)"
                f" INSERT INTO {name} SELECT * FROM moved"
            )
        )
    session.execute(text(f"ALTER TABLE {table} ATTACH PARTITION {name} {bounds}"))


def partition_report(session: Session) -> list[dict]:
    """Each partitioned table's partitions with their estimated rows, oldest first, and the
    month each holds (None for the default partition) on PostgreSQL; on SQLite the events'
    exact count by month, so the command reads the same on both."""
    report = []
    if enabled(session):
        for table in PARTITIONED:
            months = sorted(monthly_partitions(session, table).items())
            for month, name in [*months, (None, f"{table}_{DEFAULT}")]:
                rows = estimated_rows(session, name)
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


def estimated_rows(session: Session, name: str) -> int:
    """PostgreSQL's estimate of a partition's rows (its statistics; 0 before the first ANALYZE)."""
    estimate = session.scalar(
        text("SELECT greatest(reltuples, 0) FROM pg_class WHERE relname = :name"), {"name": name}
    )
    return int(estimate or 0)
