"""Versioned scoring configuration and the daily score snapshots computed with it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from adoption.models.base import Base, UTCDateTime


class ScoringConfig(Base):
    """One immutable version of the proficiency rules; the newest version is the active one."""

    __tablename__ = "scoring_config"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(128))
    w_breadth: Mapped[float] = mapped_column(Float)
    w_accuracy: Mapped[float] = mapped_column(Float)
    w_speed: Mapped[float] = mapped_column(Float)
    w_consistency: Mapped[float] = mapped_column(Float)
    developing_at: Mapped[float] = mapped_column(Float)
    proficient_at: Mapped[float] = mapped_column(Float)
    expert_at: Mapped[float] = mapped_column(Float)
    window_days: Mapped[int] = mapped_column(Integer)
    min_core_attempts: Mapped[int] = mapped_column(Integer)
    breadth_min_successes: Mapped[int] = mapped_column(Integer)


class ScoreSnapshot(Base):
    """An employee's score on one local day under one config version (history, first proficient)."""

    __tablename__ = "score_snapshot"
    __table_args__ = (Index("ix_score_snapshot_day_version", "day", "config_version"),)

    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), primary_key=True)
    config_version: Mapped[int] = mapped_column(
        ForeignKey("scoring_config.version"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    score: Mapped[float | None] = mapped_column(Float)  # null: Not started
    level: Mapped[str] = mapped_column(String(16))
    breadth: Mapped[float] = mapped_column(Float)
    accuracy: Mapped[float] = mapped_column(Float)
    speed: Mapped[float] = mapped_column(Float)
    consistency: Mapped[float] = mapped_column(Float)
    core_attempts: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SnapshotState(Base):
    """Per employee and config version: which days `score_snapshot` holds and since when.

    Snapshots cover `first_day` (the first active day) through `through`, every day between.
    `rebuilt_at` is when they were last all computed from `first_day` on: they are fresh while no
    change to what scores rest on (the catalog, the person, the home site) is newer. The snapshot
    job plans from here, and boards read snapshots only where this row says they are fresh.
    No `first_day` means the job found no usage at all for the person (nothing is stored): a
    board then needs no snapshot to know their score, until an event makes them dirty.
    """

    __tablename__ = "snapshot_state"

    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), primary_key=True)
    config_version: Mapped[int] = mapped_column(
        ForeignKey("scoring_config.version"), primary_key=True
    )
    first_day: Mapped[date | None] = mapped_column(Date)
    through: Mapped[date] = mapped_column(Date)
    rebuilt_at: Mapped[datetime] = mapped_column(UTCDateTime)
