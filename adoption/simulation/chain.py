"""A seeded, simulated retail chain for `uptake demo`: messy master-data files and usage events.

Everything comes from `random.Random` instances seeded from `seed` (per employee for events), so
the same seed and `today` give the same files and the same events. The chain plants the patterns
the read models should find: learning curves, pilots adopting faster, resisters going dormant, a
grinder hitting a daily cap, errors concentrated in one hard feature, and a staggered programme.
"""

from __future__ import annotations

import csv
import json
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption.errors import Invalid
from adoption.identity import credentials
from adoption.identity.models import Account, ApiToken
from adoption.masterdata.cleaning import key_of
from adoption.simulation.people import (
    FEATURES,
    GRIND_FEATURE,
    MAX_PEOPLE_PER_SITE,
    MAX_SITES,
    MAX_STAFF,
    MIN_SITES,
    REFUND_V2,
    ROLE_MIX,
    UNMAPPED_ACTION,
    SimEmployee,
    SimFeature,
    SimSite,
    build_sites,
    build_staff,
    feature_records,
    roster_rows,
    site_rows,
)

SAFETY_MARGIN = timedelta(minutes=10)  # no event closer to `now` than this
SHIFT_S = 8 * 3600
EVENTS_PER_DAY = {"cashier": 11, "stock": 9, "supervisor": 9, "manager": 5}
BROKEN_RATE = 0.001  # invalid copies, so the quarantine has something to show
RESEND_RATE = 0.002  # the same event sent twice, as a retrying POS does
MASTER_FILES = {"sites": "sites.csv", "roster": "roster.csv", "features": "features.jsonl"}


@dataclass(frozen=True)
class Simulation:
    seed: int
    first_day: date
    last_day: date
    sites: tuple[SimSite, ...]
    employees: tuple[SimEmployee, ...]
    features: tuple[SimFeature, ...] = FEATURES

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def v2_day(self) -> date:
        """When the POS update starts sending refunds as `pos.refund.v2` (an alias)."""
        return self.first_day + timedelta(days=self.days * 2 // 3)


def simulate(
    *,
    seed: int = 7,
    sites: int = 40,
    weeks: int = 12,
    today: date,
    people_per_site: int | None = None,
) -> Simulation:
    """The chain's master data for `weeks` weeks ending yesterday (`today` is the caller's date);
    teams of 6–25 people, or about `people_per_site` each (a chain-scale world)."""
    if not MIN_SITES <= sites <= MAX_SITES:
        raise Invalid({"sites": [f"Must be between {MIN_SITES} and {MAX_SITES}."]})
    if weeks < 1:
        raise Invalid({"weeks": ["Must be at least 1."]})
    if people_per_site is not None and not 2 <= people_per_site <= MAX_PEOPLE_PER_SITE:
        raise Invalid({"people_per_site": [f"Must be between 2 and {MAX_PEOPLE_PER_SITE}."]})
    if people_per_site is not None and sites * 3 * people_per_site // 2 > MAX_STAFF:
        raise Invalid({"people_per_site": [f"The chain would exceed {MAX_STAFF} people."]})
    rng = random.Random(seed)
    first_day, last_day = today - timedelta(weeks=weeks), today - timedelta(days=1)
    chain = build_sites(rng, sites, first_day, last_day)
    staff = build_staff(rng, chain, first_day, last_day, people_per_site)
    return Simulation(seed, first_day, last_day, tuple(chain), tuple(staff))


def write_master_files(sim: Simulation, directory: Path) -> dict[str, Path]:
    """Write the sites CSV, roster CSV and features JSONL the demo imports; kind → path."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{sim.seed}:files")
    paths = {kind: directory / name for kind, name in MASTER_FILES.items()}
    for kind, rows in (
        ("sites", site_rows(rng, list(sim.sites))),
        ("roster", roster_rows(rng, list(sim.employees))),
    ):
        with paths[kind].open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
    lines = [json.dumps(r, ensure_ascii=False) for r in feature_records(sim.features)]
    paths["features"].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths


@dataclass(slots=True)
class _Person:
    """What the simulation remembers about one employee from day to day."""

    emp: SimEmployee
    site: SimSite
    rng: random.Random
    habit: float  # the long-run chance of using the system on a worked day
    quits_after: int  # a resister's active days before going dormant
    practice: dict[str, int] = field(default_factory=dict)  # successes per feature
    active_days: int = 0


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=8)
def _mix(role: str) -> tuple[tuple[SimFeature, ...], tuple[float, ...]]:
    by_action = {f.action: f for f in FEATURES}
    features = tuple(by_action[action] for action, _ in ROLE_MIX[role])
    cum, total = [], 0.0
    for _, weight in ROLE_MIX[role]:
        total += weight
        cum.append(total)
    return features, tuple(cum)


def event_batches(
    sim: Simulation,
    *,
    now: datetime,
    size: int = 5_000,
    progress: Callable[[int], None] | None = None,
) -> Iterator[list[dict]]:
    """Raw events in batches of `size`, day by day; none later than `now` − SAFETY_MARGIN.

    `progress` is called with 1 after each simulated day.
    """
    cutoff = now - SAFETY_MARGIN
    sites = {s.code: s for s in sim.sites}
    people = [_person(sim.seed, emp, sites[emp.site_code]) for emp in sim.employees]
    batch: list[dict] = []
    for offset in range(sim.days):
        day = sim.first_day + timedelta(days=offset)
        for person in people:
            site = person.site
            if day >= site.go_live_on and (day.weekday() < 6 or site.open_sundays):
                batch.extend(_person_day(sim, person, day, cutoff))
        while len(batch) >= size:
            yield batch[:size]
            batch = batch[size:]
        if progress:
            progress(1)
    if batch:
        yield batch


def _person(seed: int, emp: SimEmployee, site: SimSite) -> _Person:
    rng = random.Random(f"{seed}:{emp.user_id}")
    habit = 0.35 if rng.random() < 0.05 else rng.uniform(0.8, 0.98)
    return _Person(emp, site, rng, habit, quits_after=rng.randint(3, 6))


def _person_day(sim: Simulation, p: _Person, day: date, cutoff: datetime) -> list[dict]:
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
    features, cum = _mix(emp.role)
    unlocked = min(len(features), 3 + int(p.active_days * emp.aptitude / 2.5))
    chosen = rng.choices(features[:unlocked], cum_weights=cum[:unlocked], k=count)
    if emp.persona == "grinder":
        grind = next(f for f in FEATURES if f.action == GRIND_FEATURE)
        chosen += [grind] * rng.randint(20, 45)
    if site.is_pilot and day >= sim.v2_day and rng.random() < 0.05:
        chosen.append(next(f for f in FEATURES if f.action == UNMAPPED_ACTION))
    start = (site.opens if rng.random() < 0.5 else site.closes - 8) * 3600
    seconds = sorted(rng.randrange(start, start + SHIFT_S) for _ in chosen)
    midnight = datetime(day.year, day.month, day.day, tzinfo=_zone(site.timezone))
    till = f"{rng.randint(1, 6):02d}"
    prefix = f"d{sim.seed}-{emp.user_id}-{day:%Y%m%d}"
    events = []
    for n, (feature, second) in enumerate(zip(chosen, seconds, strict=True)):
        at = midnight + timedelta(seconds=second)
        if at > cutoff:
            break
        raw = _event(p, feature, day >= sim.v2_day, at, f"{prefix}-{n:03d}", site.code, till)
        events.append(raw)
        if rng.random() < RESEND_RATE:
            events.append(raw)
        if rng.random() < BROKEN_RATE:
            events.append(_broken(rng, raw, at))
    return events


def _uses_system(p: _Person, day: date) -> bool:
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


def _event(p: _Person, f: SimFeature, v2: bool, at: datetime, event_id, site_code, till) -> dict:
    """One attempt: success and speed improve with practice on the feature (a learning curve)."""
    rng, practice = p.rng, p.practice.get(f.action, 0)
    skill = 1 - math.exp(-practice * p.emp.aptitude / (6 * (1 + 2 * f.difficulty)))
    ok_from, ok_to = 0.92 - 0.42 * f.difficulty, 0.995 - 0.08 * f.difficulty
    success = rng.random() < ok_from + (ok_to - ok_from) * skill
    duration = None
    if f.expected_ms and rng.random() > 0.04:
        slowness = 0.85 + 1.8 * (1 - skill) * (0.6 + f.difficulty)
        duration = f.expected_ms * slowness * rng.lognormvariate(0, 0.3)
        duration = int(duration if success else duration * rng.uniform(0.3, 1.0))
    if success:
        p.practice[f.action] = practice + 1
    action = REFUND_V2 if v2 and f.action == "pos.refund" else f.action
    return {
        "event_id": event_id,
        "user_id": p.emp.user_id,
        "site_id": site_code,
        "action": action,
        "occurred_at": at.isoformat(),
        "outcome": "success" if success else "error",
        "duration_ms": duration,
        "properties": {"till": till, "app": "3.0" if v2 else "2.9"},
    }


def _broken(rng: random.Random, raw: dict, at: datetime) -> dict:
    """A copy of `raw` with one defect the validation catches (or an unknown site)."""
    bad = dict(raw, event_id=raw["event_id"] + "-x")
    kind = rng.randrange(5)
    if kind == 0:
        bad["occurred_at"] = at.replace(tzinfo=None).isoformat()
    elif kind == 1:
        bad["outcome"] = "failed"
    elif kind == 2:
        bad["duration_ms"] = -1
    elif kind == 3:
        bad["site_id"] = "S999"
    else:
        del bad["event_id"]
    return bad


DEMO_SOURCE = "pos"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str
    created: bool
    note: str = ""


def demo_logins(sim: Simulation) -> list[tuple[str, str, list[str], str | None, str]]:
    """(role, username, sites, employee user_id, note): the manager and employee of a pilot."""
    pilot = next(s for s in sim.sites if s.is_pilot)
    staff = [e for e in sim.employees if e.site_code == pilot.code and e.rostered]
    clerk = min(
        staff, key=lambda e: (e.role != "cashier", e.persona != "learner", e.left_on is not None)
    )
    return [
        ("admin", "admin", [], None, ""),
        ("hr", "hr", [], None, ""),
        ("rollout_lead", "rollout", [], None, ""),
        ("manager", "manager", [pilot.code], None, f"manager of {pilot.code} {pilot.name}"),
        ("employee", "employee", [], clerk.user_id, f"{clerk.display_name} at {pilot.code}"),
    ]


def ensure_demo_logins(session: Session, sim: Simulation, *, now: datetime) -> list[DemoLogin]:
    """One web account per role with the password `demo-<username>`; existing ones are kept."""
    out = []
    for role, username, sites, user_id, note in demo_logins(sim):
        password = f"demo-{username}"
        exists = session.scalar(select(Account.id).where(Account.username_key == key_of(username)))
        if exists is None:
            credentials.create_account(
                session,
                username=username,
                role=role,
                now=now,
                sites=sites,
                user_id=user_id,
                password=password,
            )
        out.append(DemoLogin(role, username, password, exists is None, note))
    return out


def ensure_ingest_token(session: Session, *, now: datetime) -> str | None:
    """The `pos` ingest token, created when no live one exists; its plain text, or None."""
    live = session.scalar(
        select(ApiToken.id).where(ApiToken.name == DEMO_SOURCE, ApiToken.revoked_at.is_(None))
    )
    if live is not None:
        return None
    _, plain = credentials.create_token(session, role="ingest", name=DEMO_SOURCE, now=now)
    return plain
