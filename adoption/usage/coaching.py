"""Who needs help at a site, as of a day `last` (the manager's board uses the site's yesterday).

The team is the site's rostered employees whose home site it is and who are employed on `last`
(`adoption.calendar.employed_sql`). Each team member is in at most one of four lists, the first
that applies in this order (the precedence):

1. **Never started**: no success event (any feature, any site) from their start to `last`. Their
   start is the later of the site's `go_live_on` and their `hired_on` (one of them when the other
   is null; when both are null every day up to `last` counts). Successes before the start do not
   count: trying the system before go-live is not using it. A site that goes live after `last`
   lists nobody here (nobody was due to start yet). Each keeps the hire date, the days from it to
   `last` and the days from the start to `last` (both counted). Sorted by user id.
2. **Struggling**: over the scoring window (`rules.window_days`, 28) ending on `last`, core
   accuracy smoothed as in the score, (successes + 1) ÷ (attempts + 2), is below 0.6
   (`STRUGGLING_ACCURACY`; exactly 0.6 is not struggling) with at least 5 core attempts
   (`STRUGGLING_MIN_ATTEMPTS`; below that one unlucky try is not a pattern). Sorted by accuracy,
   then user id. Someone who fails and then stops trying is listed here: the feature is what to
   fix.
3. **Dormant**: DESIGN.md's definition, `adoption.usage.insights.dormant_people` (a success in
   the 28 days before the last 7 days ending on `last`, none in those 7).
4. **Silent**: a success on some day up to `last`, none in the `silent_days` days ending on
   `last` (`SILENT_DAYS`, 28 by default, 7 to 365), and not dormant by the definition above
   (dormancy is the recent, narrower finding). Sorted by days silent (most first), then user id.

Every entry carries the feature the person fails on most (`worst_features`: the most errors,
ties to the higher error rate, then the action; in the scoring window for struggling and
dormant people, over every day up to `last` for silent and never-started ones; None without
errors) and a `Suggestion` (`suggest`): the feature's quick-reference card when it has one, else
a sentence for the group. Features are named by their title, or their action without one.

Opted-out people are listed by name: public-board anonymity is not about their manager. Who
sees whom by name is `adoption.usage.visible.visible_coaching` (docs/privacy.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adoption.calendar import employed_sql, yesterday
from adoption.errors import Invalid
from adoption.limits import Whole
from adoption.locales import N_, Text
from adoption.models import DailyUsage, Employee, Feature, Site
from adoption.scoring.components import score_frame
from adoption.scoring.rules import ScoringRules, load_rules
from adoption.usage.insights import dormant_people

STRUGGLING_ACCURACY = 0.6
STRUGGLING_MIN_ATTEMPTS = 5
SILENT_DAYS = 28
SILENT_DAYS_RANGE = Whole(7, 365)  # shorter is the dormant rule's business; longer, history
GROUPS = ("never_started", "struggling", "dormant", "silent")  # the precedence

# Suggestions are `Text`: English where read as a string (JSON, CLI), the reader's on a page.
FIRST_STEPS = N_("Show them the first steps at the till and stay with them for their first sale")
WATCH = N_("Watch them at the till and correct what goes wrong")
ASK_DORMANT = N_("Ask what changed since they last used it")
ASK_SILENT = N_("Ask whether something stops them using it")


@dataclass(frozen=True)
class WorstFeature:
    action: str
    errors: int
    attempts: int  # successes + errors
    title: str  # the feature's title; its action when it has none
    quick_reference_url: str | None


@dataclass(frozen=True)
class Suggestion:
    """What the manager could do: a short sentence, and the quick-reference card it names."""

    text: Text
    url: str | None = None


@dataclass(frozen=True)
class Dormant:
    user_id: str | None  # None: anonymous to the viewer (`adoption.usage.visible`)
    display_name: str
    last_active_day: date
    days_silent: int
    active_days_before: int
    measured: str
    feature: WorstFeature | None  # most errors in the scoring window
    suggestion: Suggestion
    employee_id: int = field(repr=False, compare=False)  # whom the row is about


@dataclass(frozen=True)
class Struggling:
    user_id: str | None
    display_name: str
    accuracy: float  # smoothed core accuracy over the window
    core_attempts: int
    feature: WorstFeature | None  # most errors in the scoring window
    suggestion: Suggestion
    employee_id: int = field(repr=False, compare=False)  # whom the row is about


@dataclass(frozen=True)
class Silent:
    user_id: str | None
    display_name: str
    last_active_day: date  # the last day with a success, up to `last`
    days_silent: int  # days from it to `last` (`last` − last_active_day)
    feature: WorstFeature | None  # most errors on any day up to `last`
    suggestion: Suggestion
    employee_id: int = field(repr=False, compare=False)  # whom the row is about


@dataclass(frozen=True)
class NeverStarted:
    user_id: str | None
    display_name: str
    hired_on: date | None
    days_employed: int | None  # days from hired_on to `last`, both counted; None if unknown
    since: date | None  # the later of go-live and hire date; None when both are unknown
    days_since: int | None  # days from `since` to `last`, both counted; None if unknown
    feature: WorstFeature | None  # most errors on any day up to `last`
    suggestion: Suggestion
    employee_id: int = field(repr=False, compare=False)  # whom the row is about


@dataclass(frozen=True)
class Coaching:
    site_id: str  # the site's code
    as_of: date  # `last`
    window_from: date  # first day of the scoring window ending on `as_of`
    window_days: int
    struggling_accuracy: float
    struggling_min_attempts: int
    silent_days: int
    dormant: list[Dormant]
    struggling: list[Struggling]
    silent: list[Silent]
    never_started: list[NeverStarted]


def site_coaching(
    session: Session, site: Site, now: datetime, silent_days: int = SILENT_DAYS
) -> Coaching:
    """`coaching` as of the site's yesterday (the last complete day there), active rules."""
    return coaching(session, site, yesterday(site.timezone, now), load_rules(session), silent_days)


def coaching(
    session: Session,
    site: Site,
    last: date,
    rules: ScoringRules,
    silent_days: int = SILENT_DAYS,
) -> Coaching:
    """The four disjoint lists of the site's team employed on `last` (module docstring)."""
    if not SILENT_DAYS_RANGE.holds(silent_days):
        raise Invalid({"silent_days": [SILENT_DAYS_RANGE.rule]})
    team = {
        e.id: e
        for e in session.scalars(
            select(Employee).where(
                Employee.site_id == site.id, Employee.rostered.is_(True), employed_sql(last)
            )
        )
    }
    first = last - timedelta(days=rules.window_days - 1)
    never = never_started(session, site, team, last)
    taken = {n.employee_id for n in never}
    hard = [s for s in struggling(session, team, last, rules) if s.employee_id not in taken]
    taken |= {s.employee_id for s in hard}
    dormant_all = [
        (person.employee_id, d)
        for person, d in dormant_people(session, {site.id}, last)
        if person.employee_id in team
    ]
    dormant_ids = [eid for eid, _ in dormant_all if eid not in taken]
    worst = worst_features(session, dormant_ids, first, last)
    dormant = [
        Dormant(
            d["user_id"],
            d["display_name"],
            d["last_active_day"],
            d["days_silent"],
            d["active_days_before"],
            d["measured"],
            worst.get(eid),
            suggest("dormant", worst.get(eid)),
            eid,
        )
        for eid, d in dormant_all
        if eid not in taken
    ]
    taken |= {eid for eid, _ in dormant_all}  # dormant by definition is never silent
    return Coaching(
        site_id=site.code,
        as_of=last,
        window_from=first,
        window_days=rules.window_days,
        struggling_accuracy=STRUGGLING_ACCURACY,
        struggling_min_attempts=STRUGGLING_MIN_ATTEMPTS,
        silent_days=silent_days,
        dormant=dormant,
        struggling=hard,
        silent=silent(
            session, {k: v for k, v in team.items() if k not in taken}, last, silent_days
        ),
        never_started=never,
    )


def suggest(group: str, feature: WorstFeature | None) -> Suggestion:
    """The suggested action for a person of `group` failing most on `feature`: the feature's
    quick-reference card when it has one; else, for never started, the first steps at the till;
    struggling, that feature done together at the till (or being watched there, without one);
    dormant, asking what changed; silent, asking what stops them."""
    if feature is not None and feature.quick_reference_url:
        return Suggestion(
            N_(
                "Go through the quick-reference card for %(feature)s with them",
                feature=feature.title,
            ),
            feature.quick_reference_url,
        )
    if group == "never_started":
        return Suggestion(FIRST_STEPS)
    if group == "struggling":
        if feature is None:
            return Suggestion(WATCH)
        return Suggestion(
            N_("Do %(feature)s together with them at the till", feature=feature.title)
        )
    if group == "dormant":
        return Suggestion(ASK_DORMANT)
    if group == "silent":
        return Suggestion(ASK_SILENT)
    raise ValueError(f"unknown coaching group {group!r}")


def titled(result: Coaching, titles: Mapping[str, str]) -> Coaching:
    """`result` with each feature named by `titles` (action → title, e.g. a page's locale:
    `adoption.masterdata.cards.titles_by_action`) and the suggestions naming it reworded."""

    def row(item, group: str):
        f = item.feature
        if f is None or f.action not in titles:
            return item
        f = replace(f, title=titles[f.action])
        return replace(item, feature=f, suggestion=suggest(group, f))

    return replace(
        result,
        dormant=[row(r, "dormant") for r in result.dormant],
        struggling=[row(r, "struggling") for r in result.struggling],
        silent=[row(r, "silent") for r in result.silent],
        never_started=[row(r, "never_started") for r in result.never_started],
    )


def features_of(result: Coaching) -> set[str]:
    """The actions of every feature `result` names."""
    rows = [*result.dormant, *result.struggling, *result.silent, *result.never_started]
    return {r.feature.action for r in rows if r.feature is not None}


def is_struggling(accuracy: float, core_attempts: int) -> bool:
    """The struggling rule on one person's window figures."""
    return core_attempts >= STRUGGLING_MIN_ATTEMPTS and accuracy < STRUGGLING_ACCURACY


def struggling(
    session: Session, team: dict[int, Employee], last: date, rules: ScoringRules
) -> list[Struggling]:
    """Team members below the accuracy bar with enough core attempts in the scoring window."""
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
        Struggling(
            team[eid].external_id,
            team[eid].display_name,
            acc,
            n,
            worst.get(eid),
            suggest("struggling", worst.get(eid)),
            eid,
        )
        for eid, acc, n in low
    ]
    items.sort(key=lambda i: (i.accuracy, i.user_id))
    return items


def worst_features(
    session: Session, employee_ids: list[int], first: date | None, last: date
) -> dict[int, WorstFeature]:
    """Per employee, the feature with the most errors in [first, last] (any site; `first` None:
    every day up to `last`); ties: higher error rate, then action. None without errors."""
    if not employee_ids:
        return {}
    du = DailyUsage
    stmt = (
        select(
            du.employee_id,
            Feature.action,
            Feature.title,
            Feature.quick_reference_url,
            func.sum(du.errors),
            func.sum(du.successes),
        )
        .join(Feature, Feature.id == du.feature_id)
        .where(du.employee_id.in_(employee_ids), du.local_day <= last)
        .group_by(du.employee_id, Feature.action, Feature.title, Feature.quick_reference_url)
        .having(func.sum(du.errors) > 0)
    )
    if first is not None:
        stmt = stmt.where(du.local_day >= first)
    best: dict[int, WorstFeature] = {}
    for eid, action, title, url, errors, successes in session.execute(stmt):
        item = WorstFeature(action, int(errors), int(errors) + int(successes), title or action, url)
        if eid not in best or _rank(item) < _rank(best[eid]):
            best[eid] = item
    return best


def _rank(item: WorstFeature) -> tuple:
    return (-item.errors, -item.errors / item.attempts, item.action)


def start_of(site: Site, employee: Employee) -> date | None:
    """The day from which a team member is due to use the system: the later of the site's
    go-live and the hire date (whichever is known; None when neither is)."""
    known = [d for d in (site.go_live_on, employee.hired_on) if d is not None]
    return max(known) if known else None


def never_started(
    session: Session, site: Site, team: dict[int, Employee], last: date
) -> list[NeverStarted]:
    """Team members without a success (any feature, any site) from their start to `last`."""
    if not team or (site.go_live_on is not None and site.go_live_on > last):
        return []
    du = DailyUsage
    active = session.execute(
        select(du.employee_id, func.max(du.local_day))
        .where(du.employee_id.in_(list(team)), du.local_day <= last, du.successes > 0)
        .group_by(du.employee_id)
    ).all()
    last_success = dict(active)
    # Some success is on or after the start exactly when the latest one is.
    waiting = {
        eid: e
        for eid, e in team.items()
        if eid not in last_success
        or ((start := start_of(site, e)) is not None and last_success[eid] < start)
    }
    worst = worst_features(session, list(waiting), None, last)
    items = []
    for eid, e in waiting.items():
        start = start_of(site, e)
        items.append(
            NeverStarted(
                e.external_id,
                e.display_name,
                e.hired_on,
                None if e.hired_on is None else (last - e.hired_on).days + 1,
                start,
                None if start is None else (last - start).days + 1,
                worst.get(eid),
                suggest("never_started", worst.get(eid)),
                eid,
            )
        )
    items.sort(key=lambda i: i.user_id)
    return items


def silent(
    session: Session, candidates: dict[int, Employee], last: date, silent_days: int
) -> list[Silent]:
    """Among `candidates`, those whose last success up to `last` is at least `silent_days` days
    before it (none in the `silent_days` days ending on `last`)."""
    if not candidates:
        return []
    du = DailyUsage
    rows = session.execute(
        select(du.employee_id, func.max(du.local_day))
        .where(du.employee_id.in_(list(candidates)), du.local_day <= last, du.successes > 0)
        .group_by(du.employee_id)
    ).all()
    quiet = {eid: day for eid, day in rows if (last - day).days >= silent_days}
    worst = worst_features(session, list(quiet), None, last)
    items = [
        Silent(
            candidates[eid].external_id,
            candidates[eid].display_name,
            day,
            (last - day).days,
            worst.get(eid),
            suggest("silent", worst.get(eid)),
            eid,
        )
        for eid, day in quiet.items()
    ]
    items.sort(key=lambda i: (-i.days_silent, i.user_id))
    return items
