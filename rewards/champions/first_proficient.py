"""First proficient of a site (DESIGN.md "Definitions"): the seed's incentive, awarded once.

Among employees whose home site it is (rostered or first seen in events: DESIGN sets no roster
condition here), the one with the earliest proficient-since day on or after the site's go-live;
ties: higher score that day, then user id. A site already awarded is never looked at again, so
the award never moves; a site without go_live_on gets none.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption.models import Employee, Site
from adoption.scoring.proficiency import proficient_since_map
from adoption.scoring.rules import ScoringRules
from rewards.badge_evidence import scores_on
from rewards.models import SiteFirstProficient


def award_first_proficient(
    session: Session, *, now: datetime, as_of: date, rules: ScoringRules
) -> list[tuple[SiteFirstProficient, dict]]:
    """New awards (row, badge evidence) for sites that have none yet and now have a winner."""
    awarded = set(session.scalars(select(SiteFirstProficient.site_id)))
    sites = [
        s
        for s in session.scalars(select(Site).where(Site.go_live_on.is_not(None)))
        if s.id not in awarded
    ]
    if not sites:
        return []
    people = session.scalars(
        select(Employee).where(Employee.site_id.in_([s.id for s in sites]))
    ).all()
    since = proficient_since_map(session, [p.id for p in people], as_of, rules) if people else {}
    out = []
    for site in sites:
        staff = [p for p in people if p.site_id == site.id]
        found = _winner(session, site, staff, since, rules)
        if found is not None:
            out.append(_store(session, site, found, rules, now))
    session.flush()
    return out


def _winner(session, site: Site, staff: list[Employee], since, rules) -> dict | None:
    after = {p.id: since[p.id] for p in staff if since[p.id] and since[p.id] >= site.go_live_on}
    if not after:
        return None
    day = min(after.values())
    tied = [p for p in staff if after.get(p.id) == day]
    scores = scores_on(session, {p.id: day for p in tied}, rules)
    ranked = sorted(tied, key=lambda p: (-scores[p.id], p.external_id))
    return {
        "employee": ranked[0],
        "day": day,
        "score": scores[ranked[0].id],
        "tied_with": [{"user_id": p.external_id, "score": scores[p.id]} for p in ranked[1:]],
    }


def _store(session, site: Site, found: dict, rules, now) -> tuple[SiteFirstProficient, dict]:
    row = SiteFirstProficient(
        site_id=site.id,
        employee_id=found["employee"].id,
        proficient_since=found["day"],
        score=found["score"],
        config_version=rules.version,
        awarded_at=now,
    )
    session.add(row)
    evidence = {
        "site_id": site.code,
        "go_live_on": site.go_live_on.isoformat(),
        "proficient_since": found["day"].isoformat(),
        "score": found["score"],
        "config_version": rules.version,
        "tied_with": found["tied_with"],
    }
    return row, evidence
