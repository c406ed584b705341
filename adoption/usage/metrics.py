"""Adoption metrics per site and window (DESIGN.md "Definitions"), read from daily_usage.

Many (site, window) pairs are computed from one read of the rollup, so curves by week since
go-live across a chain cost a handful of queries, not one per point.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adoption.calendar import employed_mask
from adoption.ingest.registry import canonical_map
from adoption.models import DailyUsage, Employee, Site
from adoption.scoring.components import score_frame
from adoption.scoring.cube import core_catalog
from adoption.scoring.rules import PROFICIENT_LEVELS, ScoringRules

FIELDS = (
    "population",
    "active",
    "adoption_rate",
    "stickiness",
    "mean_breadth",
    "error_rate",
    "proficient_share",
)


@dataclass(frozen=True)
class Window:
    site_id: int
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def population(people: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Rostered employees of the site employed on at least one day of the window."""
    mine = people[people["site_id"] == window.site_id]
    return mine[employed_mask(mine, window.first, window.last)]


@dataclass
class _SiteData:
    """One site's slice of the read as arrays (days as ordinals), so a window is a few masks."""

    people: pd.DataFrame  # rostered employees whose home site it is: id, hired_on, left_on
    ids: np.ndarray  # their ids
    active_emp: np.ndarray  # (employee, day) pairs with a success, any site
    active_day: np.ndarray
    core_emp: np.ndarray  # per (employee, day, core feature after aliasing): successes
    core_day: np.ndarray
    core_feature: np.ndarray
    core_successes: np.ndarray
    day: np.ndarray  # per local day at the site: successes and errors of all events
    day_successes: np.ndarray
    day_errors: np.ndarray

    @classmethod
    def of(cls, people, active, core, days) -> _SiteData:
        return cls(
            people,
            people["id"].to_numpy(np.int64),
            active["employee_id"].to_numpy(np.int64),
            _ordinals(active["local_day"]),
            core["employee_id"].to_numpy(np.int64),
            _ordinals(core["local_day"]),
            core["feature_id"].to_numpy(np.int64),
            core["successes"].to_numpy(float),
            _ordinals(days["local_day"]),
            days["successes"].to_numpy(float),
            days["errors"].to_numpy(float),
        )


def _load(session: Session, site_ids: set[int], lo: date, hi: date) -> tuple[dict, int]:
    people = pd.DataFrame(
        session.execute(
            select(Employee.id, Employee.site_id, Employee.hired_on, Employee.left_on).where(
                Employee.site_id.in_(site_ids), Employee.rostered.is_(True)
            )
        ).all(),
        columns=["id", "site_id", "hired_on", "left_on"],
    )
    du = DailyUsage
    in_range = (du.local_day >= lo) & (du.local_day <= hi)
    usage = pd.DataFrame(
        session.execute(
            select(
                Employee.site_id,
                du.employee_id,
                du.local_day,
                du.feature_id,
                func.sum(du.successes),
            )
            .join(Employee, Employee.id == du.employee_id)
            .where(Employee.site_id.in_(site_ids), Employee.rostered.is_(True), in_range)
            .group_by(Employee.site_id, du.employee_id, du.local_day, du.feature_id)
        ).all(),
        columns=["home", "employee_id", "local_day", "feature_id", "successes"],
    )
    catalog = core_catalog(session)
    canonical = canonical_map(session)
    usage["feature_id"] = usage["feature_id"].map(lambda f: canonical.get(f, f))
    active = usage[usage["successes"] > 0][["home", "employee_id", "local_day"]]
    active = active.drop_duplicates()
    core = usage[usage["feature_id"].isin(catalog.feature_ids)]
    site_days = pd.DataFrame(
        session.execute(
            select(du.site_id, du.local_day, func.sum(du.successes), func.sum(du.errors))
            .where(du.site_id.in_(site_ids), in_range)
            .group_by(du.site_id, du.local_day)
        ).all(),
        columns=["site_id", "local_day", "successes", "errors"],
    )
    parts = {
        site: _SiteData.of(
            _part(people, "site_id", site),
            _part(active, "home", site),
            _part(core, "home", site),
            _part(site_days, "site_id", site),
        )
        for site in site_ids
    }
    return parts, catalog.size


def _part(frame: pd.DataFrame, column: str, value: int) -> pd.DataFrame:
    return frame[frame[column] == value]


def _ordinals(days) -> np.ndarray:
    return np.fromiter((d.toordinal() for d in days), dtype=np.int64, count=len(days))


def site_metrics(session: Session, windows: list[Window], rules: ScoringRules) -> list[dict]:
    """The contract's adoption fields for each (site, window), in the order given."""
    if not windows:
        return []
    lo = min(w.first for w in windows)
    hi = max(w.last for w in windows)
    parts, core_count = _load(session, {w.site_id for w in windows}, lo, hi)
    ids = [int(i) for p in parts.values() for i in p.ids]
    proficient = _proficient_on(session, ids, windows, rules)
    return [_one(parts[w.site_id], core_count, w, proficient, rules) for w in windows]


def _proficient_on(session, ids, windows, rules) -> set[tuple[int, date]]:
    """(employee, day) pairs at Proficient or above, for each window's last day."""
    ends = sorted({w.last for w in windows})
    if not ids:
        return set()
    frame = score_frame(session, ids, ends[0], ends[-1], rules)
    frame = frame[frame["day"].isin(ends) & frame["level"].isin(list(PROFICIENT_LEVELS))]
    return set(zip(frame["employee_id"].astype(int), frame["day"], strict=True))


def _one(
    data: _SiteData, core_count: int, window: Window, proficient: set, rules: ScoringRules
) -> dict:
    first, last = window.first.toordinal(), window.last.toordinal()
    # Population: rostered, home here, employed on at least one day of the window.
    ids = data.ids[employed_mask(data.people, window.first, window.last).to_numpy(bool)]
    n = len(ids)
    if not n:
        return {
            "population": 0,
            "active": 0,
            "adoption_rate": None,
            "stickiness": None,
            "mean_breadth": None,
            "error_rate": _error_rate(data, first, last),
            "proficient_share": None,
        }
    seen = (data.active_day >= first) & (data.active_day <= last)
    seen &= np.isin(data.active_emp, ids)
    active_ids = np.unique(data.active_emp[seen])
    daily_actives = int(seen.sum())  # Σ over days of the population's daily actives
    stickiness = daily_actives / (window.days * len(active_ids)) if len(active_ids) else None
    return {
        "population": n,
        "active": len(active_ids),
        "adoption_rate": len(active_ids) / n,
        "stickiness": stickiness,
        "mean_breadth": _mean_breadth(data, core_count, ids, first, last, rules),
        "error_rate": _error_rate(data, first, last),
        "proficient_share": sum((int(e), window.last) in proficient for e in ids) / n,
    }


def _error_rate(data: _SiteData, first: int, last: int) -> float | None:
    """errors ÷ (successes + errors) of all events at the site in the window."""
    inside = (data.day >= first) & (data.day <= last)
    errors = data.day_errors[inside].sum()
    attempts = data.day_successes[inside].sum() + errors
    return float(errors / attempts) if attempts else None


def _mean_breadth(
    data: _SiteData, core_count: int, ids: np.ndarray, first: int, last: int, rules: ScoringRules
) -> float:
    """Breadth over the window itself, averaged over the population (inactive people count 0)."""
    if not core_count:
        return 0.0
    inside = (data.core_day >= first) & (data.core_day <= last) & np.isin(data.core_emp, ids)
    if not inside.any():
        return 0.0
    pairs = np.stack([data.core_emp[inside], data.core_feature[inside]], axis=1)
    _, which = np.unique(pairs, axis=0, return_inverse=True)
    per_feature = np.bincount(which.ravel(), weights=data.core_successes[inside])
    mastered = int((per_feature >= rules.breadth_min_successes).sum())
    return mastered / core_count / len(ids)


def sites_by_id(session: Session, site_ids: set[int] | None = None) -> dict[int, Site]:
    stmt = select(Site).order_by(Site.code_key)
    if site_ids is not None:
        stmt = stmt.where(Site.id.in_(site_ids))
    return {s.id: s for s in session.scalars(stmt)}
