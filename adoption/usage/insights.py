"""Insights: where people fail, what nobody uses, who went quiet, what awaits mapping, and
which sites fall behind their wave. Every item carries the figures it rests on.

What a viewer may see of them is `adoption.usage.visible.visible_insights` (docs/privacy.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median
from typing import TypedDict

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from adoption.calendar import last_complete_day, last_complete_week, site_timezones, week_window
from adoption.ingest.registry import canonical_map
from adoption.models import DailyUsage, Employee, Feature, Site
from adoption.privacy import Person
from adoption.scoring.rules import ScoringRules
from adoption.usage.metrics import Window, site_metrics

HOTSPOT_MIN_ATTEMPTS = 20
HOTSPOTS = 10
HOTSPOT_DAYS = 28
RARE_SHARE = 0.01
DORMANT_SILENT_DAYS = 7
DORMANT_LOOKBACK_DAYS = 28
BEHIND_GAP = 0.15


class Hotspot(TypedDict):
    action: str
    module: str
    attempts: int
    errors: int
    error_rate: float
    error_sites: int  # sites where it failed at least once in the window
    measured: str


class UnusedModule(TypedDict):
    module: str
    successes: int
    share_of_successes: float
    features: list[str]
    measured: str


class DormantEmployee(TypedDict):
    user_id: str | None  # None: anonymous to this viewer
    display_name: str
    site_id: str
    last_active_day: date
    days_silent: int
    active_days_before: int
    measured: str


class UnmappedAction(TypedDict):
    action: str
    first_seen: datetime
    events: int
    measured: str


class SiteBehind(TypedDict):
    site_id: str
    wave: int
    week: int
    population: int
    adoption_rate: float
    wave_median: float
    gap: float
    measured: str


# "from" and "to" are not identifiers, hence the functional form.
Insights = TypedDict(
    "Insights",
    {
        "from": date,
        "to": date,
        "error_hotspots": list[Hotspot],
        "unused_modules": list[UnusedModule],
        "dormant_employees": list[DormantEmployee],
        "unmapped_actions": list[UnmappedAction],
        "sites_behind": list[SiteBehind],
    },
)


def insights(
    session: Session,
    *,
    sites: list[Site],
    first: date,
    last: date,
    now: datetime,
    rules: ScoringRules,
) -> Insights:
    """Every insight over `sites` and the window [first, last]; each item carries its figures."""
    site_ids = {s.id for s in sites}
    return {
        "from": first,
        "to": last,
        "error_hotspots": error_hotspots(session, site_ids, first, last),
        "unused_modules": unused_modules(session, site_ids, first, last),
        "dormant_employees": dormant_employees(session, site_ids, last),
        "unmapped_actions": unmapped_actions(session, site_ids, first, last),
        "sites_behind": sites_behind(session, sites, now, rules),
    }


def _usage_by_feature(session, site_ids, first, last) -> pd.DataFrame:
    du = DailyUsage
    error_sites = func.count(func.distinct(case((du.errors > 0, du.site_id))))
    rows = session.execute(
        select(du.feature_id, func.sum(du.successes), func.sum(du.errors), error_sites)
        .where(du.site_id.in_(site_ids), du.local_day >= first, du.local_day <= last)
        .group_by(du.feature_id)
    ).all()
    return pd.DataFrame(rows, columns=["feature_id", "successes", "errors", "error_sites"])


def _features(session) -> dict[int, Feature]:
    return {f.id: f for f in session.scalars(select(Feature))}


def error_hotspots(session, site_ids, first, last) -> list[Hotspot]:
    """Features ranked by error rate, then attempts (then action), among those with at least
    `HOTSPOT_MIN_ATTEMPTS` attempts and an error: a feature failing 14% of 50 tries outranks
    one failing 1.2% of 5,000, and of two equal rates the more used one comes first."""
    usage = _usage_by_feature(session, site_ids, first, last)
    features = _features(session)
    items = []
    for row in usage.itertuples(index=False):
        attempts = int(row.successes + row.errors)
        if attempts < HOTSPOT_MIN_ATTEMPTS or not row.errors:
            continue
        feature = features[row.feature_id]
        items.append(
            {
                "action": feature.action,
                "module": feature.module,
                "attempts": attempts,
                "errors": int(row.errors),
                "error_rate": row.errors / attempts,
                "error_sites": int(row.error_sites),
                "measured": f"errors ÷ (successes + errors) at the sites in scope, "
                f"{first}..{last}, features with ≥ {HOTSPOT_MIN_ATTEMPTS} attempts",
            }
        )
    items.sort(key=lambda i: (-i["error_rate"], -i["attempts"], i["action"]))
    return items[:HOTSPOTS]


def hotspot_window(timezones: list[str], now: datetime) -> tuple[date, date]:
    """The days the chain's error hot spots cover: the last `HOTSPOT_DAYS` (28) local days that
    have ended at every site, i.e. [last_complete_day − 27, last_complete_day] (both ends
    inclusive; with no site, UTC decides, as in `adoption.calendar`)."""
    last = last_complete_day(timezones, now)
    return last - timedelta(days=HOTSPOT_DAYS - 1), last


@dataclass(frozen=True)
class ChainHotspots:
    """The chain's error hot spots: every site, `first`..`last` (see `hotspot_window`), features
    with at least `min_attempts` attempts, highest error rate first (`error_hotspots` items)."""

    first: date
    last: date
    min_attempts: int
    items: list[Hotspot]


def chain_hotspots(session: Session, now: datetime) -> ChainHotspots:
    """`error_hotspots` over all sites in `hotspot_window` (what the rollout lead's page shows)."""
    first, last = hotspot_window(site_timezones(session), now)
    site_ids = set(session.scalars(select(Site.id)))
    items = error_hotspots(session, site_ids, first, last) if site_ids else []
    return ChainHotspots(first=first, last=last, min_attempts=HOTSPOT_MIN_ATTEMPTS, items=items)


def unused_modules(session, site_ids, first, last) -> list[UnusedModule]:
    """Mapped modules with no successes, or under 1% of all successes, in the window."""
    usage = _usage_by_feature(session, site_ids, first, last)
    features = _features(session)
    canonical = canonical_map(session)
    by_module: dict[str, int] = {}
    for f in features.values():
        if f.mapped and canonical.get(f.id, f.id) == f.id:
            by_module.setdefault(f.module, 0)
    for row in usage.itertuples(index=False):
        module = features[row.feature_id].module
        if module in by_module:
            by_module[module] += int(row.successes)
    total = sum(by_module.values())
    items = []
    for module, successes in sorted(by_module.items()):
        share = successes / total if total else 0.0
        if successes == 0 or share < RARE_SHARE:
            items.append(
                {
                    "module": module,
                    "successes": successes,
                    "share_of_successes": share,
                    "features": sorted(f.action for f in features.values() if f.module == module),
                    "measured": f"successful events per module at the sites in scope, "
                    f"{first}..{last}; listed when none or under {RARE_SHARE:.0%} of all",
                }
            )
    return items


def dormant_employees(session, site_ids, last) -> list[DormantEmployee]:
    """Active in the 28 days before the window's last 7 days, silent in those 7: resistance."""
    return [item for _person, item in dormant_people(session, site_ids, last)]


def dormant_people(session, site_ids, last) -> list[tuple[Person, DormantEmployee]]:
    """`dormant_employees`, each with whom it is about (for `adoption.privacy`)."""
    quiet_from = last - timedelta(days=DORMANT_SILENT_DAYS - 1)
    look_from = quiet_from - timedelta(days=DORMANT_LOOKBACK_DAYS)
    du = DailyUsage
    rows = session.execute(
        select(Employee, func.max(du.local_day), func.count(func.distinct(du.local_day)))
        .join(du, du.employee_id == Employee.id)
        .where(
            Employee.site_id.in_(site_ids),
            Employee.rostered.is_(True),
            du.successes > 0,
            du.local_day >= look_from,
            du.local_day <= last,
        )
        .group_by(Employee.id)
    ).all()
    items = []
    for emp, last_active, active_days in rows:
        if last_active >= quiet_from:
            continue
        person = Person(emp.id, emp.site_id, emp.public_opt_out)
        items.append(
            (
                person,
                {
                    "user_id": emp.external_id,
                    "display_name": emp.display_name,
                    "site_id": emp.site.code,
                    "last_active_day": last_active,
                    "days_silent": (last - last_active).days,
                    "active_days_before": active_days,
                    "measured": f"active {look_from}..{quiet_from - timedelta(days=1)}, "
                    f"no success {quiet_from}..{last}",
                },
            )
        )
    items.sort(key=lambda i: (-i[1]["days_silent"], i[1]["site_id"], i[1]["user_id"]))
    return items


def unmapped_actions(session, site_ids, first, last) -> list[UnmappedAction]:
    du = DailyUsage
    events = func.coalesce(func.sum(du.successes + du.errors), 0)
    rows = session.execute(
        select(Feature.action, Feature.created_at, events)
        .outerjoin(
            du,
            (du.feature_id == Feature.id)
            & du.site_id.in_(site_ids)
            & (du.local_day >= first)
            & (du.local_day <= last),
        )
        .where(Feature.mapped.is_(False))
        .group_by(Feature.id, Feature.action, Feature.created_at)
        .order_by(events.desc(), Feature.action)
    ).all()
    return [
        {
            "action": action,
            "first_seen": seen,
            "events": int(count),
            "measured": f"events naming the action at the sites in scope, {first}..{last}",
        }
        for action, seen, count in rows
    ]


def sites_behind(
    session, sites: list[Site], now: datetime, rules: ScoringRules
) -> list[SiteBehind]:
    """Sites whose adoption rate in their latest complete week trails their wave's median there.

    Wave and go-live come from the rows this query matched, never from Site objects the session
    loaded earlier: another transaction may have set them since (READ COMMITTED; sessions keep
    loaded rows), and a stale object without them once made this a TypeError."""
    waves: dict[int, list] = {}
    columns = (Site.id, Site.code, Site.wave, Site.go_live_on, Site.timezone)
    for site in session.execute(
        select(*columns).where(Site.wave.is_not(None), Site.go_live_on.is_not(None))
    ):
        waves.setdefault(site.wave, []).append(site)
    wanted = {s.id for s in sites}
    items = []
    for wave, members in sorted(waves.items()):
        if not any(s.id in wanted for s in members):
            continue
        items.extend(_behind_in_wave(session, wave, members, wanted, now, rules))
    return items


def _behind_in_wave(session, wave, members, wanted, now, rules) -> list[SiteBehind]:
    weeks = {s.id: last_complete_week(s.go_live_on, s.timezone, now) for s in members}
    k = min(weeks.values())
    if k < 0 or len(members) < 2:
        return []
    windows = [Window(s.id, *week_window(s.go_live_on, k)) for s in members]
    figures = dict(
        zip((w.site_id for w in windows), site_metrics(session, windows, rules), strict=True)
    )
    rates = {site_id: m["adoption_rate"] for site_id, m in figures.items()}
    known = [r for r in rates.values() if r is not None]
    if not known:
        return []
    wave_median = median(known)
    return [
        {
            "site_id": s.code,
            "wave": wave,
            "week": k,
            "population": figures[s.id]["population"],
            "adoption_rate": rates[s.id],
            "wave_median": wave_median,
            "gap": wave_median - rates[s.id],
            "measured": f"adoption rate in week {k} since go-live vs the median of wave {wave}; "
            f"listed when {BEHIND_GAP:.0%} or more below",
        }
        for s in members
        if s.id in wanted and rates[s.id] is not None and wave_median - rates[s.id] >= BEHIND_GAP
    ]
