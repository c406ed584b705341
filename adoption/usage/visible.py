"""What a viewer may see of the usage read models: adoption rows, insights and who needs help,
through the one privacy rule (`adoption.privacy`, docs/privacy.md). Views call these, never the
unfiltered `adoption.usage.insights.insights` or `adoption.usage.coaching.coaching`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adoption.calendar import employed_sql
from adoption.models import Employee, Site
from adoption.privacy import Person, Viewer, as_seen_by, group_row, shows_group, too_small
from adoption.scoring.rules import ScoringRules
from adoption.usage.coaching import SILENT_DAYS, Coaching, site_coaching
from adoption.usage.insights import (
    dormant_people,
    error_hotspots,
    sites_behind,
    unmapped_actions,
    unused_modules,
)
from adoption.usage.metrics import FIELDS

BEHIND_FIGURES = ("population", "adoption_rate", "gap")  # a site's own figures in `sites_behind`
# A hire date points at the person as a name would; so does the start, often that date.
HIRED = ("hired_on", "days_employed", "since", "days_since")


def visible_adoption(viewer: Viewer, rows: list[dict], min_group: int) -> list[dict]:
    """Adoption rows or series points (`adoption.usage.by_site`) as the viewer may see them:
    each says whether it is `suppressed`; a group of fewer than `min_group` people keeps its keys
    (site, day, week, window) but not its figures, except for hr and admin."""
    return [
        group_row(viewer, row, size=row["population"], figures=FIELDS, min_group=min_group)
        for row in rows
    ]


def visible_insights(
    session: Session,
    *,
    viewer: Viewer,
    min_group: int,
    sites: list[Site],
    first: date,
    last: date,
    now: datetime,
    rules: ScoringRules,
) -> dict:
    """`adoption.usage.insights.insights` as the viewer may see them.

    Dormant people the viewer may not see by name (`adoption.privacy.sees_person`) are
    "Anonymous". When the sites in scope hold fewer than `min_group` people (the window's
    population), the lists summarising their usage (error hot spots, unused modules, unmapped
    actions) are None and `suppressed` says so, except for hr and admin. A site behind its wave
    with fewer than `min_group` people that week keeps its place in `sites_behind`, not its
    figures.
    """
    site_ids = {s.id for s in sites}
    shown = shows_group(viewer, scope_population(session, site_ids, first, last), min_group)
    behind = sites_behind(session, sites, now, rules)
    return {
        "from": first,
        "to": last,
        "error_hotspots": error_hotspots(session, site_ids, first, last) if shown else None,
        "unused_modules": unused_modules(session, site_ids, first, last) if shown else None,
        "dormant_employees": [
            as_seen_by(viewer, person, item)
            for person, item in dormant_people(session, site_ids, last)
        ],
        "unmapped_actions": unmapped_actions(session, site_ids, first, last) if shown else None,
        "sites_behind": [
            group_row(viewer, i, size=i["population"], figures=BEHIND_FIGURES, min_group=min_group)
            for i in behind
        ],
        "suppressed": not shown,
        "suppressed_reason": None if shown else too_small(min_group),
    }


def scope_population(session: Session, site_ids: set[int], first: date, last: date) -> int:
    """Rostered people whose home site is one of `site_ids`, employed on a day of the window."""
    if not site_ids:
        return 0
    return session.scalar(
        select(func.count(Employee.id)).where(
            Employee.site_id.in_(site_ids),
            Employee.rostered.is_(True),
            employed_sql(first, last),
        )
    )


def visible_coaching(
    session: Session,
    site: Site,
    now: datetime,
    viewer: Viewer,
    silent_days: int = SILENT_DAYS,
) -> Coaching:
    """Who needs help at the site (`adoption.usage.coaching.site_coaching`) as the viewer may
    see it: every list (dormant, struggling, silent, never started) by name for the site's
    manager, hr and admin (opted-out people included: coaching is not a ranking); "Anonymous"
    for anyone else, a never-started person also without hire date and start (`since`, which
    may be the hire date) or the days counted from them. Features and suggestions stay."""
    result = site_coaching(session, site, now, silent_days)

    def seen(row, also_hide=()):
        person = Person(row.employee_id, site.id)
        return as_seen_by(viewer, person, row, also_hide=also_hide)

    return replace(
        result,
        dormant=[seen(r) for r in result.dormant],
        struggling=[seen(r) for r in result.struggling],
        silent=[seen(r) for r in result.silent],
        never_started=[seen(r, HIRED) for r in result.never_started],
    )
