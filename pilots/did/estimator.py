"""Staggered difference-in-differences: Callaway & Sant'Anna group-time ATT(g, t), no covariates.

Follows R `did` 2.5 (`att_gt`, panel data, no covariates, base period "varying", no
anticipation; `aggte` "dynamic" and "simple"). ATT(g, t) = mean change of the outcome from the
base period to t in group g − the same mean change over the comparison units. The base is the
last period before g when t ≥ g, and the period before t when t < g (a pre-trend placebo).
Comparison units: never treated (`never`), or never treated plus those first treated after t
(`notyet`). Each estimate carries every unit's influence function; se comes from R's
multiplier bootstrap (Rademacher weights, `DRAWS` draws from `numpy.random.default_rng(seed)`,
one draw matrix for every estimate), and intervals are estimate ± z(0.975) · se.
Input checks and the units and periods that enter live in `pilots.did.prep`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd

from pilots.did.prep import CONTROLS, Prepared, prepare

BASE_PERIOD = "varying"
DRAWS = 1_000
LEVEL = 0.95
_Z = NormalDist().inv_cdf(0.5 + LEVEL / 2)
_IQR_TO_SD = NormalDist().inv_cdf(0.75) - NormalDist().inv_cdf(0.25)
_DEGENERATE = math.sqrt(np.finfo(float).eps) * 10  # R mboot: a smaller spread is no spread
_CHUNK = 100  # bootstrap draws per matrix product, to bound memory on long panels

__all__ = [
    "BASE_PERIOD",
    "CONTROLS",
    "DRAWS",
    "Estimates",
    "analytic_se",
    "bootstrap_se",
    "estimate",
    "staggered_did",
]


@dataclass
class Estimates:
    """Point estimates, each with its influence function (one row per unit)."""

    control: str
    n_units: int
    cells: list[tuple[int, int]]  # (group, time), ordered by group then time
    att: np.ndarray
    psi: np.ndarray  # n_units × cells
    event_times: list[int] = field(default_factory=list)
    event_att: np.ndarray = field(default_factory=lambda: np.empty(0))
    event_psi: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    simple_att: float | None = None
    simple_psi: np.ndarray | None = None
    caveats: list[str] = field(default_factory=list)


def staggered_did(
    panel: pd.DataFrame,
    *,
    unit: str = "unit",
    time: str = "time",
    group: str = "group",
    outcome: str = "outcome",
    control: str = "never",
    seed: int = 0,
    draws: int = DRAWS,
    noun: str = "unit",
) -> dict:
    """The contract's DiD answer for a long unit × period panel (group 0 or empty: never)."""
    est = estimate(
        panel, unit=unit, time=time, group=group, outcome=outcome, control=control, noun=noun
    )
    se: list[float | None] = []
    if est.cells:
        columns = [est.psi, est.event_psi]
        if est.simple_psi is not None:
            columns.append(est.simple_psi[:, None])
        se = bootstrap_se(np.hstack(columns), seed, draws)
    k, m = len(est.cells), len(est.event_times)
    att_gt = [
        {"group": g, "time": t, **_interval(a, s)}
        for (g, t), a, s in zip(est.cells, est.att, se[:k], strict=True)
    ]
    event_time = [
        {"e": e, **_interval(a, s)}
        for e, a, s in zip(est.event_times, est.event_att, se[k : k + m], strict=True)
    ]
    overall = _interval(est.simple_att, se[k + m] if est.simple_psi is not None else None)
    return {
        "control": est.control,
        "base_period": BASE_PERIOD,
        "n_units": est.n_units,
        "att_gt": att_gt,
        "event_time": event_time,
        "overall": {**overall, "aggregation": "simple"},
        "caveats": est.caveats,
    }


def estimate(
    panel: pd.DataFrame,
    *,
    unit: str,
    time: str,
    group: str,
    outcome: str,
    control: str = "never",
    noun: str = "unit",
) -> Estimates:
    """ATT(g, t), the dynamic and simple aggregates and their influence functions."""
    prep = prepare(
        panel, unit=unit, time=time, group=group, outcome=outcome, control=control, noun=noun
    )
    cells, att, psi = _group_time(prep)
    est = Estimates(prep.control, len(prep.units), cells, att, psi, caveats=prep.caveats)
    if not cells:
        return est
    groups = np.array([g for g, _ in cells])
    times = np.array([t for _, t in cells])
    share = np.array([np.mean(prep.g == g) for g in groups])  # P(G = g), from the sample
    aggregate = _Aggregator(prep.g, groups, share, att, psi)
    est.event_times = sorted({int(e) for e in times - groups})
    parts = [aggregate(np.flatnonzero(times - groups == e)) for e in est.event_times]
    est.event_att = np.array([a for a, _ in parts])
    est.event_psi = np.column_stack([p for _, p in parts])
    post = np.flatnonzero(times >= groups)  # `simple` averages post-treatment cells only
    if post.size:
        est.simple_att, est.simple_psi = aggregate(post)
    return est


def _group_time(prep: Prepared) -> tuple[list[tuple[int, int]], np.ndarray, np.ndarray]:
    n, periods = len(prep.units), prep.periods
    cells, atts, psis = [], [], []
    for g in prep.groups:
        last_before_g = int(np.flatnonzero(periods < g)[-1])
        treated = prep.g == g
        for j in range(1, len(periods)):
            t = int(periods[j])
            base = last_before_g if g <= t else j - 1
            if prep.control == "never":
                control = prep.g == 0
            else:  # R did: never treated, or first treated after t (the group itself excluded)
                control = (prep.g == 0) | ((prep.g > t) & (prep.g != g))
            if not control.any():
                continue
            change = prep.y[:, j] - prep.y[:, base]
            mean_t, mean_c = change[treated].mean(), change[control].mean()
            psi = np.zeros(n)
            psi[treated] = n / treated.sum() * (change[treated] - mean_t)
            psi[control] = -n / control.sum() * (change[control] - mean_c)
            cells.append((int(g), t))
            atts.append(mean_t - mean_c)
            psis.append(psi)
    if not cells:
        return [], np.empty(0), np.empty((n, 0))
    return cells, np.array(atts), np.column_stack(psis)


@dataclass
class _Aggregator:
    """R `aggte`: cells weighted by P(G = g), with the weights' own estimation in the IF."""

    unit_groups: np.ndarray
    groups: np.ndarray  # per cell
    share: np.ndarray  # per cell
    att: np.ndarray
    psi: np.ndarray

    def __call__(self, keep: np.ndarray) -> tuple[float, np.ndarray]:
        pg = self.share[keep]
        total = pg.sum()
        weights = pg / total
        # R `wif`: each kept cell's indicator of its group, centred, and its share of the total.
        centred = (self.unit_groups[:, None] == self.groups[keep][None, :]) - pg[None, :]
        wif = centred / total - np.outer(centred.sum(axis=1), pg / total**2)
        att = self.att[keep]
        return float(weights @ att), self.psi[:, keep] @ weights + wif @ att


def analytic_se(psi: np.ndarray) -> np.ndarray:
    """R's se without the bootstrap, sqrt(mean(ψ²) / n) per column (a check on the IFs)."""
    n = psi.shape[0]
    return np.sqrt((psi**2).mean(axis=0) / n)


def bootstrap_se(psi: np.ndarray, seed: int, draws: int = DRAWS) -> list[float | None]:
    """R `mboot`: per column, the IQR of √n·mean(v·ψ) over Rademacher draws v, as a normal sd.

    Quantiles are R's type 1; a spread at or below √eps·10 gives None (a degenerate estimate).
    """
    n, k = psi.shape
    if k == 0:
        return []
    rng = np.random.default_rng(seed)
    stats = np.empty((draws, k))
    for start in range(0, draws, _CHUNK):
        size = min(_CHUNK, draws - start)
        signs = rng.integers(0, 2, size=(size, n), dtype=np.int8) * 2 - 1
        stats[start : start + size] = signs @ psi / math.sqrt(n)
    q25, q75 = np.quantile(stats, [0.25, 0.75], axis=0, method="inverted_cdf")
    spread = (q75 - q25) / _IQR_TO_SD
    return [float(s) / math.sqrt(n) if s > _DEGENERATE else None for s in spread]


def _interval(att: float | None, se: float | None) -> dict:
    if att is None:
        return {"att": None, "se": None, "ci_low": None, "ci_high": None}
    if se is None:
        return {"att": float(att), "se": None, "ci_low": None, "ci_high": None}
    return {
        "att": float(att),
        "se": se,
        "ci_low": float(att - _Z * se),
        "ci_high": float(att + _Z * se),
    }
