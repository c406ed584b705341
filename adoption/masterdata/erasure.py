"""Forgetting a person (right to erasure): personal fields replaced by a pseudonym, raw events
deleted, every aggregate kept (docs/privacy.md "Forgetting a person").

- The `employee` row stays, since rollups, the ledger, snapshots, badges and frozen champion
  rows point at it: so every board, metric, score and payout stays the same. Its user id becomes
  `erased-7F3A2C1B` and its display name `Former employee 7F3A2C1B`: a code made from the row's
  internal id, so stable, unique, and saying nothing of the person. Home site, role, hired_on,
  left_on, rostered and public_opt_out stay: populations, eligibility and payroll rest on them.
- Raw events are deleted; their keys stay in `event_key`, so a resend is a duplicate and changes
  nothing. Re-derivations (points, rollup rebuilds) leave erased people alone.
- Quarantined input naming the old id (as a JSON string) names the pseudonymous id instead, and
  open items are discarded, so no replay brings the person back.
- Audit and access-log rows naming the person (a target, a detail, a path segment, an actor)
  name the pseudonym instead. Who did something (an actor, a viewer) is matched on the person's
  own login and token names only; their display names, current and earlier (from the
  `employee.put` rows), are replaced only in rows about them (target the person or their login),
  since another person or login may bear the same name.
- Other packages' tables (logins, frozen champion rows, badges) are `steps` the caller passes;
  they run first, in order, and may add the person's login names to `Forgetting.logins`.

Nothing keeps the old id: the POS's id no longer identifies anyone here, and an event sent under
it later starts a new, unrostered person with no history. Idempotent: forgetting someone
already forgotten (by the pseudonymous id) changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Text, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session

from adoption import audit
from adoption.errors import Conflict
from adoption.masterdata.cleaning import key_of
from adoption.masterdata.records import get_employee
from adoption.models import AccessLog, AuditLog, Employee, Event, Quarantine, ScoringConfig

PREFIX = "erased-"
NAME_PREFIX = "Former employee "
_SPREAD = 0x9E3779B1  # odd, so multiplying by it permutes 32-bit ids: distinct codes, no order


def pseudonym_code(employee_id: int) -> str:
    """8 hex digits, distinct for every id below 2**32, unrelated to the person."""
    return f"{employee_id * _SPREAD % 2**32:08X}"


@dataclass
class Forgetting:
    """One erasure: the person's row id, their pseudonymous id and name, and every string that
    named them: `old_user_id` and its key; `logins`: their login and token names → stand-ins,
    replaced wherever they occur; `personal`: their display names (current and earlier) and
    earlier ids → stand-ins, replaced only in rows about them (`about=True`). Held in memory
    only: nothing of it is stored."""

    employee_id: int
    user_id: str
    display_name: str
    old_user_id: str
    old_key: str
    now: datetime
    actor: str
    logins: dict[str, str] = field(default_factory=dict)
    personal: dict[str, str] = field(default_factory=dict)

    def replacement(self, value: str, *, about: bool = False) -> str | None:
        """The stand-in for a string that names the person (whole, or as a path segment)."""
        if key_of(value) == self.old_key:
            return self.user_id
        if value in self.logins:
            return self.logins[value]
        if about and value in self.personal:
            return self.personal[value]
        if "/" in value:
            parts = value.split("/")
            new = [self.replacement(p, about=about) if p else None for p in parts]
            if any(n is not None for n in new):
                return "/".join(n if n is not None else p for n, p in zip(new, parts, strict=True))
        return None

    def scrubbed(self, value, *, about: bool = False):
        """`value` (JSON-like) with every string naming the person replaced; same object when
        nothing named them."""
        if isinstance(value, str):
            return self.replacement(value, about=about) or value
        if isinstance(value, list):
            items = [self.scrubbed(v, about=about) for v in value]
            return value if all(a is b for a, b in zip(items, value, strict=True)) else items
        if isinstance(value, dict):
            items = {k: self.scrubbed(v, about=about) for k, v in value.items()}
            return value if all(items[k] is value[k] for k in value) else items
        return value

    def terms(self) -> list[str]:
        """Lower-cased strings whose presence marks a row worth checking (their id, their
        logins); an audit row whose target is one of them is about the person."""
        return sorted({self.old_key, *(name.lower() for name in self.logins)})


Step = Callable[[Session, Forgetting], dict[str, int]]


def forget_employee(
    session: Session,
    user_id: str,
    *,
    now: datetime,
    actor: str,
    steps: Sequence[Step] = (),
) -> dict:
    """Forget the person (see the module docstring); audited. Returns the pseudonymous `user_id`
    and `display_name`, `erased_at`, `already_erased` and what each part changed."""
    employee = get_employee(session, user_id)
    if employee.erased_at is not None:
        return _result(employee, already=True, counts={})
    code = pseudonym_code(employee.id)
    forgetting = Forgetting(
        employee_id=employee.id,
        user_id=PREFIX + code,
        display_name=NAME_PREFIX + code,
        old_user_id=employee.external_id,
        old_key=employee.external_key,
        now=now,
        actor=actor,
    )
    forgetting.personal = {
        name: (forgetting.display_name if kind == "display_name" else forgetting.user_id)
        for kind, name in _earlier_names(session, employee)
    }
    _check_free(session, forgetting)
    counts: dict[str, int] = {}
    for step in steps:
        counts |= step(session, forgetting)
    counts |= {
        "events_deleted": _delete_events(session, employee.id),
        "quarantine_redacted": _redact_quarantine(session, forgetting),
        "audit_rows_rewritten": _rewrite_audit(session, forgetting),
        "access_log_rows_rewritten": _rewrite_access_log(session, forgetting),
    }
    rename_actors(session, forgetting, [(Quarantine, "resolved_by"), (ScoringConfig, "created_by")])
    # updated_at stays: scores do not rest on a name, so stored snapshots stay fresh.
    employee.external_id, employee.external_key = forgetting.user_id, key_of(forgetting.user_id)
    employee.display_name, employee.erased_at = forgetting.display_name, now
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="employee.forget",
        target_type="employee",
        target=forgetting.user_id,
        now=now,
        details=counts,
    )
    return _result(employee, already=False, counts=counts)


def _result(employee: Employee, *, already: bool, counts: dict[str, int]) -> dict:
    return {
        "user_id": employee.external_id,
        "display_name": employee.display_name,
        "erased_at": employee.erased_at,
        "already_erased": already,
        "changed": counts,
    }


def _earlier_names(session: Session, employee: Employee) -> set[tuple[str, str]]:
    """("display_name" | "user_id", value) of every name the person bore: the current ones and
    the old values the `employee.put` rows about them record."""
    found = {("display_name", employee.display_name), ("user_id", employee.external_id)}
    rows = session.scalars(
        select(AuditLog.details).where(
            AuditLog.target_type == "employee",
            func.lower(AuditLog.target) == employee.external_key,
        )
    )
    for details in rows:
        changes = details.get("changes") if isinstance(details, dict) else None
        for kind in ("display_name", "user_id"):
            values = (changes or {}).get(kind)
            if isinstance(values, list):
                found |= {(kind, v) for v in values if isinstance(v, str) and v}
    return found


def _check_free(session: Session, forgetting: Forgetting) -> None:
    taken = session.scalar(
        select(Employee.id).where(
            Employee.external_key == key_of(forgetting.user_id),
            Employee.id != forgetting.employee_id,
        )
    )
    if taken is not None:
        raise Conflict(
            f"Another employee already has the user id {forgetting.user_id!r}.",
            {"user_id": forgetting.user_id},
        )


def _delete_events(session: Session, employee_id: int) -> int:
    return session.execute(delete(Event).where(Event.employee_id == employee_id)).rowcount


def _redact_quarantine(session: Session, forgetting: Forgetting) -> int:
    """Quarantined input naming the person's user id as a JSON string ("E0042") names the
    pseudonymous id instead; open items are discarded. Every item is read: the quarantine is
    small (bad input waiting for an admin), and SQL cannot search its byte payloads alike on
    both back ends. Events carry no names, so only the id is looked for."""
    patterns = [(old, forgetting.user_id) for old in {forgetting.old_user_id, forgetting.old_key}]
    rows = session.execute(select(Quarantine.id, Quarantine.payload, Quarantine.reasons)).all()
    changed = 0
    for item_id, payload, reasons in rows:
        new = _redacted(bytes(payload), patterns)
        if new is None:
            continue
        session.execute(
            update(Quarantine)
            .where(Quarantine.id == item_id)
            .values(payload=new, reasons=forgetting.scrubbed(reasons))
        )
        session.execute(
            update(Quarantine)
            .where(Quarantine.id == item_id, Quarantine.status == "open")
            .values(status="discarded", resolved_at=forgetting.now, resolved_by=forgetting.actor)
        )
        changed += 1
    return changed


def _redacted(payload: bytes, patterns: list[tuple[str, str]]) -> bytes | None:
    """The payload with each JSON string equal to an old value (ignoring case and the spaces
    the normaliser trims) replaced by its stand-in; None when none occurs."""
    out = payload
    for old, new in patterns:
        pattern = rb'"\s*' + re.escape(old.encode()) + rb'\s*"'
        out = re.sub(pattern, b'"' + new.encode() + b'"', out, flags=re.IGNORECASE)
    return None if out == payload else out


def _rewrite_audit(session: Session, forgetting: Forgetting) -> int:
    """Audit rows naming the person (target, a detail, the actor) name the stand-ins instead;
    their display names only in rows about them (target their id or one of their logins)."""
    details = func.lower(cast(AuditLog.details, Text))
    found = or_(
        func.lower(AuditLog.target).in_(forgetting.terms()),
        AuditLog.actor.in_(list(forgetting.logins)),
        *(details.contains(term, autoescape=True) for term in forgetting.terms()),
    )
    about_keys = set(forgetting.terms())
    changed = 0
    for row in session.scalars(select(AuditLog).where(found)):
        about = (row.target or "").lower() in about_keys
        target = forgetting.replacement(row.target, about=about) or row.target
        actor = forgetting.logins.get(row.actor, row.actor)
        scrubbed = forgetting.scrubbed(row.details, about=about)
        if (target, actor) != (row.target, row.actor) or scrubbed is not row.details:
            row.target, row.actor, row.details = target, actor, scrubbed
            changed += 1
    session.flush()
    return changed


def _rewrite_access_log(session: Session, forgetting: Forgetting) -> int:
    """Reads of the person keep their rows, the path naming the pseudonymous id; reads by the
    person (their logins, never a login that merely bears their display name) name the login's
    stand-in."""
    changed = 0
    rows = session.scalars(
        select(AccessLog).where(
            or_(
                AccessLog.employee_id == forgetting.employee_id,
                AccessLog.viewer.in_(list(forgetting.logins)),
            )
        )
    )
    for row in rows:
        path = forgetting.replacement(row.path) or row.path
        viewer = forgetting.logins.get(row.viewer, row.viewer)
        if (path, viewer) != (row.path, row.viewer):
            row.path, row.viewer = path, viewer
            changed += 1
    session.flush()
    return changed


def rename_actors(session: Session, forgetting: Forgetting, columns: list[tuple]) -> None:
    """Columns naming who did something (a login or token name): the person's own login and
    token names → stand-ins (never their display name: another login may bear it)."""
    for model, column in columns:
        attr = getattr(model, column)
        for old, new in forgetting.logins.items():
            session.execute(update(model).where(attr == old).values({column: new}))
