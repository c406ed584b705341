"""The per-window reference for the weekly panel (pilots.weekly): what the site weeks were
computed with before it, one window at a time. Rates come from
`adoption.usage.metrics.site_metrics`; mean proficiency and the medians are the loops
`pilots.curves` used to run over each window's population."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import select

from adoption.models import Employee, Site
from adoption.scoring.components import score_frame
from adoption.scoring.proficiency import first_active_days, proficient_since_map
from adoption.usage.metrics import Window, population, site_metrics
from pilots.survival import km_median, spell
from pilots.weekly import Cells


def windows_of(cells: Cells) -> list[Window]:
    return [
        Window(int(s), date.fromordinal(int(f)), date.fromordinal(int(f) + 6))
        for s, f in zip(cells.site, cells.first, strict=True)
    ]


def reference(session, cells: Cells, metric: str, rules) -> list:
    """The metric of each cell's window (None where undefined)."""
    windows = windows_of(cells)
    if metric not in ("mean_proficiency", "time_to_first_use", "time_to_proficiency"):
        return [m[metric] for m in site_metrics(session, windows, rules)]
    people = pd.DataFrame(
        session.execute(
            select(Employee.id, Employee.site_id, Employee.hired_on, Employee.left_on)
            .where(Employee.site_id.in_({w.site_id for w in windows}))
            .where(Employee.rostered.is_(True))
            .order_by(Employee.id)
        ).all(),
        columns=["id", "site_id", "hired_on", "left_on"],
    )
    if metric == "mean_proficiency":
        return _mean_proficiency(session, people, windows, rules)
    return _median_days(session, people, windows, metric, rules)


def _mean_proficiency(session, people, windows, rules) -> list:
    ends = sorted({w.last for w in windows})
    frame = score_frame(session, [int(i) for i in people["id"]], ends[0], ends[-1], rules)
    score = dict(
        zip(zip(frame["employee_id"], frame["day"], strict=True), frame["score"], strict=True)
    )
    out = []
    for w in windows:
        # Not started (NaN, no score) counts as 0 in a mean (DESIGN "Not started").
        scores = [np.nan_to_num(score[(int(e), w.last)]) for e in population(people, w)["id"]]
        out.append(float(np.mean(scores)) if scores else None)
    return out


def _median_days(session, people, windows, metric, rules) -> list:
    ids = [int(i) for i in people["id"]]
    if metric == "time_to_first_use":
        reached = first_active_days(session, ids)
    else:
        reached = proficient_since_map(session, ids, max(w.last for w in windows), rules)
    go_live = {s.id: s.go_live_on for s in session.scalars(select(Site))}
    out = []
    for w in windows:
        spells = []
        for p in population(people, w).itertuples(index=False):
            hired = None if pd.isna(p.hired_on) else p.hired_on
            start = go_live[w.site_id] if hired is None else max(go_live[w.site_id], hired)
            left = None if pd.isna(p.left_on) else p.left_on
            got = spell(start, reached.get(int(p.id)), left, w.last)
            if got is not None:
                spells.append(got)
        out.append(km_median(*zip(*spells, strict=True)) if spells else None)
    return out


def same(found: np.ndarray, expected: list) -> bool:
    """Equal bit for bit, NaN standing for None."""
    wanted = np.array([np.nan if v is None else v for v in expected], dtype=float)
    return np.array_equal(np.asarray(found, dtype=float), wanted, equal_nan=True)
