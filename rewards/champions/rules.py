"""Who may be a site's monthly champion, who wins, and why (DESIGN.md "Monthly champion").

Eligible: rostered, employed on the month's last day, home site is the site, a role not in
`ineligible_roles`, ≥ 5 active days in the month (any site), Proficient or above at month end.
Ranked by points earned at the site in the month; ties by higher score at month end, more
active days, earlier `earned_at` of the last points earned at the site in the month, user id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from adoption.scoring.rules import PROFICIENT_LEVELS

MIN_ACTIVE_DAYS = 5
NEVER = datetime.max.replace(tzinfo=UTC)


@dataclass
class Candidate:
    employee_id: int
    user_id: str
    display_name: str
    role: str
    rostered: bool
    employed: bool
    active_days: int = 0
    points: int = 0
    last_earned_at: datetime | None = None  # of the last points earned at the home site
    score: float | None = None
    level: str | None = None


@dataclass(frozen=True)
class Condition:
    label: str
    test: Callable[[Candidate], bool]
    hint: Callable[[list[Candidate]], str] | None = None


def conditions(month: str, last_day, ineligible_roles: tuple[str, ...]) -> list[Condition]:
    """The eligibility conditions in the order a nobody-eligible reason reports them."""
    roles = ", ".join(sorted(ineligible_roles)) or "none"
    return [
        Condition("rostered", lambda c: c.rostered),
        Condition(f"employed on {last_day}", lambda c: c.employed),
        Condition(f"a role other than {roles}", lambda c: c.role not in ineligible_roles),
        Condition(
            f"≥ {MIN_ACTIVE_DAYS} active days in {month}",
            lambda c: c.active_days >= MIN_ACTIVE_DAYS,
            lambda pool: f"most active days: {max(c.active_days for c in pool)}",
        ),
        Condition(
            f"Proficient or above on {last_day}",
            lambda c: c.level in PROFICIENT_LEVELS,
            _best_score,
        ),
    ]


def _best_score(pool: list[Candidate]) -> str:
    best = max(pool, key=lambda c: (c.score is not None, c.score or 0.0))
    if best.score is None:  # everyone Not started
        return f"best: {best.level}"
    return f"best: {best.level} (score {best.score:.2f})"


def tie_key(c: Candidate) -> tuple:
    """The ranking keys before the time of the last points: points, score, active days."""
    return (-c.points, -(c.score or 0.0), -c.active_days)


def rank_key(c: Candidate) -> tuple:
    last = c.last_earned_at or NEVER
    return (*tie_key(c), last, c.user_id)


def champion(site_code: str, people: list[Candidate], rules: list[Condition]) -> dict:
    """The site's entry: the winner with a readable reason, or nobody and the unmet condition."""
    if not people:
        return nobody(f"Nobody eligible: no employee has {site_code} as home site.")
    pool = people
    for condition in rules:
        kept = [c for c in pool if condition.test(c)]
        if not kept:
            return nobody(_unmet(condition, pool))
        pool = kept
    ranked = sorted(pool, key=rank_key)
    winner, runner_up = ranked[0], (ranked[1] if len(ranked) > 1 else None)
    return {
        "user_id": winner.user_id,
        "display_name": winner.display_name,
        "points": winner.points,
        "score": winner.score,
        "rank_reason": reason(winner, runner_up, site_code),
        "employee_pk": winner.employee_id,
        "details": {
            "eligible": len(ranked),
            "active_days": winner.active_days,
            "level": winner.level,
            "last_earned_at": _instant(winner.last_earned_at),
            "runner_up": runner_up.user_id if runner_up else None,
        },
    }


def nobody(text: str) -> dict:
    return {
        "user_id": None,
        "display_name": None,
        "points": None,
        "score": None,
        "rank_reason": text,
        "employee_pk": None,
        "details": {"eligible": 0},
    }


def _unmet(condition: Condition, pool: list[Candidate]) -> str:
    before = f"{_n(len(pool), 'employee')} met the conditions before it"
    hint = f"; {condition.hint(pool)}" if condition.hint else ""
    return f"Nobody eligible: nobody met “{condition.label}” ({before}{hint})."


def reason(w: Candidate, runner_up: Candidate | None, site_code: str) -> str:
    """E.g. "348 points, 19 active days, Expert (score 87.40); ahead of E0042 by 4 points"."""
    head = f"{_n(w.points, 'point')}, {_n(w.active_days, 'active day')}, {w.level}"
    head += f" (score {w.score:.2f})"
    if runner_up is None:
        return f"{head}; the only eligible employee"
    return f"{head}; {_versus(w, runner_up, site_code)}"


def _versus(w: Candidate, r: Candidate, site_code: str) -> str:
    if w.points != r.points:
        return f"ahead of {r.user_id} by {_n(w.points - r.points, 'point')}"
    steps = [
        ("score", w.score != r.score, f"higher score {w.score:.2f} vs {r.score:.2f}"),
        (
            "active days",
            w.active_days != r.active_days,
            f"more active days {w.active_days} vs {r.active_days}",
        ),
        (
            "time of last points",
            w.last_earned_at != r.last_earned_at,
            f"earlier last points at {site_code} {_instant(w.last_earned_at) or 'none'}"
            f" vs {_instant(r.last_earned_at) or 'none'}",
        ),
    ]
    tied = ["points"]
    for name, differs, text in steps:
        if differs:
            return f"tied on {_and(tied)} with {r.user_id}; {text}"
        tied.append(name)
    return f"tied on {_and(tied)} with {r.user_id}; user id {w.user_id} before {r.user_id}"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _instant(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
