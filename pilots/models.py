"""Rollout waves and the readiness gate's rules."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from adoption.models.base import Base, UTCDateTime


class Wave(Base):
    """A planned wave; its sites are the sites whose `wave` is this number."""

    __tablename__ = "wave"
    __table_args__ = (
        CheckConstraint(
            "canary_share IS NULL OR (canary_share > 0 AND canary_share <= 1)", name="canary_share"
        ),
    )

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str | None] = mapped_column(String(100))
    planned_go_live_on: Mapped[date | None] = mapped_column(Date)
    canary_share: Mapped[float | None] = mapped_column(Float)
    # Site codes that go first when canary_share is set, chosen once and kept.
    canary_sites: Mapped[list | None] = mapped_column(JSON)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReadinessRule(Base):
    """Go/no-go rule: metric compared with a threshold on each of the last N complete weeks."""

    __tablename__ = "readiness_rule"
    __table_args__ = (
        CheckConstraint("comparison IN ('>=', '<=')", name="comparison"),
        CheckConstraint("scope IN ('pilots', 'previous_wave')", name="scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    metric: Mapped[str] = mapped_column(String(32))
    comparison: Mapped[str] = mapped_column(String(2))
    threshold: Mapped[float] = mapped_column(Float)
    weeks: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(String(16))
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Target(Base):
    """A measurable goal agreed with the client: a metric over a population compared with a
    threshold by a deadline, either a week since each site's go-live or a date."""

    __tablename__ = "target"
    __table_args__ = (
        CheckConstraint("comparison IN ('>=', '<=')", name="comparison"),
        CheckConstraint("population IN ('all', 'pilots', 'wave', 'region')", name="population"),
        CheckConstraint("(deadline_week IS NULL) <> (deadline_on IS NULL)", name="one_deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(32))
    population: Mapped[str] = mapped_column(String(16))
    # The wave number or region name when population is wave or region.
    population_value: Mapped[str | None] = mapped_column(String(100))
    comparison: Mapped[str] = mapped_column(String(2))
    threshold: Mapped[float] = mapped_column(Float)
    deadline_week: Mapped[int | None] = mapped_column(Integer)
    deadline_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OptimisationReport(Base):
    """What an optimisation report said for a period, kept so the next cycle's report can say
    what changed since (PDCA). One per period: generating it again replaces the figures."""

    __tablename__ = "optimisation_report"
    __table_args__ = (UniqueConstraint("from_on", "to_on", name="uq_optimisation_report_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    from_on: Mapped[date] = mapped_column(Date)
    to_on: Mapped[date] = mapped_column(Date, index=True)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    generated_by: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict] = mapped_column(JSON)
