"""The pilot effect at one week (DESIGN.md "Pilot comparison"): pure functions on site values.

estimate = mean over pilot sites − mean over non-pilot sites, each site counting once
(`weighting=sites`) or by its rostered population (`rostered`). CI: percentile bootstrap of
sites within each group. p: two-sided permutation test over site labels.

Random draws, so a reference implementation can reproduce them exactly:
- bootstrap: one `numpy.random.default_rng(seed)`; in each of the 2,000 iterations first
  `rng.integers(0, n_pilot, n_pilot)` (pilot sites), then `rng.integers(0, n_control, n_control)`
  (control sites); the weights travel with their site. Bounds: `numpy.percentile(stats, [2.5,
  97.5])` (linear interpolation).
- Monte Carlo permutation (only when C(n, n_pilot) > 100,000): a second, fresh
  `default_rng(seed)`; with the sites ordered pilots first, control after, each of the 10,000
  relabellings labels pilot the sites at indices `rng.permutation(n)[:n_pilot]`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

RESAMPLES = 2_000
LEVEL = 0.95
EXACT_LIMIT = 100_000
RELABELLINGS = 10_000
TIE_TOLERANCE = 1e-12
WEIGHTINGS = ("sites", "rostered")


@dataclass(frozen=True)
class Effect:
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_value_mc_se: float | None  # null when the p-value is exact
    method: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class PValue:
    p_value: float
    mc_se: float | None
    exact: bool
    arrangements: int  # C(n, n_pilot)


def _arrays(values: Sequence[float], weights: Sequence[float] | None) -> tuple:
    x = np.asarray(values, dtype=float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != x.shape:
        raise ValueError("weights must match values")
    return x, w


def weighted_mean(values: Sequence[float], weights: Sequence[float] | None = None) -> float | None:
    x, w = _arrays(values, weights)
    total = w.sum()
    return float((w * x).sum() / total) if len(x) and total > 0 else None


def bootstrap_ci(
    pilot_values: Sequence[float],
    control_values: Sequence[float],
    weights: tuple[Sequence[float], Sequence[float]] | None = None,
    *,
    seed: int = 0,
    resamples: int = RESAMPLES,
    level: float = LEVEL,
) -> tuple[float, float]:
    """Percentile bootstrap CI of the difference of (weighted) means (draws: module doc)."""
    xp, wp = _arrays(pilot_values, None if weights is None else weights[0])
    xc, wc = _arrays(control_values, None if weights is None else weights[1])
    n_p, n_c = len(xp), len(xc)
    rng = np.random.default_rng(seed)
    ip, ic = np.empty((resamples, n_p), dtype=int), np.empty((resamples, n_c), dtype=int)
    for b in range(resamples):  # the draws alternate, so they cannot be batched
        ip[b] = rng.integers(0, n_p, n_p)
        ic[b] = rng.integers(0, n_c, n_c)
    pilot_means = (wp * xp)[ip].sum(axis=1) / wp[ip].sum(axis=1)
    control_means = (wc * xc)[ic].sum(axis=1) / wc[ic].sum(axis=1)
    stats = pilot_means - control_means
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(stats, [tail, 100 - tail])
    return float(low), float(high)


def permutation_p_value(
    pilot_values: Sequence[float],
    control_values: Sequence[float],
    weights: tuple[Sequence[float], Sequence[float]] | None = None,
    *,
    seed: int = 0,
    exact_limit: int = EXACT_LIMIT,
    relabellings: int = RELABELLINGS,
) -> PValue:
    """Two-sided p on |difference of means| over relabellings of the sites, the observed one
    included; statistics ≥ observed − 1e-12 count. Exact when C(n, n_pilot) ≤ exact_limit."""
    xp, wp = _arrays(pilot_values, None if weights is None else weights[0])
    xc, wc = _arrays(control_values, None if weights is None else weights[1])
    x, w = np.concatenate([xp, xc]), np.concatenate([wp, wc])
    n, k = len(x), len(xp)
    arrangements = math.comb(n, k)
    observed = abs(_difference(x, w, np.arange(k)[None, :])[0])
    if arrangements <= exact_limit:
        chosen = np.array(list(itertools.combinations(range(n), k)), dtype=int).reshape(-1, k)
        stats = np.abs(_difference(x, w, chosen))
        hits = int((stats >= observed - TIE_TOLERANCE).sum())
        return PValue(hits / arrangements, None, True, arrangements)
    rng = np.random.default_rng(seed)
    chosen = np.stack([rng.permutation(n)[:k] for _ in range(relabellings)])
    b = int((np.abs(_difference(x, w, chosen)) >= observed - TIE_TOLERANCE).sum())
    p = (1 + b) / (1 + relabellings)
    return PValue(p, math.sqrt(p * (1 - p) / relabellings), False, arrangements)


def _difference(x: np.ndarray, w: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Weighted mean of the chosen rows' sites − that of the others, one per row of `chosen`."""
    wx_in, w_in = (w * x)[chosen].sum(axis=1), w[chosen].sum(axis=1)
    wx_out, w_out = (w * x).sum() - wx_in, w.sum() - w_in
    return wx_in / w_in - wx_out / w_out


def effect(
    pilot_values: Sequence[float],
    control_values: Sequence[float],
    weights: tuple[Sequence[float], Sequence[float]] | None = None,
    seed: int = 0,
) -> Effect:
    """The effect with its CI, p-value and a method string naming every choice.

    `weights` is (pilot weights, control weights), e.g. rostered populations; None = each site
    counts once. With no site on a side every number is null.
    """
    weighting = "sites" if weights is None else "rostered"
    n_p, n_c = len(pilot_values), len(control_values)
    head = f"difference of site means (pilot − non-pilot), weighting={weighting}"
    if weighting == "rostered":
        head += " (each site weighted by its rostered population in the week)"
    if n_p == 0 or n_c == 0:
        method = f"{head}; not estimable: n_pilot={n_p}, n_control={n_c}"
        return Effect(None, None, None, None, None, method)
    wp, wc = (None, None) if weights is None else weights
    estimate = weighted_mean(pilot_values, wp) - weighted_mean(control_values, wc)
    low, high = bootstrap_ci(pilot_values, control_values, weights, seed=seed)
    perm = permutation_p_value(pilot_values, control_values, weights, seed=seed)
    method = "; ".join(
        [
            f"{head}; n_pilot={n_p}, n_control={n_c}",
            f"95% percentile bootstrap CI, sites resampled with replacement within each group, "
            f"{RESAMPLES} resamples, numpy default_rng(seed={seed}), each resample drawing "
            "rng.integers(0, n_pilot, n_pilot) then rng.integers(0, n_control, n_control)",
            _p_method(perm, seed),
        ]
    )
    return Effect(estimate, low, high, perm.p_value, perm.mc_se, method)


def _p_method(perm: PValue, seed: int) -> str:
    base = "two-sided permutation p-value on |difference of means| over site labels"
    if perm.exact:
        return f"{base}, exact enumeration of all C(n, n_pilot)={perm.arrangements} relabellings"
    return (
        f"{base}, Monte Carlo: C(n, n_pilot)={perm.arrangements} > {EXACT_LIMIT}, so "
        f"{RELABELLINGS} random relabellings (default_rng(seed={seed}), rng.permutation), "
        f"p = (1 + b) / (1 + {RELABELLINGS}), Monte Carlo standard error {perm.mc_se:.4f}"
    )
