""" "Who is stuck" on the manager's board: dormant people, and people who fail a lot.

Dormant is DESIGN.md's definition (`adoption.usage.insights.dormant_employees`). Struggling: over
the
28-day scoring window ending on the board's last day, core accuracy (smoothed, as in the score)
below 0.6 with at least 5 core attempts, shown with the feature they had the most errors on
(from the daily_usage rollup; ties: higher error rate, then action).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from adoption.models import DailyUsage, Employee, Feature, Site
from adoption.scoring.components import score_frame
from adoption.scoring.rules import ScoringRules
from adoption.usage.insights import dormant_employees

STRUGGLING_ACCURACY = 0.6
STRUGGLING_MIN_ATTEMPTS = 5  # below that, one unlucky try is not a pattern


def who_is_stuck(session: Session, site: Site, last: date, rules: ScoringRules) -> dict:
    """{"dormant": [...], "struggling": [...]} for the site's team employed on `last`."""
    team = {
        e.id: e
        for e in session.scalars(
            select(Employee).where(
                Employee.site_id == site.id,
                Employee.rostered.is_(True),
                or_(Employee.hired_on.is_(None), Employee.hired_on <= last),
                or_(Employee.left_on.is_(None), Employee.left_on >= last),
            )
        )
    }
    employed = {e.external_id for e in team.values()}
    dormant = [d for d in dormant_employees(session, {site.id}, last) if d["user_id"] in employed]
    return {"dormant": dormant, "struggling": struggling(session, team, last, rules)}


def struggling(
    session: Session, team: dict[int, Employee], last: date, rules: ScoringRules
) -> list[dict]:
    if not team:
        return []
    frame = score_frame(session, list(team), last, last, rules)
    low = frame[
        (frame["core_attempts"] >= STRUGGLING_MIN_ATTEMPTS)
        & (frame["accuracy"] < STRUGGLING_ACCURACY)
    ]
    if low.empty:
        return []
    first = last - timedelta(days=rules.window_days - 1)
    worst = worst_features(session, [int(i) for i in low["employee_id"]], first, last)
    items = []
    for row in low.itertuples(index=False):
        emp = team[int(row.employee_id)]
        items.append(
            {
                "user_id": emp.external_id,
                "display_name": emp.display_name,
                "accuracy": float(row.accuracy),
                "core_attempts": int(row.core_attempts),
                "feature": worst.get(emp.id),
            }
        )
    items.sort(key=lambda i: (i["accuracy"], i["user_id"]))
    return items


def worst_features(
    session: Session, employee_ids: list[int], first: date, last: date
) -> dict[int, dict]:
    """Per employee, the feature with the most errors in [first, last] (any site)."""
    du = DailyUsage
    rows = session.execute(
        select(du.employee_id, Feature.action, func.sum(du.errors), func.sum(du.successes))
        .join(Feature, Feature.id == du.feature_id)
        .where(du.employee_id.in_(employee_ids), du.local_day >= first, du.local_day <= last)
        .group_by(du.employee_id, Feature.action)
        .having(func.sum(du.errors) > 0)
    ).all()
    best: dict[int, dict] = {}
    for eid, action, errors, successes in rows:
        item = {"action": action, "errors": int(errors), "attempts": int(errors) + int(successes)}
        if eid not in best or _worse(item, best[eid]):
            best[eid] = item
    return best


def _worse(item: dict, than: dict) -> bool:
    def key(i: dict) -> tuple:
        return (-i["errors"], -i["errors"] / i["attempts"], i["action"])

    return key(item) < key(than)
