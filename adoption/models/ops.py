"""The audit log (who did what to which item) and read-model generations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from adoption.models.base import Base, BigId, UTCDateTime


class AuditLog(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target_type", "target"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(128))
    details: Mapped[dict] = mapped_column(JSON)


class ReadModelGeneration(Base):
    """A counter per read model, raised in the transaction that rewrites it (`bump`).

    Caches key on it: a rewrite that appends no row (score snapshots recomputed for late events,
    totals rebuilt from the ledger) still invalidates what was read before it.
    """

    __tablename__ = "read_model_generation"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AccessLog(Base):
    """One read of one person's individual data by someone other than that person.

    Written only in works-council mode (`UPTAKE_ACCESS_LOG=on`); HR and admin export it.
    """

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_employee_at", "employee_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    viewer: Mapped[str] = mapped_column(String(128))
    viewer_role: Mapped[str] = mapped_column(String(32))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    what: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(300))
