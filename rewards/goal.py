"""The next goal on /me (and GET /employees/{id}/progress): what is missing for the next level,
the badges still to earn, and the score's trend over the last 8 weeks.

- **Missing core features**: each core feature (after aliasing) with fewer than the scoring
  config's `breadth_min_successes` successes in the scoring window ending on `as_of` (the home
  site's yesterday), with its title (the action when it has none), the successes so far and how
  many more breadth needs. Breadth is 35 % of the score, so these are the quickest points.
- **Progress to the next level**: the score as a share of the next level's threshold (0 when
  Not started, 1 when only core attempts are missing), from `next_level`.
- **Badges to earn**: every badge of the catalog the person does not hold, with its criterion.
- **Trend**: the score on `as_of` and on each of the 7 days a week, two weeks, … before it
  (8 points, oldest first; None where Not started), from one `score_frame` over the span.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adoption.ingest.registry import canonical_map
from adoption.masterdata.cards import feature_title
from adoption.models import DailyUsage, Employee, Feature
from adoption.scoring.components import score_frame, score_or_none
from adoption.scoring.cube import core_catalog
from adoption.scoring.proficiency import NextLevel
from adoption.scoring.rules import ScoringRules
from rewards.badges import BADGES
from rewards.models import BadgeAward

TREND_WEEKS = 8


def missing_core(
    session: Session,
    employee: Employee,
    as_of: date,
    rules: ScoringRules,
    locale: str | None = None,
) -> list[dict]:
    """Core features with fewer than `breadth_min_successes` successes in the window ending on
    `as_of`, fewest first, then by title (in `locale` when given, `feature_title`)."""
    core = core_catalog(session).feature_ids
    if not core:
        return []
    canonical = canonical_map(session)
    first = as_of - timedelta(days=rules.window_days - 1)
    rows = session.execute(
        select(DailyUsage.feature_id, func.sum(DailyUsage.successes))
        .where(
            DailyUsage.employee_id == employee.id,
            DailyUsage.local_day >= first,
            DailyUsage.local_day <= as_of,
        )
        .group_by(DailyUsage.feature_id)
    )
    done: dict[int, int] = {}
    for fid, successes in rows:
        key = canonical.get(fid, fid)
        done[key] = done.get(key, 0) + int(successes or 0)
    names = {
        f.id: (f.action, f.title if locale is None else feature_title(f, locale))
        for f in session.scalars(select(Feature).where(Feature.id.in_(core)))
    }
    need = rules.breadth_min_successes
    out = [
        {
            "action": names[fid][0],
            "title": names[fid][1] or names[fid][0],
            "successes": done.get(fid, 0),
            "needed": need - done.get(fid, 0),
        }
        for fid in core
        if done.get(fid, 0) < need
    ]
    return sorted(out, key=lambda m: (m["successes"], m["title"].lower(), m["action"]))


def badges_to_earn(session: Session, employee: Employee) -> list[dict]:
    """The catalog's badges the person does not hold, in catalog order, with their criterion."""
    held = set(
        session.scalars(select(BadgeAward.badge).where(BadgeAward.employee_id == employee.id))
    )
    return [
        {"badge": b.name, "title": b.title, "criterion": b.criterion}
        for b in BADGES
        if b.name not in held
    ]


def score_trend(
    session: Session, employee: Employee, as_of: date, rules: ScoringRules
) -> list[dict]:
    """The score on as_of − 7k days for k = 7 … 0 (oldest first); None where Not started."""
    first = as_of - timedelta(days=7 * (TREND_WEEKS - 1))
    frame = score_frame(session, [employee.id], first, as_of, rules)
    wanted = {as_of - timedelta(days=7 * k) for k in range(TREND_WEEKS)}
    return [
        {"day": r.day, "score": score_or_none(r.score)}
        for r in frame.itertuples(index=False)
        if r.day in wanted
    ]


def level_progress(score: float | None, nxt: NextLevel | None) -> float:
    """The score as a share of the next level's threshold, 0 to 1 (1 at the top level)."""
    if nxt is None:
        return 1.0
    if score is None or nxt.at <= 0:
        return 0.0
    return max(0.0, min(1.0, score / nxt.at))


def next_goal(
    session: Session,
    employee: Employee,
    as_of: date,
    rules: ScoringRules,
    score: float | None,
    nxt: NextLevel | None,
    locale: str | None = None,
) -> dict:
    """Everything /me shows under "Your next goal" (feature titles in `locale` when given)."""
    return {
        "level_progress": round(level_progress(score, nxt), 4),
        "missing_core": missing_core(session, employee, as_of, rules, locale),
        "badges_to_earn": badges_to_earn(session, employee),
        "trend": score_trend(session, employee, as_of, rules),
    }
