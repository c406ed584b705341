"""A deliberately naive reference for DESIGN.md "Definitions", written from its text alone.

Plain Python over raw events and master-data dicts: no database, no numpy, no pandas, no code
shared with `adoption`. Every figure is recomputed from the events each time it is asked for,
so it is slow and obviously right; tests compare the implementation against it.

A world is:
- sites: code → {"timezone", "go_live_on" (optional), ...}
- employees: user id → {"site_id", "hired_on", "left_on", "rostered" (default True)}
- features: action → {"is_core", "expected_ms", "alias_of"}
- events: raw events as `POST /events` takes them (event_id, user_id, site_id, action,
  occurred_at as RFC 3339 text or an aware datetime, outcome, duration_ms), one source.
Ids are given in their stored spelling (no case folding here).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

LEVEL_ORDER = ["Novice", "Developing", "Proficient", "Expert"]


@dataclass(frozen=True)
class Rules:
    """The scoring configuration; the defaults are DESIGN.md's version 1."""

    w_breadth: float = 0.35
    w_accuracy: float = 0.25
    w_speed: float = 0.20
    w_consistency: float = 0.20
    developing_at: float = 40.0
    proficient_at: float = 70.0
    expert_at: float = 85.0
    window_days: int = 28
    min_core_attempts: int = 20
    breadth_min_successes: int = 3


@dataclass
class World:
    sites: dict[str, dict] = field(default_factory=dict)
    employees: dict[str, dict] = field(default_factory=dict)
    features: dict[str, dict] = field(default_factory=dict)
    events: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Stored:
    """One stored event as the reference sees it."""

    user: str
    site: str
    feature: str  # the action it counts as, after following alias_of
    day: date
    success: bool
    duration_ms: int | None


def round_score(x: float) -> Decimal:
    """Half-up on the value the arithmetic means: float noise below 1e-9 is snapped away first,
    so 100·(0.35 + 0.25·0.875 + …) = 86.87499999999999 counts as the 86.875 it stands for."""
    snapped = Decimal(repr(x)).quantize(Decimal("1e-9"), ROUND_HALF_EVEN)
    return snapped.quantize(Decimal("0.01"), ROUND_HALF_UP)


def days_between(first: date, last: date) -> list[date]:
    out = []
    d = first
    while d <= last:
        out.append(d)
        d += timedelta(days=1)
    return out


class Reference:
    def __init__(self, world: World, rules: Rules | None = None):
        self.world = world
        self.rules = rules or Rules()
        self.homes: dict[str, dict] = {u: dict(e) for u, e in world.employees.items()}
        self.stored: list[Stored] = []
        seen: set[str] = set()
        for ev in world.events:
            if ev["event_id"] in seen:  # a duplicate changes nothing
                continue
            seen.add(ev["event_id"])
            if ev["user_id"] not in self.homes:  # first seen in an event: unrostered
                self.homes[ev["user_id"]] = {"site_id": ev["site_id"], "rostered": False}
            self.stored.append(
                Stored(
                    user=ev["user_id"],
                    site=ev["site_id"],
                    feature=self.counts_as(ev["action"]),
                    day=self.local_day(ev),
                    success=ev.get("outcome", "success") == "success",
                    duration_ms=ev.get("duration_ms"),
                )
            )

    # ---- master data -------------------------------------------------------------------------

    def local_day(self, ev: dict) -> date:
        at = ev["occurred_at"]
        if isinstance(at, str):
            at = datetime.fromisoformat(at.replace("Z", "+00:00"))
        zone = ZoneInfo(self.world.sites[ev["site_id"]]["timezone"])
        return at.astimezone(zone).date()

    def counts_as(self, action: str) -> str:
        visited = [action]
        current = action
        while True:
            target = self.world.features.get(current, {}).get("alias_of")
            if target is None or target not in self.world.features or target in visited:
                return current
            visited.append(target)
            current = target

    def core_features(self) -> list[str]:
        """Core features as they are now; an alias is not a feature of its own."""
        return sorted(
            a for a, f in self.world.features.items() if f.get("is_core") and self.counts_as(a) == a
        )

    def employed(self, user: str, d: date) -> bool:
        e = self.homes[user]
        hired, left = e.get("hired_on"), e.get("left_on")
        return (hired is None or hired <= d) and (left is None or d <= left)

    # ---- activity ------------------------------------------------------------------------------

    def window(self, as_of: date) -> tuple[date, date]:
        return as_of - timedelta(days=self.rules.window_days - 1), as_of

    def events_of(self, user: str, first: date, last: date) -> list[Stored]:
        return [s for s in self.stored if s.user == user and first <= s.day <= last]

    def active(self, user: str, d: date) -> bool:
        return any(s.user == user and s.day == d and s.success for s in self.stored)

    def anyone_active_at(self, site: str, d: date) -> bool:
        return any(s.site == site and s.day == d and s.success for s in self.stored)

    # ---- components ----------------------------------------------------------------------------

    def breadth_between(self, user: str, first: date, last: date) -> float:
        core = self.core_features()
        if not core:
            return 0.0
        mine = self.events_of(user, first, last)
        mastered = 0
        for f in core:
            wins = sum(1 for s in mine if s.feature == f and s.success)
            if wins >= self.rules.breadth_min_successes:
                mastered += 1
        return mastered / len(core)

    def breadth(self, user: str, as_of: date) -> float:
        return self.breadth_between(user, *self.window(as_of))

    def core_counts(self, user: str, as_of: date) -> tuple[int, int]:
        core = set(self.core_features())
        mine = [s for s in self.events_of(user, *self.window(as_of)) if s.feature in core]
        successes = sum(1 for s in mine if s.success)
        return successes, len(mine) - successes

    def accuracy(self, user: str, as_of: date) -> float:
        s, e = self.core_counts(user, as_of)
        return (s + 1) / (s + e + 2)

    def speed(self, user: str, as_of: date) -> float:
        mine = self.events_of(user, *self.window(as_of))
        ratios = []
        for f in self.core_features():
            expected = self.world.features[f].get("expected_ms")
            if expected is None:
                continue
            times = [
                max(s.duration_ms, 1)
                for s in mine
                if s.feature == f and s.success and s.duration_ms is not None
            ]
            if not times:
                continue
            gm = math.exp(sum(math.log(t) for t in times) / len(times))
            ratios.append(min(1.0, expected / gm))
        if not ratios:
            return 0.5
        return statistics.median(ratios)

    def consistency(self, user: str, as_of: date) -> float:
        home = self.homes[user]["site_id"]
        days = days_between(*self.window(as_of))
        s_days = [d for d in days if self.employed(user, d) and self.anyone_active_at(home, d)]
        if not s_days:
            return 0.0
        hits = [d for d in s_days if self.active(user, d)]
        return len(hits) / len(s_days)

    def components(self, user: str, as_of: date) -> dict:
        s, e = self.core_counts(user, as_of)
        return {
            "breadth": self.breadth(user, as_of),
            "accuracy": self.accuracy(user, as_of),
            "speed": self.speed(user, as_of),
            "consistency": self.consistency(user, as_of),
            "core_attempts": s + e,
        }

    def raw_score(self, user: str, as_of: date) -> float:
        c = self.components(user, as_of)
        r = self.rules
        return 100 * (
            r.w_breadth * c["breadth"]
            + r.w_accuracy * c["accuracy"]
            + r.w_speed * c["speed"]
            + r.w_consistency * c["consistency"]
        )

    def score(self, user: str, as_of: date) -> Decimal | None:
        """None when Not started: no core attempt (success or error) in the window."""
        s, e = self.core_counts(user, as_of)
        if s + e == 0:
            return None
        return round_score(self.raw_score(user, as_of))

    def level_for(self, score: Decimal | None, core_attempts: int) -> str:
        r = self.rules
        if score is None or core_attempts == 0:
            return "Not started"
        if score >= Decimal(repr(r.expert_at)):
            level = "Expert"
        elif score >= Decimal(repr(r.proficient_at)):
            level = "Proficient"
        elif score >= Decimal(repr(r.developing_at)):
            level = "Developing"
        else:
            level = "Novice"
        if level in ("Proficient", "Expert") and core_attempts < r.min_core_attempts:
            level = "Developing"
        return level

    def level(self, user: str, as_of: date) -> str:
        s, e = self.core_counts(user, as_of)
        return self.level_for(self.score(user, as_of), s + e)

    def proficient_since(self, user: str, as_of: date) -> date | None:
        """The earliest calendar day ≤ as_of at Proficient or above (it never resets)."""
        mine = [s.day for s in self.stored if s.user == user]
        if not mine:
            return None
        for d in days_between(min(mine), as_of):
            if self.level(user, d) in ("Proficient", "Expert"):
                return d
        return None

    # ---- site metrics --------------------------------------------------------------------------

    def population(self, site: str, first: date, last: date) -> list[str]:
        return sorted(
            u
            for u, e in self.homes.items()
            if e.get("rostered", True)
            and e["site_id"] == site
            and any(self.employed(u, d) for d in days_between(first, last))
        )

    def site_metrics(self, site: str, first: date, last: date) -> dict:
        members = self.population(site, first, last)
        days = days_between(first, last)
        active = [u for u in members if any(self.active(u, d) for d in days)]
        daily_actives = sum(1 for d in days for u in members if self.active(u, d))
        here = [s for s in self.stored if s.site == site and first <= s.day <= last]
        errors = sum(1 for s in here if not s.success)
        n = len(members)
        return {
            "population": n,
            "active": len(active),
            "adoption_rate": len(active) / n if n else None,
            "stickiness": daily_actives / (len(days) * len(active)) if active else None,
            "error_rate": errors / len(here) if here else None,
            "mean_breadth": (
                sum(self.breadth_between(u, first, last) for u in members) / n if n else None
            ),
            "proficient_share": (
                sum(1 for u in members if self.level(u, last) in ("Proficient", "Expert")) / n
                if n
                else None
            ),
        }

    def dormant(self, sites: set[str], last: date) -> list[str]:
        """Active in the 28 days before the window's last 7 days, silent in those 7."""
        quiet = days_between(last - timedelta(days=6), last)
        before = days_between(last - timedelta(days=34), last - timedelta(days=7))
        return sorted(
            u
            for u, e in self.homes.items()
            if e.get("rostered", True)
            and e["site_id"] in sites
            and any(self.active(u, d) for d in before)
            and not any(self.active(u, d) for d in quiet)
        )
