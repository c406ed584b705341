"""What one simulated employee does on one day: whether they use the POS, how often, and how
well (learning curves per feature), with the resent and broken events a real POS produces.

Each person draws from their own `random.Random`, in the same order every run, so a person's
events depend only on the seed and their own past days. What all events of a day share (its
date text, UTC offsets, whether the cutoff falls on it) is worked out once per time zone.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from adoption.simulation.people import (
    FEATURES,
    GRIND_FEATURE,
    REFUND_V2,
    ROLE_MIX,
    UNMAPPED_ACTION,
    SimEmployee,
    SimFeature,
    SimSite,
)

SHIFT_S = 8 * 3600
EVENTS_PER_DAY = {"cashier": 11, "stock": 9, "supervisor": 9, "manager": 5}
BROKEN_RATE = 0.001  # invalid copies, so the quarantine has something to show
RESEND_RATE = 0.002  # the same event sent twice, as a retrying POS does


@dataclass(frozen=True, slots=True)
class Curve:
    """A feature's learning curve: the constants of `_event`'s formulas, worked out once."""

    action: str
    v2_action: str  # what the POS update sends instead (refunds become an alias)
    expected_ms: int | None
    scale: float  # 6 × (1 + 2 × difficulty): how much practice a unit of skill takes
    ok_from: float  # the success chance without practice …
    ok_gain: float  # … and what full skill adds to it
    lag: float  # 0.6 + difficulty: how much an unskilled attempt drags


def _curve(f: SimFeature) -> Curve:
    ok_from, ok_to = 0.92 - 0.42 * f.difficulty, 0.995 - 0.08 * f.difficulty
    v2_action = REFUND_V2 if f.action == "pos.refund" else f.action
    scale = 6 * (1 + 2 * f.difficulty)
    return Curve(
        f.action, v2_action, f.expected_ms, scale, ok_from, ok_to - ok_from, 0.6 + f.difficulty
    )


CURVES = {f.action: _curve(f) for f in FEATURES}
GRIND = CURVES[GRIND_FEATURE]
UNMAPPED = CURVES[UNMAPPED_ACTION]


@dataclass(slots=True)
class Person:
    """What the simulation remembers about one employee from day to day."""

    emp: SimEmployee
    site: SimSite
    rng: random.Random
    habit: float  # the long-run chance of using the system on a worked day
    quits_after: int  # a resister's active days before going dormant
    curves: tuple[Curve, ...]  # the role's features, most used first
    cum_weights: tuple[float, ...]
    practice: dict[str, int] = field(default_factory=dict)  # successes per feature
    active_days: int = 0


def role_mixes() -> dict[str, tuple[tuple[Curve, ...], tuple[float, ...]]]:
    """role → (its features' curves, cumulative weights) for `random.choices`."""
    out = {}
    for role, mix in ROLE_MIX.items():
        cum, total = [], 0.0
        for _, weight in mix:
            total += weight
            cum.append(total)
        out[role] = tuple(CURVES[action] for action, _ in mix), tuple(cum)
    return out


def new_person(seed: int, emp: SimEmployee, site: SimSite, mixes: dict) -> Person:
    rng = random.Random(f"{seed}:{emp.user_id}")
    habit = 0.35 if rng.random() < 0.05 else rng.uniform(0.8, 0.98)
    curves, cum_weights = mixes[emp.role]
    return Person(emp, site, rng, habit, rng.randint(3, 6), curves, cum_weights)


@dataclass(frozen=True, slots=True)
class LocalDay:
    """What the events of one day in one time zone share."""

    date_text: str  # "2026-11-20T"
    id_text: str  # "20261120", in event ids
    offsets: tuple[str, ...]  # "+01:00" by local hour: these zones change offset on the hour
    midnight: datetime
    reaches_cutoff: bool  # the day ends after the cutoff, so each event is checked against it
    v2: bool  # the POS update is out


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=1)
def _clock() -> tuple[str, ...]:
    """Every second of a day as its "HH:MM:SS" text, indexed by the second."""
    return tuple(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400))


def local_day(day: date, timezone: str, *, cutoff: datetime, v2: bool) -> LocalDay:
    midnight = datetime(day.year, day.month, day.day, tzinfo=_zone(timezone))
    hours = (midnight.replace(hour=h) for h in range(24))
    return LocalDay(
        date_text=f"{day.isoformat()}T",
        id_text=f"{day:%Y%m%d}",
        offsets=tuple(hour.isoformat()[19:] for hour in hours),
        midnight=midnight,
        reaches_cutoff=midnight + timedelta(days=1) > cutoff,
        v2=v2,
    )


def person_day(seed: int, p: Person, day: date, local: LocalDay, cutoff: datetime) -> list[dict]:
    """The raw events `p` sends on `day` (none when off, not started, gone or not using it)."""
    emp, site, rng = p.emp, p.site, p.rng
    if day < emp.starts_on or (emp.left_on is not None and day > emp.left_on):
        return []
    if rng.random() > (5 / 7 if site.open_sundays else 5 / 6) or not _uses_system(p, day):
        return []
    p.active_days += 1
    programme = site.program_started_on is not None and day >= site.program_started_on
    ramp = 0.55 + 0.45 * (1 - math.exp(-p.active_days / 10))
    rate = EVENTS_PER_DAY.get(emp.role, 11) * ramp * (1.15 if programme else 1.0)
    count = max(1, round(rng.triangular(0.4 * rate, 1.6 * rate)))
    unlocked = min(len(p.curves), 3 + int(p.active_days * emp.aptitude / 2.5))
    chosen = rng.choices(p.curves[:unlocked], cum_weights=p.cum_weights[:unlocked], k=count)
    if emp.persona == "grinder":
        chosen += [GRIND] * rng.randint(20, 45)
    if site.is_pilot and local.v2 and rng.random() < 0.05:
        chosen.append(UNMAPPED)
    start = (site.opens if rng.random() < 0.5 else site.closes - 8) * 3600
    seconds = sorted(rng.randrange(start, start + SHIFT_S) for _ in chosen)
    till = f"{rng.randint(1, 6):02d}"
    prefix = f"d{seed}-{emp.user_id}-{local.id_text}"
    clock, random_ = _clock(), rng.random
    events = []
    for n, (curve, second) in enumerate(zip(chosen, seconds, strict=True)):
        if local.reaches_cutoff and local.midnight + timedelta(seconds=second) > cutoff:
            break
        at = local.date_text + clock[second] + local.offsets[second // 3600]
        raw = _event(p, curve, local.v2, at, f"{prefix}-{n:03d}", site.code, till, programme)
        events.append(raw)
        if random_() < RESEND_RATE:
            events.append(raw)
        if random_() < BROKEN_RATE:
            events.append(_broken(rng, raw))
    return events


TRAINED_FAILURES = 0.6  # the training programme takes 40 % off every failure rate


def _uses_system(p: Person, day: date) -> bool:
    """Adoption ramps up with days since start; pilots (on-site support) ramp up faster."""
    since = (day - p.emp.starts_on).days
    if p.emp.persona == "resister" and (p.active_days >= p.quits_after or since > 8):
        return False
    if p.emp.persona == "temp" and since > 14:
        return False
    tau = 3.0 if p.site.is_pilot else 8.0
    chance = p.habit * (1 - 0.6 * math.exp(-since / tau))
    started = p.site.program_started_on
    if started is not None and day >= started:
        chance = min(1.0, chance * 1.15)
    return p.emp.persona in {"grinder", "resister"} or p.rng.random() < chance


def _event(
    p: Person, f: Curve, v2: bool, at: str, event_id, site_code, till, trained: bool
) -> dict:
    """One attempt: success and speed improve with practice on the feature (a learning curve);
    once the site's training programme has started, a person fails TRAINED_FAILURES as often."""
    rng, practice = p.rng, p.practice.get(f.action, 0)
    skill = 1 - math.exp(-practice * p.emp.aptitude / f.scale)
    failure = 1 - (f.ok_from + f.ok_gain * skill)
    success = rng.random() >= failure * (TRAINED_FAILURES if trained else 1.0)
    duration = None
    if f.expected_ms and rng.random() > 0.04:
        slowness = 0.85 + 1.8 * (1 - skill) * f.lag
        duration = f.expected_ms * slowness * rng.lognormvariate(0, 0.3)
        duration = int(duration if success else duration * rng.uniform(0.3, 1.0))
    if success:
        p.practice[f.action] = practice + 1
    return {
        "event_id": event_id,
        "user_id": p.emp.user_id,
        "site_id": site_code,
        "action": f.v2_action if v2 else f.action,
        "occurred_at": at,
        "outcome": "success" if success else "error",
        "duration_ms": duration,
        "properties": {"till": till, "app": "3.0" if v2 else "2.9"},
    }


def _broken(rng: random.Random, raw: dict) -> dict:
    """A copy of `raw` with one defect the validation catches (or an unknown site)."""
    bad = dict(raw, event_id=raw["event_id"] + "-x")
    kind = rng.randrange(5)
    if kind == 0:
        bad["occurred_at"] = raw["occurred_at"][:19]  # the local time without its offset
    elif kind == 1:
        bad["outcome"] = "failed"
    elif kind == 2:
        bad["duration_ms"] = -1
    elif kind == 3:
        bad["site_id"] = "S999"
    else:
        del bad["event_id"]
    return bad
