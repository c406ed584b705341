"""The audit log: who did what to which item, written in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from adoption.models import AuditLog


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    target_type: str,
    target: str,
    now: datetime,
    details: dict | None = None,
) -> None:
    session.add(
        AuditLog(
            at=now,
            actor=actor,
            action=action,
            target_type=target_type,
            target=target,
            details=details or {},
        )
    )
