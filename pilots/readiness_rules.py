"""The readiness gate's rules: metric, comparison, threshold, N weeks, scope. Stored, not seeded.

Metrics, comparisons, scopes and threshold ranges are `pilots.measures`'s, shared with targets;
a rule names one of the catalog's fractions, so its threshold is 0 to 1.

No default rule set is created: a gate nobody configured answers no_go and says so, rather than
passing on thresholds nobody chose. Rules are edited one by one (`uptake pilots rules add|remove`)
or as a whole set (`PUT /api/v1/pilots/readiness/rules`); every change is audited.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption import audit
from adoption.errors import Invalid, NotFound
from pilots.measures import COMPARISONS, GATE_METRICS, SCOPES, threshold_errors
from pilots.models import ReadinessRule

METRICS = GATE_METRICS
MAX_WEEKS = 52
FIELDS = ("metric", "comparison", "threshold", "weeks", "scope")
SCOPE_WORDS = {"pilots": "every pilot site", "previous_wave": "every site of the previous wave"}


def rule_text(rule: dict) -> str:
    """The rule as people read it, e.g. 'adoption_rate >= 0.8 in each of the last 2 …'."""
    weeks = (
        "in the last complete week"
        if rule["weeks"] == 1
        else f"in each of the last {rule['weeks']} complete weeks"
    )
    return (
        f"{rule['metric']} {rule['comparison']} {rule['threshold']:g} {weeks} since go-live "
        f"at {SCOPE_WORDS[rule['scope']]}"
    )


def rule_dict(row: ReadinessRule) -> dict:
    rule = {"id": row.id, **{f: getattr(row, f) for f in FIELDS}, "enabled": row.enabled}
    return {**rule, "text": rule_text(rule)}


def list_rules(session: Session, *, enabled_only: bool = False) -> list[dict]:
    stmt = select(ReadinessRule).order_by(ReadinessRule.id)
    if enabled_only:
        stmt = stmt.where(ReadinessRule.enabled.is_(True))
    return [rule_dict(r) for r in session.scalars(stmt)]


def add_rule(session: Session, values: dict, *, now: datetime, actor: str) -> dict:
    rule = checked_rule(values)
    row = ReadinessRule(**rule, created_at=now)
    session.add(row)
    session.flush()
    _audit(session, "readiness_rule.add", row, now=now, actor=actor)
    return rule_dict(row)


def remove_rule(session: Session, rule_id: int, *, now: datetime, actor: str) -> dict:
    row = session.get(ReadinessRule, rule_id)
    if row is None:
        raise NotFound(f"No readiness rule {rule_id}.", {"id": rule_id})
    removed = rule_dict(row)
    _audit(session, "readiness_rule.remove", row, now=now, actor=actor)
    session.delete(row)
    session.flush()
    return removed


def replace_rules(session: Session, rules: list[dict], *, now: datetime, actor: str) -> list[dict]:
    """The stored set becomes `rules`; an identical rule keeps its id (a repeated PUT: no-op)."""
    errors: dict[str, list[str]] = {}
    wanted = []
    for i, values in enumerate(rules):
        try:
            wanted.append(checked_rule(values))
        except Invalid as exc:
            errors.update({f"{i}.{k}": v for k, v in exc.details.items()})
    if errors:
        raise Invalid(errors)
    stored = list(session.scalars(select(ReadinessRule).order_by(ReadinessRule.id)))
    for rule in wanted:
        match = next((r for r in stored if _same(r, rule)), None)
        if match is None:
            row = ReadinessRule(**rule, created_at=now)
            session.add(row)
            session.flush()
            _audit(session, "readiness_rule.add", row, now=now, actor=actor)
            continue
        stored.remove(match)
        if match.enabled != rule["enabled"]:
            match.enabled = rule["enabled"]
            _audit(session, "readiness_rule.enabled", match, now=now, actor=actor)
    for row in stored:
        _audit(session, "readiness_rule.remove", row, now=now, actor=actor)
        session.delete(row)
    session.flush()
    return list_rules(session)


def checked_rule(values: dict) -> dict:
    """The rule's stored fields, or Invalid with a message per bad field."""
    errors: dict[str, list[str]] = {}
    unknown = set(values) - {*FIELDS, "enabled", "id", "text"}
    errors.update({k: ["Unknown field."] for k in sorted(unknown)})
    for field, allowed in (("metric", METRICS), ("comparison", COMPARISONS), ("scope", SCOPES)):
        if values.get(field) not in allowed:
            errors[field] = [f"Must be one of: {', '.join(allowed)}."]
    threshold = values.get("threshold")
    if problems := threshold_errors(values.get("metric"), threshold):
        errors["threshold"] = problems
    weeks = values.get("weeks")
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= MAX_WEEKS:
        errors["weeks"] = [f"Must be a whole number from 1 to {MAX_WEEKS}."]
    enabled = values.get("enabled", True)
    if not isinstance(enabled, bool):
        errors["enabled"] = ["Must be true or false."]
    if errors:
        raise Invalid(errors)
    return {**{f: values[f] for f in FIELDS}, "threshold": float(threshold), "enabled": enabled}


def _same(row: ReadinessRule, rule: dict) -> bool:
    return all(getattr(row, f) == rule[f] for f in FIELDS)


def _audit(session: Session, action: str, row: ReadinessRule, *, now: datetime, actor: str):
    audit.record(
        session,
        actor=actor,
        action=action,
        target_type="readiness_rule",
        target=str(row.id),
        now=now,
        details={f: getattr(row, f) for f in (*FIELDS, "enabled")},
    )
