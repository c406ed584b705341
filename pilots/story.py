"""The demo's PDCA story (`uptake demo`): what a rollout lead would have set up by now on the
simulated chain, so every part of the loop has something to show.

- Plan: readiness rules for the next waves, and two targets agreed with the client: one the
  pilots have met, one the chain is at risk of missing.
- Do / Check: the simulated chain itself (a staggered training programme the DiD sees).
- Act: quick-reference cards (English and Chinese) for the two features people fail most, and
  an optimisation report for the four weeks before the last four, so the report a visitor
  generates has a previous cycle to compare with.

Each part is added only when that kind of thing does not exist yet: running the demo again, or
on a chain someone has configured, changes nothing that is there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adoption.calendar import last_complete_day, site_timezones
from adoption.masterdata.cards import list_cards, set_card
from adoption.models import QuickCard
from adoption.scoring.rules import ScoringRules
from adoption.simulation.story import CARDS
from adoption.usage.insights import chain_hotspots
from pilots import readiness_rules, targets
from pilots.models import OptimisationReport
from pilots.optimisation import optimisation_report

ACTOR = "demo"
RULES = (
    {"metric": "adoption_rate", "comparison": ">=", "threshold": 0.8, "weeks": 2},
    {"metric": "error_rate", "comparison": "<=", "threshold": 0.12, "weeks": 2},
)
TARGETS = (
    {  # the pilots got there in their first month: met
        "name": "Pilot stores: 85 % of staff using the new POS by week 4",
        "metric": "adoption_rate",
        "population": "pilots",
        "comparison": ">=",
        "threshold": 0.85,
        "deadline_week": 4,
        "notes": "Agreed at the kick-off: the pilots prove the system is usable in a month.",
    },
    {  # the chain is behind on proficiency: at risk
        "name": "Every store: 75 % of staff proficient by week 10",
        "metric": "proficient_share",
        "population": "all",
        "comparison": ">=",
        "threshold": 0.75,
        "deadline_week": 10,
        "notes": "The client's condition for switching the old tills off.",
    },
)
CYCLE_DAYS = 28  # one PDCA cycle: the report compares four weeks with the four before


@dataclass(frozen=True)
class Told:
    """What the story added, for the demo to print."""

    lines: list[str]


def seed_story(session: Session, *, now: datetime, rules: ScoringRules, min_group: int) -> Told:
    lines = []
    if not readiness_rules.list_rules(session):
        for rule in RULES:
            readiness_rules.add_rule(
                session, {**rule, "scope": "previous_wave"}, now=now, actor=ACTOR
            )
        lines.append(f"readiness rules: {len(RULES)} for every wave after the pilots")
    if not targets.list_targets(session):
        for target in TARGETS:
            targets.add_target(session, target, now=now, actor=ACTOR)
        lines.append(f"targets: {len(TARGETS)} agreed with the client")
    carded = _seed_cards(session, now=now)
    if carded:
        lines.append(f"quick-reference cards (English and Chinese): {', '.join(carded)}")
    stored = session.scalar(select(func.count()).select_from(OptimisationReport))
    if not stored:
        last = last_complete_day(site_timezones(session), now)
        to_on = last - timedelta(days=CYCLE_DAYS)
        from_on = to_on - timedelta(days=CYCLE_DAYS - 1)
        optimisation_report(
            session,
            from_on=from_on,
            to_on=to_on,
            now=now,
            rules=rules,
            actor=ACTOR,
            min_group=min_group,
        )
        lines.append(f"optimisation report of the previous cycle: {from_on} to {to_on}")
    return Told(lines)


def _seed_cards(session: Session, *, now: datetime) -> list[str]:
    """Cards for the two features with the highest error rate that the story has words for,
    when no feature has a card yet."""
    if session.scalar(select(func.count()).select_from(QuickCard)):
        return []
    hardest = [h["action"] for h in chain_hotspots(session, now).items if h["action"] in CARDS]
    done = []
    for action in hardest[:2]:
        if list_cards(session, action):
            continue
        for locale, (title, steps) in CARDS[action].items():
            set_card(
                session, action, locale, {"title": title, "steps": steps}, now=now, actor=ACTOR
            )
        done.append(action)
    return done
