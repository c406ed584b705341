"""The access log of works-council mode (`UPTAKE_ACCESS_LOG=on`): who read whose data, and when.

One row per read of one person's individual data (record, proficiency, history, progress,
badges, …) by someone other than that person. The front doors' one check of such reads
(`api.auth.require_person`) writes it in the request's transaction, so an answer that fails,
and is rolled back, logs nothing. Lists and boards of many people are not individual reads.
HR and admin export it as CSV; each export is itself audited.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption import audit
from adoption.cells import neutralise
from adoption.errors import Invalid
from adoption.models import AccessLog, Employee

COLUMNS = ("at", "viewer", "viewer_role", "user_id", "what", "path")


def record_access(
    session: Session,
    *,
    viewer: str,
    viewer_role: str,
    employee_id: int,
    what: str,
    path: str,
    now: datetime,
) -> None:
    """Log one read of `employee_id`'s `what` by `viewer` (a token or login name)."""
    session.add(
        AccessLog(
            at=now,
            viewer=viewer[:128],
            viewer_role=viewer_role[:32],
            employee_id=employee_id,
            what=what[:64],
            path=path[:300],
        )
    )


def access_entries(
    session: Session,
    *,
    first: date | None = None,
    last: date | None = None,
    employee_id: int | None = None,
    after: int | None = None,
    limit: int | None = None,
) -> list[dict]:
    """Entries oldest first, of the UTC days [first, last] (either end open when None), of one
    person when `employee_id` is given; `after` is the id of the last entry already read."""
    if first is not None and last is not None and first > last:
        raise Invalid({"from": ["Must not be after 'to'."]})
    stmt = (
        select(AccessLog, Employee.external_id)
        .join(Employee, Employee.id == AccessLog.employee_id)
        .order_by(AccessLog.id)
    )
    if first is not None:
        stmt = stmt.where(AccessLog.at >= _start_of(first))
    if last is not None:
        stmt = stmt.where(AccessLog.at < _start_of(last + timedelta(days=1)))
    if employee_id is not None:
        stmt = stmt.where(AccessLog.employee_id == employee_id)
    if after is not None:
        stmt = stmt.where(AccessLog.id > after)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [
        {
            "id": row.id,
            "at": row.at,
            "viewer": row.viewer,
            "viewer_role": row.viewer_role,
            "user_id": user_id,
            "what": row.what,
            "path": row.path,
        }
        for row, user_id in session.execute(stmt)
    ]


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def export_csv(
    session: Session,
    *,
    now: datetime,
    actor: str,
    first: date | None = None,
    last: date | None = None,
    employee_id: int | None = None,
) -> bytes:
    """The entries as CSV (UTF-8 with BOM, COLUMNS, formula-safe text cells); audited."""
    entries = access_entries(session, first=first, last=last, employee_id=employee_id)
    audit.record(
        session,
        actor=actor,
        action="access_log.export",
        target_type="access_log",
        target=f"{first or '…'}/{last or '…'}",
        now=now,
        details={"rows": len(entries), "employee_id": employee_id},
    )
    return to_csv(entries)


def to_csv(entries: list[dict]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for entry in entries:
        values = {**entry, "at": entry["at"].astimezone(UTC).isoformat()}
        writer.writerow([_cell(values[column]) for column in COLUMNS])
    return out.getvalue().encode("utf-8-sig")


def _cell(value) -> str:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    return neutralise("" if value is None else str(value))
