"""Registers what events name but master data lacks: unrostered employees, unmapped actions.

Neither is an error (CONTRACT "Events"); both are inserted set-wise with ON CONFLICT DO NOTHING
so concurrent batches naming the same newcomer agree on one row: the second waits for the
first to commit, then skips the row and reads the first one's id. Newcomers are inserted in key
order (employees by external_key, features by action), like every other row the ingest
transaction writes, so two batches naming the same newcomers in different orders wait on each
other instead of deadlocking on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption.db import dialect_insert
from adoption.ingest.bulk import select_in
from adoption.models import Employee, Feature

MAX_ALIAS_HOPS = 5


@dataclass(frozen=True, slots=True)
class FeatureRef:
    feature_id: int
    canonical_id: int  # the feature this action counts as, after following alias_of


def module_of(action: str) -> str:
    return action.split(".", 1)[0]


def ensure_employees(
    session: Session, wanted: dict[str, tuple[str, int]], now: datetime
) -> dict[str, int]:
    """Map employee keys to ids; unknown keys become unrostered employees of the event's site."""
    found = _employee_ids(session, set(wanted))
    missing = sorted(key for key in wanted if key not in found)
    if missing:
        rows = [
            {
                "external_id": wanted[key][0],
                "external_key": key,
                "display_name": wanted[key][0],
                "site_id": wanted[key][1],
                "role": "staff",
                "rostered": False,
                "public_opt_out": False,
                "created_at": now,
                "updated_at": now,
            }
            for key in missing
        ]
        table = Employee.__table__
        session.execute(
            dialect_insert(session, table).on_conflict_do_nothing(index_elements=["external_key"]),
            rows,
        )
        found.update(_employee_ids(session, set(missing)))
    return found


def _employee_ids(session: Session, keys: set[str]) -> dict[str, int]:
    return dict(
        select_in(session, Employee.__table__, ("external_key", "id"), "external_key", keys)
    )


def ensure_features(session: Session, actions: set[str], now: datetime) -> dict[str, FeatureRef]:
    """Map actions to features; unknown actions become unmapped, non-core, 0-point features."""
    known = _features(session, actions)
    missing = sorted(a for a in actions if a not in known)
    if missing:
        rows = [
            {
                "action": action,
                "module": module_of(action),
                "is_core": False,
                "points": 0,
                "mapped": False,
                "created_at": now,
                "updated_at": now,
            }
            for action in missing
        ]
        table = Feature.__table__
        session.execute(
            dialect_insert(session, table).on_conflict_do_nothing(index_elements=["action"]),
            rows,
        )
        known.update(_features(session, set(missing)))
    return _resolve_aliases(session, known)


def _features(session: Session, actions: set[str]) -> dict[str, tuple[int, str | None]]:
    names = ("action", "id", "alias_of")
    rows = select_in(session, Feature.__table__, names, "action", actions)
    return {action: (fid, alias) for action, fid, alias in rows}


def _resolve_aliases(
    session: Session, known: dict[str, tuple[int, str | None]]
) -> dict[str, FeatureRef]:
    """Follow alias_of chains (bounded, cycle-safe); a dangling alias counts as itself."""
    catalog = dict(known)
    pending = {alias for _, alias in known.values() if alias and alias not in catalog}
    for _ in range(MAX_ALIAS_HOPS):
        if not pending:
            break
        fetched = _features(session, pending)
        catalog.update(fetched)
        pending = {a for _, a in fetched.values() if a and a not in catalog}
    refs = {}
    for action, (fid, _alias) in known.items():
        refs[action] = FeatureRef(fid, canonical_feature_id(action, catalog))
    return refs


def canonical_map(session: Session) -> dict[int, int]:
    """Every feature id → the id of the feature it counts as (for rebuilds and read models)."""
    rows = session.execute(select(Feature.action, Feature.id, Feature.alias_of))
    catalog = {action: (fid, alias) for action, fid, alias in rows}
    return {fid: canonical_feature_id(action, catalog) for action, (fid, _) in catalog.items()}


def canonical_feature_id(action: str, catalog: dict[str, tuple[int, str | None]]) -> int:
    """The id of the feature `action` counts as; stops at a cycle or a missing target."""
    seen = {action}
    current = action
    for _ in range(MAX_ALIAS_HOPS):
        alias = catalog[current][1]
        if not alias or alias in seen or alias not in catalog:
            break
        seen.add(alias)
        current = alias
    return catalog[current][0]
