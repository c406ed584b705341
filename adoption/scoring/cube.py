"""Reading the daily_usage rollup into dense arrays (employee × day × core feature) for scoring."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adoption.ingest.registry import canonical_map
from adoption.models import DailyUsage, Employee, Feature


@dataclass(frozen=True)
class CoreCatalog:
    """Core features as they are now (after aliasing), with their expert task times."""

    feature_ids: tuple[int, ...]
    expected_ms: np.ndarray  # float, NaN where a feature has no expected_ms

    @property
    def size(self) -> int:
        return len(self.feature_ids)


def core_catalog(session: Session) -> CoreCatalog:
    canonical = canonical_map(session)
    rows = session.execute(
        select(Feature.id, Feature.expected_ms)
        .where(Feature.is_core.is_(True))
        .order_by(Feature.id)
    ).all()
    kept = [(fid, ms) for fid, ms in rows if canonical.get(fid, fid) == fid]
    return CoreCatalog(
        tuple(fid for fid, _ in kept),
        np.array([np.nan if ms is None else float(ms) for _, ms in kept], dtype=float),
    )


@dataclass
class UsageCube:
    """Daily figures for a block of employees over consecutive days starting at `first_day`."""

    first_day: date
    employee_ids: list[int]
    successes: np.ndarray  # [employee, day, core feature]
    errors: np.ndarray
    dur_n: np.ndarray
    dur_log_sum: np.ndarray
    active: np.ndarray  # [employee, day] bool: any success, any feature, any site
    home_site_active: np.ndarray  # [employee, day] bool: anyone active at the home site
    employed: np.ndarray  # [employee, day] bool


def day_index(first_day: date, days: int) -> list[date]:
    return [first_day + timedelta(days=i) for i in range(days)]


def load_cube(
    session: Session,
    employee_ids: list[int],
    first_day: date,
    last_day: date,
    catalog: CoreCatalog,
) -> UsageCube:
    n_e, n_t, n_k = len(employee_ids), (last_day - first_day).days + 1, catalog.size
    e_pos = {eid: i for i, eid in enumerate(employee_ids)}
    k_pos = {fid: i for i, fid in enumerate(catalog.feature_ids)}
    cube = UsageCube(
        first_day,
        list(employee_ids),
        np.zeros((n_e, n_t, n_k)),
        np.zeros((n_e, n_t, n_k)),
        np.zeros((n_e, n_t, n_k)),
        np.zeros((n_e, n_t, n_k)),
        np.zeros((n_e, n_t), dtype=bool),
        np.zeros((n_e, n_t), dtype=bool),
        np.zeros((n_e, n_t), dtype=bool),
    )
    canonical = canonical_map(session)
    du = DailyUsage
    in_range = (du.local_day >= first_day) & (du.local_day <= last_day)
    rows = session.execute(
        select(
            du.employee_id,
            du.local_day,
            du.feature_id,
            func.sum(du.successes),
            func.sum(du.errors),
            func.sum(du.dur_n),
            func.sum(du.dur_log_sum),
        )
        .where(du.employee_id.in_(employee_ids), in_range)
        .group_by(du.employee_id, du.local_day, du.feature_id)
    ).all()
    if rows:
        _scatter(cube, rows, e_pos, k_pos, canonical, first_day)
    _fill_people(session, cube, e_pos, first_day, last_day, in_range)
    return cube


def _scatter(cube: UsageCube, rows, e_pos, k_pos, canonical, first_day: date) -> None:
    """Add the rollup rows into the cube in bulk (np.add.at sums rows sharing a cell)."""
    eid, day, fid, succ, err, dn, dls = (np.array(c, dtype=object) for c in zip(*rows, strict=True))
    e = np.fromiter((e_pos[x] for x in eid), dtype=np.int64, count=len(eid))
    origin = first_day.toordinal()
    t = np.fromiter((d.toordinal() - origin for d in day), dtype=np.int64, count=len(day))
    succ = succ.astype(float)
    cube.active[e[succ > 0], t[succ > 0]] = True
    k = np.fromiter(
        (k_pos.get(canonical.get(f, f), -1) for f in fid), dtype=np.int64, count=len(fid)
    )
    core = k >= 0
    idx = (e[core], t[core], k[core])
    np.add.at(cube.successes, idx, succ[core])
    np.add.at(cube.errors, idx, err[core].astype(float))
    np.add.at(cube.dur_n, idx, dn[core].astype(float))
    np.add.at(cube.dur_log_sum, idx, dls[core].astype(float))


def _fill_people(session, cube, e_pos, first_day, last_day, in_range) -> None:
    people = session.execute(
        select(Employee.id, Employee.site_id, Employee.hired_on, Employee.left_on).where(
            Employee.id.in_(cube.employee_ids)
        )
    ).all()
    homes = {site for _, site, _, _ in people}
    du = DailyUsage
    site_days: dict[int, list[int]] = {}
    for site, day in session.execute(
        select(du.site_id, du.local_day)
        .where(du.site_id.in_(homes), in_range)
        .group_by(du.site_id, du.local_day)
        .having(func.sum(du.successes) > 0)
    ):
        site_days.setdefault(site, []).append((day - first_day).days)
    n_t = (last_day - first_day).days + 1
    for eid, site, hired, left in people:
        e = e_pos[eid]
        cube.home_site_active[e, site_days.get(site, [])] = True
        start = 0 if hired is None else max(0, (hired - first_day).days)
        stop = n_t if left is None else min(n_t, (left - first_day).days + 1)
        if start < stop:
            cube.employed[e, start:stop] = True
