"""First proficient of a site (DESIGN.md "Definitions"): the seed's incentive, awarded once.

Among the rostered employees whose home site it is (a bonus goes to someone HR can pay; people
first seen in events are not rostered), the one with the earliest proficient-since day on or after
the site's go-live; ties: higher score that day, then user id. A site already awarded is never
looked at again, so the award never moves; a site without go_live_on gets none.

This module is the one home of the rule: the badges job finds and stores it
(`find_first_proficient`, `store_first_proficient`, one site at a time) and the champion month
lists the awards of its days (`awards_between`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption.models import Employee, Site
from adoption.scoring.proficiency import proficient_since_map, scores_on
from adoption.scoring.rules import ScoringRules
from rewards.models import SiteFirstProficient


@dataclass(frozen=True)
class Winner:
    """A site's first proficient, found but not yet stored."""

    site: Site
    employee: Employee
    day: date
    score: float
    tied_with: list[dict]


def find_first_proficient(session: Session, *, as_of: date, rules: ScoringRules) -> list[Winner]:
    """The winners of the sites that have none yet and now have one (nothing is written)."""
    awarded = set(session.scalars(select(SiteFirstProficient.site_id)))
    sites = [
        s
        for s in session.scalars(
            select(Site).where(Site.go_live_on.is_not(None)).order_by(Site.code_key)
        )
        if s.id not in awarded
    ]
    if not sites:
        return []
    people = session.scalars(
        select(Employee).where(
            Employee.site_id.in_([s.id for s in sites]), Employee.rostered.is_(True)
        )
    ).all()
    since = proficient_since_map(session, [p.id for p in people], as_of, rules) if people else {}
    out = []
    for site in sites:
        staff = [p for p in people if p.site_id == site.id]
        found = _winner(session, site, staff, since, rules)
        if found is not None:
            out.append(found)
    return out


def _winner(session, site: Site, staff: list[Employee], since, rules) -> Winner | None:
    after = {p.id: since[p.id] for p in staff if since[p.id] and since[p.id] >= site.go_live_on}
    if not after:
        return None
    day = min(after.values())
    tied = [p for p in staff if after.get(p.id) == day]
    scores = {e: s.score for e, s in scores_on(session, {p.id: day for p in tied}, rules).items()}
    ranked = sorted(tied, key=lambda p: (-scores[p.id], p.external_id))
    return Winner(
        site=site,
        employee=ranked[0],
        day=day,
        score=scores[ranked[0].id],
        tied_with=[{"user_id": p.external_id, "score": scores[p.id]} for p in ranked[1:]],
    )


def store_first_proficient(
    session: Session, winner: Winner, rules: ScoringRules, now: datetime
) -> tuple[SiteFirstProficient, dict]:
    """Store one site's award; returns the row and the evidence its badge carries."""
    site = winner.site
    row = SiteFirstProficient(
        site_id=site.id,
        employee_id=winner.employee.id,
        proficient_since=winner.day,
        score=winner.score,
        config_version=rules.version,
        awarded_at=now,
    )
    session.add(row)
    evidence = {
        "site_id": site.code,
        "go_live_on": site.go_live_on.isoformat(),
        "proficient_since": winner.day.isoformat(),
        "score": winner.score,
        "config_version": rules.version,
        "tied_with": winner.tied_with,
    }
    return row, evidence


def awards_between(session: Session, first: date, last: date) -> list[dict]:
    """The awards whose proficient-since day lies in [first, last] (a month lists its own)."""
    fp = SiteFirstProficient
    rows = session.execute(
        select(fp, Site.code, Employee.external_id, Employee.display_name)
        .join(Site, Site.id == fp.site_id)
        .join(Employee, Employee.id == fp.employee_id)
        .where(fp.proficient_since >= first, fp.proficient_since <= last)
        .order_by(Site.code_key)
    ).all()
    return [
        {
            "site_id": code,
            "user_id": user_id,
            "display_name": name,
            "proficient_since": row.proficient_since,
            "score": row.score,
            "site_pk": row.site_id,
            "employee_pk": row.employee_id,
        }
        for row, code, user_id, name in rows
    ]
