"""Raw usage events, the quarantine of bad input, and the daily usage rollup."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CTE,
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from adoption.models.base import Base, BigId, UTCDateTime


class Event(Base):
    """One usage event as received. Its (source, event_id) is unique through `EventKey`.

    On PostgreSQL the table is range-partitioned by month of `local_day` (`adoption.partitions`);
    its primary key there is (id, local_day), since a partitioned table's keys must hold the
    partition key. `id` alone still comes from one sequence, so it stays unique.
    """

    __tablename__ = "event"
    __table_args__ = (
        CheckConstraint("outcome IN ('success', 'error')", name="outcome"),
        Index("ix_event_employee_day", "employee_id", "local_day"),
        Index("ix_event_site_day", "site_id", "local_day"),
        # The snapshot job finds late events (and the days they touch) by arrival time.
        Index("ix_event_received_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(128))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    feature_id: Mapped[int] = mapped_column(ForeignKey("feature.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    local_day: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(8))
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    properties: Mapped[dict | None] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


def arrived_since(since: datetime, *columns) -> CTE:
    """`columns` of the events received since `since`, as a materialized CTE named `arrived`.

    Found through ix_event_received_at first, then grouped: without statistics SQLite's planner
    would rather walk the index a GROUP BY or DISTINCT can use (employee or site and day), which
    reads the whole history to find the few new events. MATERIALIZED fixes the order on SQLite
    (3.35+) and PostgreSQL (12+), so a job that reads what arrived costs what is new.
    """
    stmt = select(*columns).where(Event.received_at >= since)
    return stmt.cte("arrived").prefix_with("MATERIALIZED")


class EventKey(Base):
    """Every (source, event_id) ever stored: ingest's exactly-once key.

    It lives apart from `event` so that `event` can be partitioned by month and its old
    partitions dropped: a retried batch from before the retention horizon still finds its keys
    here and changes nothing. Narrow and clustered on the key (WITHOUT ROWID on SQLite).
    """

    __tablename__ = "event_key"
    __table_args__ = {"sqlite_with_rowid": False}

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)


class StorageHorizon(Base):
    """The first local day a table still holds in full, after retention dropped older months.

    Jobs that re-derive from raw events (points, rollup rebuilds, time zone edits) never reach
    before the `event` horizon, so dropping old events never rewrites what was derived from them.
    """

    __tablename__ = "storage_horizon"

    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_day: Mapped[date] = mapped_column(Date)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Quarantine(Base):
    """Input that could not be stored as an event; kept whole until replayed or discarded."""

    __tablename__ = "quarantine"
    __table_args__ = (
        UniqueConstraint("source", "dedup_key"),
        CheckConstraint("status IN ('open', 'replayed', 'discarded')", name="status"),
        CheckConstraint("kind IN ('event', 'body')", name="kind"),
        Index("ix_quarantine_status_id", "status", "id"),
        Index("ix_quarantine_status_reason", "status", "reason"),
        Index("ix_quarantine_status_source", "status", "source"),
        Index("ix_quarantine_status_received_at", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    # "e:<event_id>" when the event had a usable id, else "h:<sha256 of the raw bytes>".
    dedup_key: Mapped[str] = mapped_column(String(200))
    event_id: Mapped[str | None] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(8))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    reasons: Mapped[dict] = mapped_column(JSON)
    # What the reasons say, as one line ("site_id: Unknown site."), to total and filter by;
    # the site the input names, as sent (None when it names none), to filter by.
    reason: Mapped[str] = mapped_column(String(200), server_default="")
    site: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), server_default="open")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(128))


class DailyUsage(Base):
    """(employee, site, feature after aliasing, local day) → counts; every read model uses it.

    Range-partitioned by month of `local_day` on PostgreSQL, like `event`.
    """

    __tablename__ = "daily_usage"
    __table_args__ = (Index("ix_daily_usage_site_day", "site_id", "local_day"),)

    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), primary_key=True)
    local_day: Mapped[date] = mapped_column(Date, primary_key=True)
    feature_id: Mapped[int] = mapped_column(ForeignKey("feature.id"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), primary_key=True)
    successes: Mapped[int] = mapped_column(Integer, server_default="0")
    errors: Mapped[int] = mapped_column(Integer, server_default="0")
    # Over successful events with a duration: how many, and the sum of ln(max(duration_ms, 1)).
    dur_n: Mapped[int] = mapped_column(Integer, server_default="0")
    dur_log_sum: Mapped[float] = mapped_column(Float, server_default="0")
