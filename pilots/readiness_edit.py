"""Editing one readiness rule where it stands: change its fields, or switch it off and on.

Both are `pilots.readiness_rules.replace_rules` of the stored set with that one rule changed, so
the checks, the audit and the "an identical rule keeps its id" rule are the set's own: switching
a rule off or on keeps its id; a rule whose metric, comparison, threshold, weeks or scope change
is a new rule (a new id, audited as added, the old one as removed).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from adoption.errors import NotFound
from pilots.readiness_rules import FIELDS, checked_rule, list_rules, replace_rules

STORED = (*FIELDS, "enabled")


def update_rule(session: Session, rule_id: int, values: dict, *, now: datetime, actor: str) -> dict:
    """Rule `rule_id` with `values` (some of its fields) changed, the others kept; Invalid
    names the bad fields as `checked_rule` does, NotFound an unknown id."""
    rules = [_stored(r) for r in list_rules(session)]
    current = _find(rules, rule_id)
    edited = checked_rule({**current, **values})
    wanted = [edited if r is current else r for r in rules]
    stored = replace_rules(session, wanted, now=now, actor=actor)
    return _match(stored, edited, keep=rule_id)


def set_enabled(
    session: Session, rule_id: int, enabled: bool, *, now: datetime, actor: str
) -> dict:
    """Rule `rule_id` switched on or off (its id kept); NotFound an unknown id."""
    return update_rule(session, rule_id, {"enabled": enabled}, now=now, actor=actor)


def _stored(rule: dict) -> dict:
    return {"id": rule["id"], **{f: rule[f] for f in STORED}}


def _find(rules: list[dict], rule_id: int) -> dict:
    found = next((r for r in rules if r["id"] == rule_id), None)
    if found is None:
        raise NotFound(f"No readiness rule {rule_id}.", {"id": rule_id})
    return found


def _match(stored: list[dict], rule: dict, *, keep: int) -> dict:
    """The stored rule with these fields: the one of id `keep` if it still is, else the new one
    (the highest id, as a rule added now is)."""
    same = [r for r in stored if all(r[f] == rule[f] for f in STORED)]
    return next((r for r in same if r["id"] == keep), max(same, key=lambda r: r["id"]))
