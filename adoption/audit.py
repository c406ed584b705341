"""The audit log: who did what to which item, written in the caller's transaction."""

from __future__ import annotations

from datetime import date, datetime

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


def snapshot(obj: object | None, fields: tuple[str, ...]) -> dict:
    """The fields' values of a row (all None for a row about to be created), JSON-ready."""
    return {name: _plain(None if obj is None else getattr(obj, name)) for name in fields}


def record_put(
    session: Session,
    target_type: str,
    target: str,
    before: dict,
    after: dict,
    *,
    created: bool,
    actor: str,
    now: datetime,
) -> None:
    """Audit a create-or-replace of master data (`<target_type>.put`): details name each changed
    field with its `[before, after]` values and whether the row was created. A replace that
    changes nothing writes no row."""
    changes = {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}
    if changes or created:
        record(
            session,
            actor=actor,
            action=f"{target_type}.put",
            target_type=target_type,
            target=target,
            now=now,
            details={"created": created, "changes": changes},
        )


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date | datetime) else value
