"""The pilot effect at one week (DESIGN.md "Pilot comparison"): pure functions on site values.

estimate = mean over pilot sites − mean over non-pilot sites, each site counting once
(`weighting=sites`) or by its rostered population (`rostered`). CI: percentile bootstrap of
sites within each group. p: two-sided permutation test over site labels.

The percentile bootstrap is the contract's interval (`ci_low`, `ci_high`), but with a handful of
pilot sites it promises more than it keeps (93.8 % of null simulations covered zero, not 95 %).
What a verdict rests on is `perm_ci_low`/`perm_ci_high`: the permutation test inverted, every
shift δ of the pilot sites' values that the same test, on the same relabellings, does not reject
at 5 % (Hodges–Lehmann style, as in Ernst 2004 "Permutation methods"). Under a constant shift it
covers the true effect at least 95 % of the time whatever the number of sites, because it fails
exactly when the exact test would reject the truth (`bench/coverage.py` measures both coverage
and power on null and planted simulations shaped like a chain's pilots).

Random draws, so a reference implementation can reproduce them exactly:
- bootstrap: one `numpy.random.default_rng(seed)`; in each of the 2,000 iterations first
  `rng.integers(0, n_pilot, n_pilot)` (pilot sites), then `rng.integers(0, n_control, n_control)`
  (control sites); the weights travel with their site. Bounds: `numpy.percentile(stats, [2.5,
  97.5])` (linear interpolation).
- Monte Carlo permutation (only when C(n, n_pilot) > 100,000): a second, fresh
  `default_rng(seed)`; with the sites ordered pilots first, control after, each of the 10,000
  relabellings labels pilot the sites at indices `rng.permutation(n)[:n_pilot]`.

The bootstrap reads those draws in one go (`resample_indices`) and the exact test builds its
relabellings as one array (`combinations`), so both are a few numpy operations however many
resamples or relabellings there are; the numbers are the ones the loops above give, bit for bit.
"""

from __future__ import annotations

import functools
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from adoption.locales import N_, Text

RESAMPLES = 2_000
LEVEL = 0.95
EXACT_LIMIT = 100_000
RELABELLINGS = 10_000
TIE_TOLERANCE = 1e-12
WEIGHTINGS = ("sites", "rostered")
WORD = 1 << 32  # numpy draws an integer below n < 2**32 from 32-bit words of the generator
MASK = np.uint64(WORD - 1)


@dataclass(frozen=True)
class Effect:
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_value_mc_se: float | None  # null when the p-value is exact
    method: str
    perm_ci_low: float | None = None  # the inverted permutation test (module doc)
    perm_ci_high: float | None = None

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
    if not len(xp) or not len(xc):
        raise ValueError("each group needs at least one site")
    rng = np.random.default_rng(seed)
    ip, ic = resample_indices(rng, (len(xp), len(xc)), resamples)
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
    x, w, k = _pooled(pilot_values, control_values, weights)
    n = len(x)
    arrangements = math.comb(n, k)
    observed = abs(_difference(x, w, np.arange(k)[None, :])[0])
    chosen = relabelled(n, k, seed, exact_limit, relabellings)
    hits = int((np.abs(_difference(x, w, chosen)) >= observed - TIE_TOLERANCE).sum())
    if arrangements <= exact_limit:
        return PValue(hits / arrangements, None, True, arrangements)
    p = (1 + hits) / (1 + relabellings)
    return PValue(p, math.sqrt(p * (1 - p) / relabellings), False, arrangements)


def permutation_ci(
    pilot_values: Sequence[float],
    control_values: Sequence[float],
    weights: tuple[Sequence[float], Sequence[float]] | None = None,
    *,
    seed: int = 0,
    level: float = LEVEL,
    exact_limit: int = EXACT_LIMIT,
    relabellings: int = RELABELLINGS,
) -> tuple[float, float]:
    """The shifts δ the permutation test of `permutation_p_value` does not reject at 1 − level
    when δ is taken off every pilot site's value: its p-value at δ exceeds 1 − level.

    Taking δ off the pilots turns each relabelling S's statistic into D_S − δ·c_S, where D_S is
    its difference of means and c_S the same difference of the pilot indicator (1 for the
    observed labels), so S counts as extreme while |D_S − δ·c_S| ≥ |D − δ|: a concave
    quadratic in δ, ≥ 0 on an interval around the observed difference D. The p-value is the
    share of relabellings whose interval holds δ, so it falls away from D on both sides and the
    accepted shifts are the interval between the m-th smallest left end and the m-th largest
    right end, m the fewest relabellings a p-value above 1 − level needs. Exact, no search.
    """
    x, w, k = _pooled(pilot_values, control_values, weights)
    n = len(x)
    if n == k or k == 0:
        raise ValueError("each group needs at least one site")
    chosen = relabelled(n, k, seed, exact_limit, relabellings)
    d = _difference(x, w, chosen)
    c = _difference((np.arange(n) < k).astype(float), w, chosen)
    observed = float(_difference(x, w, np.arange(k)[None, :])[0])
    left, right = _accepting(d, c, observed)
    alpha = 1 - level
    if math.comb(n, k) <= exact_limit:  # p = hits / N > alpha
        needed = math.floor(round(alpha * len(d), 9)) + 1
    else:  # p = (1 + hits) / (1 + N) > alpha, the observed labels counted apart
        needed = max(math.floor(round(alpha * (1 + len(d)) - 1, 9)) + 1, 0)
    if needed == 0:
        return -math.inf, math.inf
    needed = min(needed, len(d))
    return float(np.sort(left)[needed - 1]), float(np.sort(right)[::-1][needed - 1])


def _accepting(d: np.ndarray, c: np.ndarray, observed: float) -> tuple[np.ndarray, np.ndarray]:
    """Per relabelling, the ends of the shifts δ with |d − δc| ≥ |observed − δ|:
    (c² − 1)δ² − 2(dc − observed)δ + (d² − observed²) ≥ 0. Every such interval holds `observed`
    (the left side is (d − c·observed)² ≥ 0 there); a relabelling with |c| = 1 (the observed
    labels, or their mirror when both groups are the same size) holds every δ, or those on
    one side of a point."""
    a = c * c - 1
    b = d * c - observed
    q = d * d - observed * observed
    flat = np.abs(a) < 1e-12
    root = np.sqrt(np.maximum(b * b - a * q, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(flat, -np.inf, (b + root) / a)
        high = np.where(flat, np.inf, (b - root) / a)
        # linear: −2bδ + q ≥ 0 holds from −∞ or up to +∞ beyond q / 2b (every δ when b = 0)
        edge = np.where(np.abs(b) < 1e-15, np.nan, q / (2 * b))
    low = np.where(flat & (b < -1e-15), edge, low)  # b < 0: δ ≥ edge
    high = np.where(flat & (b > 1e-15), edge, high)  # b > 0: δ ≤ edge
    return np.minimum(low, observed), np.maximum(high, observed)


def _pooled(pilot_values, control_values, weights) -> tuple[np.ndarray, np.ndarray, int]:
    """All sites' values and weights, pilots first, and the number of pilots."""
    xp, wp = _arrays(pilot_values, None if weights is None else weights[0])
    xc, wc = _arrays(control_values, None if weights is None else weights[1])
    return np.concatenate([xp, xc]), np.concatenate([wp, wc]), len(xp)


@functools.lru_cache(maxsize=32)
def _relabellings(n: int, k: int, seed: int, exact_limit: int, relabellings: int) -> np.ndarray:
    if math.comb(n, k) <= exact_limit:
        chosen = combinations(n, k)
    else:
        rng = np.random.default_rng(seed)
        chosen = np.stack([rng.permutation(n)[:k] for _ in range(relabellings)])
    chosen.setflags(write=False)
    return chosen


def relabelled(n: int, k: int, seed: int, exact_limit: int, relabellings: int) -> np.ndarray:
    """The relabellings the test ranges over, pilots as a row of k site indices each: every
    k-subset of the n sites when there are at most `exact_limit`, else `relabellings` random
    ones (module doc). They depend on the sizes and the seed only, so they are drawn once per
    process and shared (read-only) by every week, metric and request."""
    return _relabellings(n, k, seed, exact_limit, relabellings)


def resample_indices(
    rng: np.random.Generator, sizes: tuple[int, ...], rounds: int
) -> list[np.ndarray]:
    """What `rounds` rounds of `[rng.integers(0, n, n) for n in sizes]` draw, as one (rounds, n)
    array per size, read from the generator in bulk.

    numpy (Lemire's method) takes a value below n from the next 32-bit word w of the generator:
    (w·n) >> 32, unless (w·n) mod 2**32 < (2**32 − n) mod n, when w is skipped for the next
    word; n = 1 reads no word. Here the words are read in one call and assigned to the draws in
    the same order. Skips are rare (under n in 2**32 words), so the rounds are laid out as if
    there were none; from the first draw that meets one, the layout is redone after it. The
    generator may be left past the last word the draws used.
    """
    out = [np.zeros((rounds, n), dtype=np.int64) for n in sizes]
    widths = [n if n > 1 else 0 for n in sizes]  # the words a draw reads when none is skipped
    offsets = [sum(widths[:j]) for j in range(len(sizes))]
    span = sum(widths)
    words = np.empty(0, dtype=np.uint64)
    done = pos = 0
    while done < rounds and span:
        left = rounds - done
        words = _words(rng, words, pos + left * span)
        grid = words[pos : pos + left * span].reshape(left, span)
        values, first_skip = {}, (left, 0)  # (round, size index) of the first skip
        for j, n in enumerate(sizes):
            if n > 1:
                product = grid[:, offsets[j] : offsets[j] + n] * np.uint64(n)
                values[j] = product >> np.uint64(32)
                rows = np.flatnonzero((product & MASK).min(axis=1) < _threshold(n))
                if len(rows):
                    first_skip = min(first_skip, (int(rows[0]), j))
        bad_round, bad = first_skip
        for j, block in values.items():
            whole = bad_round + (j < bad and bad_round < left)  # rounds this draw got intact
            out[j][done : done + whole] = block[:whole]
        if bad_round == left:
            break
        pos += bad_round * span + offsets[bad]
        for j in range(bad, len(sizes)):  # the rest of that round, one draw at a time
            words, out[j][done + bad_round], pos = _draw_one(rng, words, pos, sizes[j])
        done += bad_round + 1
    return out


def _threshold(n: int) -> np.uint64:
    """Lemire's rejection threshold for a value below n: (2**32 − n) mod n."""
    return np.uint64((WORD - n) % n)


def _words(rng: np.random.Generator, words: np.ndarray, count: int) -> np.ndarray:
    """`words` extended with the generator's next 32-bit words to at least `count` of them."""
    if len(words) >= count:
        return words
    more = rng.integers(0, WORD, count - len(words) + 64, dtype=np.uint32)
    return np.concatenate([words, more.astype(np.uint64)])


def _draw_one(rng, words: np.ndarray, start: int, n: int) -> tuple[np.ndarray, np.ndarray, int]:
    """One draw of n values below n from word `start` on, skipping as numpy does:
    (words, the values, the index of the word after its last)."""
    if n == 1:
        return words, np.zeros(1, dtype=np.int64), start
    while True:
        product = words[start:] * np.uint64(n)
        kept = np.flatnonzero((product & MASK) >= _threshold(n))
        if len(kept) >= n:
            return words, (product[kept[:n]] >> 32).astype(np.int64), start + int(kept[n - 1]) + 1
        words = _words(rng, words, len(words) + n)


def combinations(n: int, k: int) -> np.ndarray:
    """Every k-subset of range(n) as a row, in `itertools.combinations` order."""
    rows = np.zeros((1, 0), dtype=np.int64)
    last = np.full(1, -1, dtype=np.int64)
    for j in range(k):
        counts = (n - k + j) - last  # position j takes last + 1 … n − k + j
        first = np.repeat(np.cumsum(counts) - counts, counts)
        last = np.repeat(last + 1, counts) + np.arange(int(counts.sum())) - first
        rows = np.column_stack([np.repeat(rows, counts, axis=0), last])
    return rows


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
    if weighting == "rostered":
        head = N_(
            "difference of site means (pilot − non-pilot), weighting=rostered (each site "
            "weighted by its rostered population in the week)"
        )
    else:
        head = N_("difference of site means (pilot − non-pilot), weighting=sites")
    if n_p == 0 or n_c == 0:
        method = N_(
            "%(head)s; not estimable: n_pilot=%(n_pilot)s, n_control=%(n_control)s",
            head=head,
            n_pilot=n_p,
            n_control=n_c,
        )
        return Effect(None, None, None, None, None, method)
    key = (_key(pilot_values), _key(control_values), weights and tuple(map(_key, weights)), seed)
    with _memo_lock:
        if key in _memo:
            _memo.move_to_end(key)
            return _memo[key]
    wp, wc = (None, None) if weights is None else weights
    estimate = weighted_mean(pilot_values, wp) - weighted_mean(control_values, wc)
    low, high = bootstrap_ci(pilot_values, control_values, weights, seed=seed)
    perm = permutation_p_value(pilot_values, control_values, weights, seed=seed)
    perm_low, perm_high = (
        bound if math.isfinite(bound) else None  # too few sites to reject any shift there
        for bound in permutation_ci(pilot_values, control_values, weights, seed=seed)
    )
    method = N_(
        "%(head)s; n_pilot=%(n_pilot)s, n_control=%(n_control)s; %(bootstrap)s; %(p_value)s; "
        "%(permutation)s",
        head=head,
        n_pilot=n_p,
        n_control=n_c,
        bootstrap=N_(
            "95%% percentile bootstrap CI, sites resampled with replacement within each group, "
            "%(resamples)s resamples, numpy default_rng(seed=%(seed)s), each resample drawing "
            "rng.integers(0, n_pilot, n_pilot) then rng.integers(0, n_control, n_control)",
            resamples=RESAMPLES,
            seed=seed,
        ),
        p_value=_p_method(perm, seed),
        permutation=N_(
            "95%% permutation CI (perm_ci_low, perm_ci_high; what verdicts use, valid with few "
            "sites): every shift of the pilot sites' values that the permutation test above, on "
            "the same relabellings, does not reject at 5%%"
        ),
    )
    found = Effect(estimate, low, high, perm.p_value, perm.mc_se, method, perm_low, perm_high)
    with _memo_lock:
        _memo[key] = found
        while len(_memo) > MEMO_ENTRIES:
            _memo.popitem(last=False)
    return found


MEMO_ENTRIES = 4096  # a few KB each: every week of every metric and weighting of a chain
_memo: OrderedDict[tuple, Effect] = OrderedDict()
_memo_lock = threading.Lock()


def _key(values: Sequence[float]) -> bytes:
    """The values as bytes, a key for what `effect` computed from them: the same sites' values
    give the same effect whatever else changed in the data."""
    return np.asarray(values, dtype=float).tobytes()


def _p_method(perm: PValue, seed: int) -> Text:
    if perm.exact:
        return N_(
            "two-sided permutation p-value on |difference of means| over site labels, exact "
            "enumeration of all C(n, n_pilot)=%(arrangements)s relabellings",
            arrangements=perm.arrangements,
        )
    return N_(
        "two-sided permutation p-value on |difference of means| over site labels, Monte Carlo: "
        "C(n, n_pilot)=%(arrangements)s > %(limit)s, so %(relabellings)s random relabellings "
        "(default_rng(seed=%(seed)s), rng.permutation), p = (1 + b) / (1 + %(relabellings)s), "
        "Monte Carlo standard error %(mc_se)s",
        arrangements=perm.arrangements,
        limit=EXACT_LIMIT,
        relabellings=RELABELLINGS,
        seed=seed,
        mc_se=format(perm.mc_se, ".4f"),
    )
