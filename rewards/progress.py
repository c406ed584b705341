"""One employee's own progress (the clerk's /me, GET /employees/{id}/progress, `uptake report
progress`): score and level on the last complete day, the next level, points today and what is
left of each feature's daily cap today, badges, and the position on the home site's board.

- The score is `adoption.scoring.proficiency.employee_proficiency` on the home site's yesterday
  (the last complete day); each component's share of it is 100 × weight × value.
- The next level is `adoption.scoring.proficiency.next_level`.
- Points today are `rewards.points.desired_points` for today's events (so they show before the
  points job books them), per canonical feature that earns points. Points left today under a
  daily cap: cap − points earned today, never below 0 (`left_today`); None without a cap.
- The next goal (`rewards.goal.next_goal`): the core features still short of breadth's count,
  the badges not yet held, the score's 8-week trend.
- Positions: the home site's points board this week and this month (last week / last month when
  these have no complete day yet, as the team board falls back), with opted-out people revealed
  so an opted-out person still finds their own row; only this person's row is returned.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption.calendar import local_today
from adoption.errors import NotFound
from adoption.ingest.registry import canonical_map
from adoption.models import Employee, Feature
from adoption.scoring import proficiency
from adoption.scoring.proficiency import NextLevel, Proficiency, next_level
from adoption.scoring.rules import ScoringRules, load_rules
from rewards.badges import list_badges
from rewards.goal import next_goal
from rewards.leaderboards import ranked_board, resolve_scope
from rewards.points import desired_points
from rewards.team import period_choices

COMPONENTS = ("breadth", "accuracy", "speed", "consistency")


@dataclass(frozen=True)
class ComponentShare:
    name: str
    value: float  # the component, 0–1
    weight: float
    adds: float  # 100 × weight × value: its part of the score


@dataclass(frozen=True)
class FeaturePoints:
    action: str
    points: int  # per success
    cap: int | None  # daily cap; None: uncapped
    earned: int  # today
    left: int | None  # what the cap still allows today; None when uncapped


@dataclass(frozen=True)
class Position:
    label: str  # "This week", "Last month", …
    period: str  # 2026-W47, 2026-11
    rank: int | None  # None when not on the board
    points: int | None
    of: int  # people on the board
    site_id: str


@dataclass(frozen=True)
class Progress:
    user_id: str
    display_name: str
    site_id: str
    site_name: str
    today: date
    proficiency: Proficiency  # the contract's proficiency object, as of yesterday
    components: list[ComponentShare]
    next_level: NextLevel | None  # None at the top level
    points_today: int
    features: list[FeaturePoints]  # every feature that earns points, by action
    badges: list[dict]
    positions: list[Position]
    window_days: int
    min_core_attempts: int
    breadth_min_successes: int
    goal: dict  # `rewards.goal.next_goal`: missing core features, badges to earn, trend

    @property
    def capped(self) -> list[FeaturePoints]:
        return [f for f in self.features if f.cap is not None]


def progress_of(
    session: Session, employee_id: int, now: datetime, locale: str | None = None
) -> Progress:
    """`my_progress` of the employee with this internal id."""
    employee = session.get(Employee, employee_id)
    if employee is None:
        raise NotFound("No employee is linked to this login.", {"employee_id": employee_id})
    return my_progress(session, employee, now, locale)


def my_progress(
    session: Session, employee: Employee, now: datetime, locale: str | None = None
) -> Progress:
    """The person's progress; feature titles in `locale` when given (a page), else the
    catalog's default titles (the API, the CLI)."""
    site = employee.site
    today = local_today(site.timezone, now)
    rules = load_rules(session)
    score = proficiency.employee_proficiency(session, employee, today - timedelta(days=1), rules)
    features = points_today(session, employee, today)
    nxt = next_level(score["score"], score["level"], score["core_attempts"], rules)
    return Progress(
        user_id=employee.external_id,
        display_name=employee.display_name,
        site_id=site.code,
        site_name=site.name,
        today=today,
        proficiency=score,
        components=component_shares(score["components"], rules),
        next_level=nxt,
        points_today=sum(f.earned for f in features),
        features=features,
        badges=list_badges(session, employee),
        positions=board_positions(session, employee, today, now),
        window_days=rules.window_days,
        min_core_attempts=rules.min_core_attempts,
        breadth_min_successes=rules.breadth_min_successes,
        goal=next_goal(session, employee, score["as_of"], rules, score["score"], nxt, locale),
    )


def component_shares(values: dict, rules: ScoringRules) -> list[ComponentShare]:
    """Each component with its weight and what it adds to the score (the sum is the score)."""
    weights = {
        "breadth": rules.w_breadth,
        "accuracy": rules.w_accuracy,
        "speed": rules.w_speed,
        "consistency": rules.w_consistency,
    }
    return [
        ComponentShare(name, values[name], weights[name], 100 * weights[name] * values[name])
        for name in COMPONENTS
    ]


def left_today(cap: int | None, earned: int) -> int | None:
    """Points the daily cap still allows today: cap − earned, never below 0; None if uncapped."""
    return None if cap is None else max(0, cap - earned)


def points_today(session: Session, employee: Employee, today: date) -> list[FeaturePoints]:
    """Per canonical feature that earns points: today's points and what its cap leaves."""
    earned: dict[int, int] = defaultdict(int)
    for (_emp, _site, feature_id, _day), booking in desired_points(
        session, {(employee.id, today)}
    ).items():
        earned[feature_id] += booking.points
    canonical = canonical_map(session)
    return [
        FeaturePoints(
            f.action,
            f.points,
            f.daily_cap,
            earned.get(f.id, 0),
            left_today(f.daily_cap, earned.get(f.id, 0)),
        )
        for f in session.scalars(select(Feature).where(Feature.points > 0).order_by(Feature.action))
        if canonical.get(f.id, f.id) == f.id
    ]


def board_positions(
    session: Session, employee: Employee, today: date, now: datetime
) -> list[Position]:
    """Rank on the home site's points board this week and this month (the last ones when these
    have no complete day yet); only this person's own row is kept."""
    choices = {c.key: c for c in period_choices(today)}
    scope = resolve_scope(session, f"site:{employee.site.code}")
    out = []
    for current, previous in (("week", "last-week"), ("month", "last-month")):
        choice = choices[current] if choices[current].available else choices[previous]
        board = ranked_board(session, scope=scope, period=choice.value, metric="points", now=now)
        mine = next(((r, e) for r, e in board.ranked if e.employee_id == employee.id), None)
        out.append(
            Position(
                label=choice.label,
                period=board.period.label,
                rank=mine[0] if mine else None,
                points=mine[1].value if mine else None,
                of=len(board.ranked),
                site_id=employee.site.code,
            )
        )
    return out
