"""Points ledger, badges, the first-proficient award and monthly champion periods."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from adoption.models.base import Base, BigId, UTCDateTime


class PointsLedger(Base):
    """Append-only: a changed total is booked as a correction row (a delta), never an update.

    Range-partitioned by month of `local_day` on PostgreSQL (`adoption.partitions`), with the
    primary key (id, local_day) there. Retention never drops it: it is the payroll record.
    """

    __tablename__ = "points_ledger"
    __table_args__ = (
        Index("ix_points_ledger_site_day", "site_id", "local_day"),
        Index("ix_points_ledger_employee_day", "employee_id", "local_day"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    feature_id: Mapped[int | None] = mapped_column(ForeignKey("feature.id"))
    local_day: Mapped[date] = mapped_column(Date)
    points: Mapped[int] = mapped_column(Integer)
    earned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rule: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # What the row books (docs/metrics.md "Points"): the points config version it was derived
    # under; for a feature rule, how many success events make up the new total and the internal
    # ids of the first and last of them (with the row's employee, site, feature and day they
    # list the events); for an award, who gave it. Null on rows booked before these existed.
    config_version: Mapped[int | None] = mapped_column(Integer)
    event_count: Mapped[int | None] = mapped_column(Integer)
    first_event_id: Mapped[int | None] = mapped_column(BigInteger)
    last_event_id: Mapped[int | None] = mapped_column(BigInteger)
    given_by: Mapped[str | None] = mapped_column(String(128))
    # Until this instant the row's points are provisional (a void may still claw them back);
    # null when confirmed from the start (void window 0, awards, badges).
    provisional_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class PointsTotal(Base):
    """Ledger points summed per period, site and employee, kept in step with the ledger.

    `period` is a calendar month (`2026-11`), an ISO week (`2026-W47`) or `all`; each ledger row
    counts once in each of the three. Every ledger insert goes through `rewards.ledger.book`,
    which adds its points here in the same transaction, so boards read one row per person and
    site instead of summing the ledger (`rewards.ledger.totals_from_ledger` recomputes them).
    """

    __tablename__ = "points_total"

    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), primary_key=True)
    points: Mapped[int] = mapped_column(Integer)


class BadgeAward(Base):
    __tablename__ = "badge_award"
    __table_args__ = (UniqueConstraint("employee_id", "badge"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    badge: Mapped[str] = mapped_column(String(32))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    awarded_on: Mapped[date] = mapped_column(Date)
    evidence: Mapped[dict] = mapped_column(JSON)
    points: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SiteFirstProficient(Base):
    """The seed incentive: the first employee of a site proficient after go-live. Never moved."""

    __tablename__ = "site_first_proficient"

    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    proficient_since: Mapped[date] = mapped_column(Date)
    score: Mapped[float] = mapped_column(Float)
    config_version: Mapped[int] = mapped_column(Integer)
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChampionPeriod(Base):
    """One version of a month's champions: a draft, then closed (frozen) by HR."""

    __tablename__ = "champion_period"
    __table_args__ = (
        UniqueConstraint("month", "version"),
        CheckConstraint("status IN ('draft', 'closed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(128))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(128))
    rules_version: Mapped[str | None] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)


class ChampionEntry(Base):
    """A frozen row of a closed period: what HR paid from, independent of later changes."""

    __tablename__ = "champion_entry"
    __table_args__ = (
        UniqueConstraint("period_id", "kind", "site_id"),
        CheckConstraint("kind IN ('champion', 'first_proficient')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("champion_period.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    site_code: Mapped[str] = mapped_column(String(64))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))
    user_id: Mapped[str | None] = mapped_column(String(128))
    display_name: Mapped[str | None] = mapped_column(String(200))
    points: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float)
    proficient_since: Mapped[date | None] = mapped_column(Date)
    rank_reason: Mapped[str] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSON)


class PointsConfig(Base):
    """One immutable version of the game's settings; the newest version is the active one.

    Points per feature and daily caps live on the feature catalog; this holds what applies to
    everyone: the void window of provisional points, the monthly cap on manual awards, kudos,
    the rookie division and whether the store display may show names."""

    __tablename__ = "points_config"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(128))
    void_window_hours: Mapped[int] = mapped_column(Integer, server_default="0")
    award_cap_per_month: Mapped[int] = mapped_column(Integer, server_default="100")
    kudos_points: Mapped[int] = mapped_column(Integer, server_default="0")
    colleague_kudos: Mapped[bool] = mapped_column(Boolean, server_default=false())
    rookie_days: Mapped[int] = mapped_column(Integer, server_default="28")
    rookie_division: Mapped[bool] = mapped_column(Boolean, server_default=false())
    display_names: Mapped[bool] = mapped_column(Boolean, server_default=false())


class Kudos(Base):
    """A thank-you for something concrete, from a manager or (if enabled) a colleague."""

    __tablename__ = "kudos"
    __table_args__ = (Index("ix_kudos_employee_day", "employee_id", "local_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    local_day: Mapped[date] = mapped_column(Date)
    message: Mapped[str] = mapped_column(String(300))
    given_by: Mapped[str] = mapped_column(String(128))
    giver_employee_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))
    points: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
