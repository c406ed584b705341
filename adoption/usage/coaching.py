"""Who needs help at a site, as of a day `last` (the manager's board uses the site's yesterday).

The team is the site's rostered employees whose home site it is and who are employed on `last`
(`adoption.calendar.employed_sql`). Among them:

- **Dormant**: DESIGN.md's definition, `adoption.usage.insights.dormant_employees` (a success in
  the 28 days before the last 7 days ending on `last`, none in those 7).
- **Struggling**: over the scoring window (`rules.window_days`, 28) ending on `last`, core
  accuracy smoothed as in the score, (successes + 1) ÷ (attempts + 2), is below 0.6
  (`STRUGGLING_ACCURACY`; exactly 0.6 is not struggling) with at least 5 core attempts
  (`STRUGGLING_MIN_ATTEMPTS`; below that one unlucky try is not a pattern). Each comes with the
  feature they had the most errors on in that window at any site (from the daily_usage rollup;
  ties: higher error rate, then action), or None. Sorted by accuracy, then user id.
- **Never started**: no core attempt (success or error on a core feature, or an alias of one) on
  any day up to `last`, at any site. Their only figure is the hire date and the days since.
  Sorted by user id.

The three lists are disjoint: a dormant person had successes, a struggling one core attempts.
Opted-out people are listed by name: public-board anonymity is not about their manager. Who
sees whom by name is `adoption.usage.visible.visible_coaching` (docs/privacy.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adoption.calendar import employed_sql, yesterday
from adoption.ingest.registry import canonical_map
from adoption.models import DailyUsage, Employee, Feature, Site
from adoption.scoring.components import score_frame
from adoption.scoring.cube import core_catalog
from adoption.scoring.rules import ScoringRules, load_rules
from adoption.usage.insights import dormant_people

STRUGGLING_ACCURACY = 0.6
STRUGGLING_MIN_ATTEMPTS = 5


@dataclass(frozen=True)
class Dormant:
    user_id: str | None  # None: anonymous to the viewer (`adoption.usage.visible`)
    display_name: str
    last_active_day: date
    days_silent: int
    active_days_before: int
    measured: str
    employee_id: int = field(repr=False, compare=False)  # whom the row is about


@dataclass(frozen=True)
class WorstFeature:
    action: str
    errors: int
    attempts: int  # successes + errors


@dataclass(frozen=True)
class Struggling:
    user_id: str | None
    display_name: str
    accuracy: float  # smoothed core accuracy over the window
    core_attempts: int
    feature: WorstFeature | None
    employee_id: int = field(repr=False, compare=False)  # whom the row is about


@dataclass(frozen=True)
class NeverStarted:
    user_id: str | None
    display_name: str
    hired_on: date | None
    days_employed: int | None  # days from hired_on to `last`, both counted; None if unknown
    employee_id: int = field(repr=False, compare=False)  # whom the row is about


@dataclass(frozen=True)
class Coaching:
    site_id: str  # the site's code
    as_of: date  # `last`
    window_from: date  # first day of the scoring window ending on `as_of`
    window_days: int
    struggling_accuracy: float
    struggling_min_attempts: int
    dormant: list[Dormant]
    struggling: list[Struggling]
    never_started: list[NeverStarted]


def site_coaching(session: Session, site: Site, now: datetime) -> Coaching:
    """`coaching` as of the site's yesterday (the last complete day there), active rules."""
    return coaching(session, site, yesterday(site.timezone, now), load_rules(session))


def coaching(session: Session, site: Site, last: date, rules: ScoringRules) -> Coaching:
    """Dormant, struggling and never-started people of the site's team employed on `last`."""
    team = {
        e.id: e
        for e in session.scalars(
            select(Employee).where(
                Employee.site_id == site.id, Employee.rostered.is_(True), employed_sql(last)
            )
        )
    }
    dormant = [
        Dormant(
            d["user_id"],
            d["display_name"],
            d["last_active_day"],
            d["days_silent"],
            d["active_days_before"],
            d["measured"],
            person.employee_id,
        )
        for person, d in dormant_people(session, {site.id}, last)
        if person.employee_id in team
    ]
    return Coaching(
        site_id=site.code,
        as_of=last,
        window_from=last - timedelta(days=rules.window_days - 1),
        window_days=rules.window_days,
        struggling_accuracy=STRUGGLING_ACCURACY,
        struggling_min_attempts=STRUGGLING_MIN_ATTEMPTS,
        dormant=dormant,
        struggling=struggling(session, team, last, rules),
        never_started=never_started(session, team, last),
    )


def is_struggling(accuracy: float, core_attempts: int) -> bool:
    """The struggling rule on one person's window figures."""
    return core_attempts >= STRUGGLING_MIN_ATTEMPTS and accuracy < STRUGGLING_ACCURACY


def struggling(
    session: Session, team: dict[int, Employee], last: date, rules: ScoringRules
) -> list[Struggling]:
    if not team:
        return []
    # The score's own accuracy component and core attempts on `last` (its smoothing, its window).
    frame = score_frame(session, list(team), last, last, rules)
    low = [
        (int(r.employee_id), float(r.accuracy), int(r.core_attempts))
        for r in frame.itertuples(index=False)
        if is_struggling(float(r.accuracy), int(r.core_attempts))
    ]
    if not low:
        return []
    first = last - timedelta(days=rules.window_days - 1)
    worst = worst_features(session, [eid for eid, _, _ in low], first, last)
    items = [
        Struggling(team[eid].external_id, team[eid].display_name, acc, n, worst.get(eid), eid)
        for eid, acc, n in low
    ]
    items.sort(key=lambda i: (i.accuracy, i.user_id))
    return items


def worst_features(
    session: Session, employee_ids: list[int], first: date, last: date
) -> dict[int, WorstFeature]:
    """Per employee, the feature with the most errors in [first, last] (any site)."""
    du = DailyUsage
    rows = session.execute(
        select(du.employee_id, Feature.action, func.sum(du.errors), func.sum(du.successes))
        .join(Feature, Feature.id == du.feature_id)
        .where(du.employee_id.in_(employee_ids), du.local_day >= first, du.local_day <= last)
        .group_by(du.employee_id, Feature.action)
        .having(func.sum(du.errors) > 0)
    ).all()
    best: dict[int, WorstFeature] = {}
    for eid, action, errors, successes in rows:
        item = WorstFeature(action, int(errors), int(errors) + int(successes))
        if eid not in best or _rank(item) < _rank(best[eid]):
            best[eid] = item
    return best


def _rank(item: WorstFeature) -> tuple:
    return (-item.errors, -item.errors / item.attempts, item.action)


def never_started(session: Session, team: dict[int, Employee], last: date) -> list[NeverStarted]:
    """Team members without any core attempt on or before `last`, at any site."""
    if not team:
        return []
    core = set(core_catalog(session).feature_ids)
    core |= {alias for alias, canonical in canonical_map(session).items() if canonical in core}
    du = DailyUsage
    started = set(
        session.scalars(
            select(du.employee_id)
            .where(
                du.employee_id.in_(list(team)),
                du.feature_id.in_(core),
                du.local_day <= last,
                du.successes + du.errors > 0,
            )
            .distinct()
        )
    )
    items = [
        NeverStarted(
            e.external_id,
            e.display_name,
            e.hired_on,
            None if e.hired_on is None else (last - e.hired_on).days + 1,
            eid,
        )
        for eid, e in team.items()
        if eid not in started
    ]
    items.sort(key=lambda i: i.user_id)
    return items
