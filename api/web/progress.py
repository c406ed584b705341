"""An employee's own progress for /me: score and why, points today, badges, board position.

Every figure comes from a domain function: the score from `adoption.scoring.proficiency`
(yesterday, the
last complete day), today's points from `rewards.points.desired_points` (the events of today,
so they show before the points job books them), the position from the site's leaderboard.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption.calendar import local_today
from adoption.ingest.registry import canonical_map
from adoption.models import Employee, Feature
from adoption.scoring import proficiency
from adoption.scoring.rules import ScoringRules, load_rules
from api.web.board import period_choices
from rewards.badges import list_badges
from rewards.leaderboards import MAX_LIMIT, leaderboard, resolve_scope
from rewards.points import desired_points


def my_progress(session: Session, employee: Employee, now: datetime) -> dict:
    site = employee.site
    today = local_today(site.timezone, now)
    rules = load_rules(session)
    score = proficiency.employee_proficiency(session, employee, today - timedelta(days=1), rules)
    earned, capped = points_today(session, employee, today)
    return {
        "site": site,
        "today": today,
        "score": score,
        "components": explain_components(score["components"], rules),
        "next_level": next_level(score, rules),
        "points_today": earned,
        "capped": capped,
        "badges": list_badges(session, employee),
        "positions": board_positions(session, employee, today, now),
        "window_days": rules.window_days,
        "min_core_attempts": rules.min_core_attempts,
    }


def explain_components(values: dict, rules: ScoringRules) -> list[dict]:
    """Each component in plain words, with its weight and what it adds to the score."""
    words = {
        "breadth": (
            "Breadth",
            f"Share of the core features you used successfully at least "
            f"{rules.breadth_min_successes} times in the last {rules.window_days} days.",
        ),
        "accuracy": (
            "Accuracy",
            "How often your tries on core features succeed. It is smoothed, so a single "
            "lucky try does not count as 100%.",
        ),
        "speed": (
            "Speed",
            "How close your task times are to the expert time (100% = as fast as an expert). "
            "It is 50% until you have a timed task.",
        ),
        "consistency": (
            "Consistency",
            "Share of the days your store was busy, while you worked there, on which you used "
            "the system.",
        ),
    }
    weights = {
        "breadth": rules.w_breadth,
        "accuracy": rules.w_accuracy,
        "speed": rules.w_speed,
        "consistency": rules.w_consistency,
    }
    return [
        {
            "name": name,
            "label": words[name][0],
            "text": words[name][1],
            "value": values[name],
            "weight": weights[name],
            "adds": 100 * weights[name] * values[name],
        }
        for name in ("breadth", "accuracy", "speed", "consistency")
    ]


def next_level(score: dict, rules: ScoringRules) -> dict | None:
    """The next level up and what it takes: score points, and for Proficient the evidence."""
    steps = [
        ("Developing", rules.developing_at),
        ("Proficient", rules.proficient_at),
        ("Expert", rules.expert_at),
    ]
    order = ["Novice", "Developing", "Proficient", "Expert"]
    current = order.index(score["level"])
    if current == len(order) - 1:
        return None
    name, threshold = steps[current]
    return {
        "level": name,
        "score_needed": max(0.0, threshold - score["score"]),
        "attempts_needed": (
            max(0, rules.min_core_attempts - score["core_attempts"])
            if name in {"Proficient", "Expert"}
            else 0
        ),
    }


def points_today(session: Session, employee: Employee, today: date) -> tuple[int, list[dict]]:
    """Feature points earned today, and per capped feature what is left of its daily cap."""
    bookings = desired_points(session, {(employee.id, today)})
    earned: dict[int, int] = defaultdict(int)
    for (_emp, _site, feature_id, _day), booking in bookings.items():
        earned[feature_id] += booking.points
    canonical = canonical_map(session)
    capped = [
        {
            "action": f.action,
            "points": f.points,
            "cap": f.daily_cap,
            "earned": earned.get(f.id, 0),
            "left": max(0, f.daily_cap - earned.get(f.id, 0)),
        }
        for f in session.scalars(
            select(Feature)
            .where(Feature.daily_cap.is_not(None), Feature.points > 0)
            .order_by(Feature.action)
        )
        if canonical.get(f.id, f.id) == f.id
    ]
    return sum(earned.values()), capped


def board_positions(session: Session, employee: Employee, today: date, now: datetime) -> list:
    """Rank among the home site's team this week and this month (the last ones when these
    have no complete day yet); only this person's own row ever reaches the page."""
    choices = {c.key: c for c in period_choices(today)}
    scope = resolve_scope(session, f"site:{employee.site.code}")
    out = []
    for current, previous in (("week", "last-week"), ("month", "last-month")):
        choice = choices[current] if choices[current].available else choices[previous]
        board = leaderboard(
            session,
            scope=scope,
            period=choice.value,
            metric="points",
            limit=MAX_LIMIT,
            # hr sees everyone by name, so an opted-out person still finds their own row.
            viewer_role="hr",
            now=now,
        )
        mine = next((e for e in board["entries"] if e["user_id"] == employee.external_id), None)
        out.append(
            {
                "label": choice.label,
                "period": board["period"],
                "rank": mine["rank"] if mine else None,
                "points": mine["value"] if mine else None,
                "of": len(board["entries"]),
                "site": employee.site.code,
            }
        )
    return out
