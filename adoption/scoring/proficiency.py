"""Proficiency of people on days: the score of e on day d for a set of people (`scores_on`), one
employee's proficiency as the API shows it, when each person first reached a level, and what the
next level up takes (`next_level`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypedDict

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from adoption.models import DailyUsage, Employee, Feature, ScoreSnapshot, Site, SnapshotState
from adoption.scoring.components import round_half_up, score_frame, score_or_none
from adoption.scoring.rules import LEVELS, NOT_STARTED, PROFICIENT_LEVELS, ScoringRules


@dataclass(frozen=True)
class DayScore:
    """One person's score on one day, with the evidence its level rests on."""

    employee_id: int
    day: date
    score: float | None  # None: Not started (no core attempt in the window)
    level: str
    core_attempts: int


# One score_frame over the days' whole span is cheaper than one frame per distinct day (each call
# re-reads 28 days of rollups) until people × span grows past this many person-days.
SPAN_BUDGET = 2_000_000
# Ids per IN list (well under every driver's parameter limit).
ID_CHUNK = 5000


def scores_on(session: Session, days: dict[int, date], rules: ScoringRules) -> dict[int, DayScore]:
    """The score of each employee on their own day (`days`: employee id → local day).

    The one rule for "score of e on day d": computed from the rollups by `score_frame` over the
    28-day window ending on d. People of a site share a day; when the days differ (an
    improvement baseline, badge evidence) one frame covers their span while that stays small."""
    if not days:
        return {}
    first, last = min(days.values()), max(days.values())
    if first != last and len(days) * ((last - first).days + 1) <= SPAN_BUDGET:
        return _pick_days(score_frame(session, sorted(days), first, last, rules), days)
    by_day: dict[date, list[int]] = {}
    for eid, day in days.items():
        by_day.setdefault(day, []).append(eid)
    out: dict[int, DayScore] = {}
    for day, ids in sorted(by_day.items()):
        out.update(_pick_days(score_frame(session, sorted(ids), day, day, rules), days))
    return out


def _pick_days(frame, days: dict[int, date]) -> dict[int, DayScore]:
    """The rows of `frame` on each employee's own day."""
    mine = frame[frame["day"].to_numpy() == frame["employee_id"].map(days).to_numpy()]
    return {
        int(r.employee_id): DayScore(
            int(r.employee_id), r.day, score_or_none(r.score), str(r.level), int(r.core_attempts)
        )
        for r in mine.itertuples(index=False)
    }


def first_active_days(session: Session, employee_ids: list[int]) -> dict[int, date]:
    """Each employee's first day with a success (ID_CHUNK ids per query; the rollup's key leads
    with the employee)."""
    du, out = DailyUsage, {}
    for start in range(0, len(employee_ids), ID_CHUNK):
        rows = session.execute(
            select(du.employee_id, func.min(du.local_day))
            .where(du.employee_id.in_(employee_ids[start : start + ID_CHUNK]), du.successes > 0)
            .group_by(du.employee_id)
        )
        out.update(dict(rows.all()))
    return out


def stored_first_active_days(
    session: Session, employee_ids: list[int], version: int, coverage: Coverage | None = None
) -> dict[int, date]:
    """`first_active_days`, read from fresh snapshot coverage where there is one (snapshots
    start on the first active day); the rest from the rollups."""
    if coverage is None:
        coverage = snapshot_coverage(session, employee_ids, version)
    out = {eid: coverage[eid][0] for eid in employee_ids if eid in coverage}
    out.update(first_active_days(session, [eid for eid in employee_ids if eid not in out]))
    return out


def proficient_since_map(
    session: Session, employee_ids: list[int], as_of: date, rules: ScoringRules
) -> dict[int, date | None]:
    """Earliest day ≤ as_of at Proficient or above, checking every calendar day; never resets."""
    return first_day_at(session, employee_ids, as_of, rules, PROFICIENT_LEVELS)


def first_day_at(
    session: Session,
    employee_ids: list[int],
    as_of: date,
    rules: ScoringRules,
    levels: frozenset[str],
) -> dict[int, date | None]:
    """Earliest day ≤ as_of whose level is one of `levels`, checking every calendar day.

    Fresh stored snapshots answer for the days they cover; the days after are computed.
    """
    result: dict[int, date | None] = dict.fromkeys(employee_ids)
    first = first_active_days(session, employee_ids)
    covered = _snapshot_coverage(session, employee_ids, as_of, rules, levels)
    pending: dict[date, list[int]] = {}
    for eid in employee_ids:
        if eid not in first:
            continue
        hit, through = covered.get(eid, (None, None))
        if hit is not None:
            result[eid] = hit
            continue
        start = first[eid] if through is None else max(first[eid], through + timedelta(days=1))
        if start <= as_of:
            pending.setdefault(start, []).append(eid)
    for start, block in pending.items():
        frame = score_frame(session, block, start, as_of, rules)
        hits = frame[frame["level"].isin(list(levels))]
        for eid, day in hits.groupby("employee_id")["day"].min().items():
            result[int(eid)] = day
    return result


def _snapshot_coverage(session, employee_ids, as_of, rules, levels):
    """Per employee with fresh snapshots on or before as_of: (first day at `levels` among them,
    the last of them)."""
    coverage = snapshot_coverage(session, employee_ids, rules.version)
    covered = sorted(eid for eid, (first, _last) in coverage.items() if first <= as_of)
    snap = ScoreSnapshot
    hits: dict[int, date] = {}
    for start in range(0, len(covered), ID_CHUNK):
        rows = session.execute(
            select(snap.employee_id, func.min(snap.day))
            .where(
                snap.employee_id.in_(covered[start : start + ID_CHUNK]),
                snap.config_version == rules.version,
                snap.day <= as_of,
                snap.level.in_(list(levels)),
            )
            .group_by(snap.employee_id)
        )
        hits.update(dict(rows.all()))
    return {eid: (hits.get(eid), min(coverage[eid][1], as_of)) for eid in covered}


def fresh_snapshot_employees(
    session: Session, employee_ids: list[int] | None, version: int
) -> set[int]:
    """Employees whose stored snapshots were all computed after the last change to what scores
    rest on: the feature catalog (core, expected times, aliases: `Feature.scores_changed_at`),
    the person, their home site.
    Stale ones are recomputed by the snapshot job and, until then, computed on the fly."""
    return set(snapshot_coverage(session, employee_ids, version))


Coverage = dict[int, tuple[date, date]]


def fresh_state_conditions(session: Session) -> list[ColumnElement[bool]]:
    """What makes a `snapshot_state` row fresh (`fresh_snapshot_employees` has the rule), for a
    query that joins the row's employee and home site."""
    state = SnapshotState
    conditions = [state.rebuilt_at >= Employee.updated_at, state.rebuilt_at >= Site.updated_at]
    catalog_changed = session.scalar(select(func.max(Feature.scores_changed_at)))
    if catalog_changed is not None:
        conditions.append(state.rebuilt_at >= catalog_changed)
    return conditions


def _fresh_states(session: Session, version: int):
    """SELECT of the `snapshot_state` rows of `version` that are fresh:
    (employee_id, first_day, through)."""
    state = SnapshotState
    return (
        select(state.employee_id, state.first_day, state.through)
        .join(Employee, Employee.id == state.employee_id)
        .join(Site, Site.id == Employee.site_id)
        .where(state.config_version == version, *fresh_state_conditions(session))
    )


def _read_states(session: Session, stmt, employee_ids: list[int] | None) -> list[tuple]:
    if employee_ids is None:
        return session.execute(stmt).all()
    rows = []
    for start in range(0, len(employee_ids), ID_CHUNK):
        chunk = employee_ids[start : start + ID_CHUNK]
        rows += session.execute(stmt.where(SnapshotState.employee_id.in_(chunk))).all()
    return rows


def snapshot_coverage(session: Session, employee_ids: list[int] | None, version: int) -> Coverage:
    """Employee → (first day, last day) their fresh stored snapshots cover (every day between);
    employees without fresh snapshots are absent (`fresh_snapshot_employees` has the rule)."""
    stmt = _fresh_states(session, version).where(SnapshotState.first_day.is_not(None))
    return {eid: (first, last) for eid, first, last in _read_states(session, stmt, employee_ids)}


def fresh_unused(session: Session, employee_ids: list[int] | None, version: int) -> set[int]:
    """Employees the snapshot job found without any usage at all, and nothing changed since
    (the state has no first day). Their score is the no-usage score until their first event,
    which makes them dirty for the job's next run."""
    stmt = _fresh_states(session, version).where(SnapshotState.first_day.is_(None))
    return {eid for eid, _first, _last in _read_states(session, stmt, employee_ids)}


def stored_scores_on(
    session: Session,
    days: dict[int, date],
    rules: ScoringRules,
    on_rollups: dict[int, UsageMark] | None = None,
    coverage: Coverage | None = None,
) -> dict[int, DayScore]:
    """`scores_on`, read from fresh stored snapshots where they cover the day; the rest computed.

    Boards call this: after the snapshot job has run, a board of any size reads one stored row
    per person instead of 28 days of rollups. Snapshots are the same `score_frame` numbers; they
    lag late events until the job's next run, as points lag until the points job's. So do people
    the job found without any usage (`fresh_unused`), and people asked about a day before the
    first active day the job found (a board of a period before they started), both scored from
    their empty rollups. Everyone
    else scored from the rollups is added to `on_rollups` with the `usage_marks` of their rollups,
    read before the scores are: a caller caching the answer keeps it while those marks stay
    the same (any new event of those people changes them). `coverage` (`snapshot_coverage` of
    at least these people) saves reading it again.
    """
    if not days:
        return {}
    if coverage is None:
        coverage = snapshot_coverage(session, list(days), rules.version)
    covered = [eid for eid, day in days.items() if eid in coverage and _within(day, coverage[eid])]
    out: dict[int, DayScore] = {}
    snap = ScoreSnapshot
    by_day: dict[date, list[int]] = {}
    for eid in covered:
        by_day.setdefault(days[eid], []).append(eid)
    for day, ids in by_day.items():
        stmt = select(snap.employee_id, snap.score, snap.level, snap.core_attempts).where(
            snap.config_version == rules.version, snap.day == day
        )
        wanted = set(ids)
        if len(ids) <= ID_CHUNK:
            stmt = stmt.where(snap.employee_id.in_(ids))
        for eid, score, level, attempts in session.execute(stmt):
            if eid in wanted:
                out[eid] = DayScore(eid, day, score_or_none(score), level, int(attempts))
    missing = {eid: day for eid, day in days.items() if eid not in out}
    if on_rollups is not None and missing:
        unmarked = [eid for eid in missing if eid not in on_rollups]
        unused = fresh_unused(session, unmarked, rules.version)  # follow the job, like snapshots
        # So do people asked about a day before the first active day the job found them at.
        unused |= {e for e in unmarked if e in coverage and days[e] < coverage[e][0]}
        watch = [eid for eid in unmarked if eid not in unused]
        on_rollups.update(usage_marks(session, watch))  # before the scores: no race
    out.update(scores_on(session, missing, rules))
    return out


#: What a person's rollups hold: (rows, successes, errors). Ingest only ever adds to each.
UsageMark = tuple[int, int, int]
NO_USAGE: UsageMark = (0, 0, 0)


def usage_marks(session: Session, employee_ids: list[int]) -> dict[int, UsageMark]:
    """Each employee's `UsageMark` (NO_USAGE without any rollup row); ID_CHUNK ids a query."""
    du = DailyUsage
    out = dict.fromkeys(employee_ids, NO_USAGE)
    for start in range(0, len(employee_ids), ID_CHUNK):
        rows = session.execute(
            select(du.employee_id, func.count(), func.sum(du.successes), func.sum(du.errors))
            .where(du.employee_id.in_(employee_ids[start : start + ID_CHUNK]))
            .group_by(du.employee_id)
        )
        out.update({eid: (int(n), int(ok), int(err)) for eid, n, ok, err in rows})
    return out


def _within(day: date, span: tuple[date, date]) -> bool:
    return span[0] <= day <= span[1]


class Components(TypedDict):
    breadth: float
    accuracy: float
    speed: float
    consistency: float


class Proficiency(TypedDict):
    """The contract's proficiency object (components to 4 decimals, the score to 2)."""

    user_id: str
    as_of: date
    score: float | None  # None: Not started
    level: str
    components: Components
    core_attempts: int
    proficient_since: date | None
    config_version: int


def employee_proficiency(
    session: Session, employee: Employee, as_of: date, rules: ScoringRules
) -> Proficiency:
    """The contract's proficiency object for one person on one day."""
    row = score_frame(session, [employee.id], as_of, as_of, rules).iloc[0]
    since = proficient_since_map(session, [employee.id], as_of, rules)[employee.id]
    comps = {
        k: float(round_half_up(row[k], 4)) for k in ("breadth", "accuracy", "speed", "consistency")
    }
    return {
        "user_id": employee.external_id,
        "as_of": as_of,
        "score": score_or_none(row["score"]),
        "level": str(row["level"]),
        "components": comps,
        "core_attempts": int(row["core_attempts"]),
        "proficient_since": since,
        "config_version": rules.version,
    }


def employee_history(
    session: Session, employee: Employee, first_day: date, last_day: date, rules: ScoringRules
) -> list[dict]:
    frame = score_frame(session, [employee.id], first_day, last_day, rules)
    return [
        {"day": r.day, "score": score_or_none(r.score), "level": str(r.level)}
        for r in frame.itertuples(index=False)
    ]


@dataclass(frozen=True)
class NextLevel:
    """The level above a person's current one and what reaching it takes."""

    level: str
    at: float  # the score the level starts at
    score_needed: float  # points still missing (0 when the score is already there)
    attempts_needed: int  # core attempts still missing (Proficient and Expert only)


def next_level(
    score: float | None, level: str, core_attempts: int, rules: ScoringRules
) -> NextLevel | None:
    """The next level up in the order Novice < Developing < Proficient < Expert, or None at
    Expert. Proficient and Expert also need ≥ `rules.min_core_attempts` core attempts in the
    window, so someone scoring enough without that evidence still has Proficient ahead. Not
    started (no score) is below Novice: Developing is ahead, the whole way from 0."""
    thresholds = rules.level_thresholds()
    if level == NOT_STARTED or score is None:
        level, score = LEVELS[0], 0.0
    current = LEVELS.index(level)
    if current == len(LEVELS) - 1:
        return None
    name = LEVELS[current + 1]
    needs_evidence = name in PROFICIENT_LEVELS
    return NextLevel(
        level=name,
        at=thresholds[name],
        score_needed=float(round_half_up(max(0.0, thresholds[name] - score), 2)),
        attempts_needed=max(0, rules.min_core_attempts - core_attempts) if needs_evidence else 0,
    )
