"""A seeded, simulated retail chain for `uptake demo`: messy master-data files and usage events.

Everything comes from `random.Random` instances seeded from `seed` (per employee for events), so
the same seed and `today` give the same files and the same events. The chain plants the patterns
the read models should find: learning curves, pilots adopting faster, resisters going dormant, a
grinder hitting a daily cap, errors concentrated in one hard feature, and a staggered programme.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption.errors import Invalid
from adoption.identity import credentials
from adoption.identity.models import Account, ApiToken
from adoption.masterdata.cleaning import key_of
from adoption.simulation import behaviour
from adoption.simulation.people import (
    FEATURES,
    MAX_PEOPLE_PER_SITE,
    MAX_SITES,
    MAX_STAFF,
    MIN_SITES,
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


def event_batches(
    sim: Simulation,
    *,
    now: datetime,
    size: int = 5_000,
    progress: Callable[[int], None] | None = None,
) -> Iterator[list[dict]]:
    """Raw events in batches of `size`, day by day; none later than `now` − SAFETY_MARGIN.

    A batch is handed over as soon as it is full, so no more than a batch of events is ever
    held, whatever the size of the chain; `progress` is called with 1 after each simulated day.
    """
    cutoff = now - SAFETY_MARGIN
    sites = {s.code: s for s in sim.sites}
    zones = {s.timezone for s in sim.sites}
    mixes = behaviour.role_mixes()
    people = [behaviour.new_person(sim.seed, e, sites[e.site_code], mixes) for e in sim.employees]
    batch: list[dict] = []
    for offset in range(sim.days):
        day = sim.first_day + timedelta(days=offset)
        v2, sunday = day >= sim.v2_day, day.weekday() == 6
        local = {tz: behaviour.local_day(day, tz, cutoff=cutoff, v2=v2) for tz in zones}
        for person in people:
            site = person.site
            if day >= site.go_live_on and (site.open_sundays or not sunday):
                events = behaviour.person_day(sim.seed, person, day, local[site.timezone], cutoff)
                batch.extend(events)
                while len(batch) >= size:
                    yield batch[:size]
                    batch = batch[size:]
        if progress:
            progress(1)
    if batch:
        yield batch


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
