"""How each badge's criterion is checked and its evidence computed, from rollups and scores.

Every function takes the employees still without the badge and returns, for those who meet the
criterion on some day ≤ as_of, the first such day (the award day) and the evidence to store.
Nothing here reads raw events: daily_usage, score snapshots and
`adoption.scoring.proficiency.scores_on` only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adoption.ingest.registry import canonical_map
from adoption.models import DailyUsage, Employee, Feature
from adoption.scoring.cube import core_catalog
from adoption.scoring.proficiency import first_day_at, proficient_since_map, scores_on
from adoption.scoring.rules import ScoringRules

Found = dict[int, tuple[date, dict]]  # employee id → (award day, evidence)

CHUNK = 500
STREAK_DAYS = 10
ERROR_FREE_MIN_SUCCESSES = 20


def chunks(ids: Iterable[int], size: int = CHUNK) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def _level_evidence(session, since: dict[int, date | None], rules, key: str) -> Found:
    reached = {eid: day for eid, day in since.items() if day is not None}
    scores = scores_on(session, reached, rules)
    return {
        eid: (
            day,
            {key: day.isoformat(), "score": scores[eid].score, "config_version": rules.version},
        )
        for eid, day in reached.items()
    }


EXPERT = frozenset({"Expert"})


def proficient(session: Session, ids: list[int], as_of: date, rules: ScoringRules) -> Found:
    """Proficient or above on some day ≤ as_of: the proficient-since day and that day's score."""
    since = proficient_since_map(session, ids, as_of, rules) if ids else {}
    return _level_evidence(session, since, rules, "proficient_since")


def expert(session: Session, ids: list[int], as_of: date, rules: ScoringRules) -> Found:
    """Expert on some day ≤ as_of: the first such day and its score."""
    since = expert_since_map(session, ids, as_of, rules) if ids else {}
    return _level_evidence(session, since, rules, "expert_since")


def expert_since_map(
    session: Session, ids: list[int], as_of: date, rules: ScoringRules
) -> dict[int, date | None]:
    """The first day at Expert, found like proficient-since (fresh snapshots, then computed)."""
    return first_day_at(session, ids, as_of, rules, EXPERT)


def explorer(session: Session, ids: list[int], as_of: date, rules: ScoringRules) -> Found:
    """Every core feature (is_core now, after aliasing) with ≥ 1 success, at any site, ever.

    Awarded on the day the last of them was first used; nobody earns it without core features.
    """
    core = core_catalog(session).feature_ids
    if not core or not ids:
        return {}
    canonical = canonical_map(session)
    actions = dict(session.execute(select(Feature.id, Feature.action)).all())
    first: dict[int, dict[int, date]] = {}
    du = DailyUsage
    for block in chunks(ids):
        rows = session.execute(
            select(du.employee_id, du.feature_id, func.min(du.local_day))
            .where(du.employee_id.in_(block), du.successes > 0, du.local_day <= as_of)
            .group_by(du.employee_id, du.feature_id)
        )
        for eid, fid, day in rows:
            seen = first.setdefault(eid, {})
            feature = canonical.get(fid, fid)
            seen[feature] = min(day, seen.get(feature, day))
    found: Found = {}
    for eid, seen in first.items():
        if all(f in seen for f in core):
            features = [{"action": actions[f], "first_success": seen[f].isoformat()} for f in core]
            found[eid] = (max(seen[f] for f in core), {"core_features": features})
    return found


def streak(session: Session, ids: list[int], as_of: date, rules: ScoringRules) -> Found:
    """Active on 10 consecutive working days of the home site, a working day being a day on
    which anyone had a success there. Days the site was idle neither count nor break a run."""
    if not ids:
        return {}
    people = select(Employee.id, Employee.site_id).where(Employee.id.in_(ids))
    homes = dict(session.execute(people).all())
    working = _site_days(session, set(homes.values()), as_of)
    found: Found = {}
    for block in chunks(ids):
        active = _active_days(session, block, as_of)
        for eid in block:
            run = _first_run(working.get(homes[eid], []), active.get(eid, set()))
            if run is not None:
                evidence = {"first_day": run[0].isoformat(), "last_day": run[-1].isoformat()}
                found[eid] = (run[-1], {**evidence, "working_days": len(run)})
    return found


def _first_run(working: list[date], active: set[date]) -> list[date] | None:
    run: list[date] = []
    for day in working:
        run = [*run, day] if day in active else []
        if len(run) == STREAK_DAYS:
            return run
    return None


def _site_days(session: Session, site_ids: set[int], as_of: date) -> dict[int, list[date]]:
    du = DailyUsage
    rows = session.execute(
        select(du.site_id, du.local_day)
        .where(du.site_id.in_(site_ids), du.local_day <= as_of)
        .group_by(du.site_id, du.local_day)
        .having(func.sum(du.successes) > 0)
        .order_by(du.site_id, du.local_day)
    )
    out: dict[int, list[date]] = {}
    for site, day in rows:
        out.setdefault(site, []).append(day)
    return out


def _active_days(session: Session, block: list[int], as_of: date) -> dict[int, set[date]]:
    du = DailyUsage
    rows = session.execute(
        select(du.employee_id, du.local_day)
        .where(du.employee_id.in_(block), du.local_day <= as_of)
        .group_by(du.employee_id, du.local_day)
        .having(func.sum(du.successes) > 0)
    )
    out: dict[int, set[date]] = {}
    for eid, day in rows:
        out.setdefault(eid, set()).add(day)
    return out


def error_free_week(session: Session, ids: list[int], as_of: date, rules: ScoringRules) -> Found:
    """A complete ISO week (Monday–Sunday local days, Sunday ≤ as_of) with ≥ 20 successes on
    core features and no error on any feature at any site. Awarded on that Sunday."""
    core = set(core_catalog(session).feature_ids)
    if not core or not ids:
        return {}
    weeks = _weekly_counts(session, ids, as_of, core)
    good = weeks[(weeks["core_successes"] >= ERROR_FREE_MIN_SUCCESSES) & (weeks["errors"] == 0)]
    found: Found = {}
    for row in good.sort_values("monday").drop_duplicates("employee_id").itertuples(index=False):
        sunday = row.monday + timedelta(days=6)
        evidence = {
            "week": f"{row.monday.isocalendar().year}-W{row.monday.isocalendar().week:02d}",
            "from": row.monday.isoformat(),
            "to": sunday.isoformat(),
            "core_successes": int(row.core_successes),
            "errors": 0,
        }
        found[int(row.employee_id)] = (sunday, evidence)
    return found


def _weekly_counts(session, ids, as_of: date, core: set[int]) -> pd.DataFrame:
    """Per employee and complete ISO week: core successes and errors of any feature."""
    last_sunday = as_of - timedelta(days=(as_of.weekday() + 1) % 7)
    canonical = canonical_map(session)
    du = DailyUsage
    records = []
    for block in chunks(ids):
        rows = session.execute(
            select(du.employee_id, du.local_day, du.feature_id, du.successes, du.errors).where(
                du.employee_id.in_(block), du.local_day <= last_sunday
            )
        )
        for eid, day, fid, succ, err in rows:
            is_core = canonical.get(fid, fid) in core
            monday = day - timedelta(days=day.weekday())
            records.append((eid, monday, succ if is_core else 0, err))
    frame = pd.DataFrame(records, columns=["employee_id", "monday", "core_successes", "errors"])
    return frame.groupby(["employee_id", "monday"], as_index=False).sum()
