"""The vectorised bootstrap and permutation test give the numbers of the loops they replaced, bit
for bit: the loops are kept below as the reference and compared on random groups and seeds."""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pilots.comparison import (
    TIE_TOLERANCE,
    bootstrap_ci,
    combinations,
    effect,
    permutation_p_value,
    resample_indices,
)


def loop_bootstrap_ci(xp, xc, wp, wc, seed, resamples=2_000, level=0.95):
    """The bootstrap as it was: one pilot draw then one control draw per resample."""
    rng = np.random.default_rng(seed)
    n_p, n_c = len(xp), len(xc)
    ip, ic = np.empty((resamples, n_p), dtype=int), np.empty((resamples, n_c), dtype=int)
    for b in range(resamples):
        ip[b] = rng.integers(0, n_p, n_p)
        ic[b] = rng.integers(0, n_c, n_c)
    stats = (wp * xp)[ip].sum(axis=1) / wp[ip].sum(axis=1) - (wc * xc)[ic].sum(axis=1) / wc[ic].sum(
        axis=1
    )
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(stats, [tail, 100 - tail])
    return float(low), float(high)


def loop_difference(x, w, chosen):
    wx_in, w_in = (w * x)[chosen].sum(axis=1), w[chosen].sum(axis=1)
    return wx_in / w_in - ((w * x).sum() - wx_in) / (w.sum() - w_in)


def loop_p_value(xp, xc, wp, wc, seed, exact_limit, relabellings):
    """The permutation p-value as it was: itertools for the exact test, one rng.permutation per
    Monte Carlo relabelling. (p, mc_se, exact)"""
    x, w = np.concatenate([xp, xc]), np.concatenate([wp, wc])
    n, k = len(x), len(xp)
    observed = abs(loop_difference(x, w, np.arange(k)[None, :])[0])
    if math.comb(n, k) <= exact_limit:
        chosen = np.array(list(itertools.combinations(range(n), k)), dtype=int).reshape(-1, k)
        hits = int((np.abs(loop_difference(x, w, chosen)) >= observed - TIE_TOLERANCE).sum())
        return hits / math.comb(n, k), None, True
    rng = np.random.default_rng(seed)
    chosen = np.stack([rng.permutation(n)[:k] for _ in range(relabellings)])
    b = int((np.abs(loop_difference(x, w, chosen)) >= observed - TIE_TOLERANCE).sum())
    p = (1 + b) / (1 + relabellings)
    return p, math.sqrt(p * (1 - p) / relabellings), False


values = st.lists(
    st.floats(min_value=0, max_value=1, allow_nan=False).map(lambda v: round(v, 3)),
    min_size=1,
    max_size=12,
)
seeds = st.integers(min_value=0, max_value=2**32 - 1)


@st.composite
def groups(draw):
    """(pilot values, control values, weights or None), as site values and populations are."""
    xp, xc = np.array(draw(values)), np.array(draw(values))
    if draw(st.booleans()):
        return xp, xc, None
    sizes = st.integers(min_value=1, max_value=40)
    weights = [np.array([draw(sizes) for _ in x], dtype=float) for x in (xp, xc)]
    return xp, xc, tuple(weights)


def _weights(xp, xc, weights):
    return (np.ones_like(xp), np.ones_like(xc)) if weights is None else weights


@settings(max_examples=150, deadline=None)
@given(groups(), seeds)
def test_bootstrap_ci_is_the_loops_bit_for_bit(data, seed):
    xp, xc, weights = data
    expected = loop_bootstrap_ci(xp, xc, *_weights(xp, xc, weights), seed)
    assert bootstrap_ci(xp, xc, weights, seed=seed) == expected


@settings(max_examples=150, deadline=None)
@given(groups(), seeds, st.sampled_from([1, 50, 100_000]))
def test_permutation_p_value_is_the_loops_bit_for_bit(data, seed, exact_limit):
    # A low exact_limit sends small groups down the Monte Carlo path too.
    xp, xc, weights = data
    found = permutation_p_value(
        xp, xc, weights, seed=seed, exact_limit=exact_limit, relabellings=300
    )
    expected = loop_p_value(xp, xc, *_weights(xp, xc, weights), seed, exact_limit, 300)
    assert (found.p_value, found.mc_se, found.exact) == expected


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=3_000), st.integers(min_value=1, max_value=3), seeds)
def test_resample_indices_are_numpys_draws_for_any_sizes(n_p, n_c, seed):
    rng = np.random.default_rng(seed)
    expected = [[], []]
    for _ in range(20):
        expected[0].append(rng.integers(0, n_p, n_p))
        expected[1].append(rng.integers(0, n_c, n_c))
    found = resample_indices(np.random.default_rng(seed), (n_p, n_c), 20)
    assert all(np.array_equal(f, np.stack(e)) for f, e in zip(found, expected, strict=True))


def test_resample_indices_follow_numpy_past_skipped_words():
    # With n in the thousands numpy skips a word about once per million draws (Lemire's
    # rejection); seed 2 meets skips in both groups over these 2.7 million draws.
    rng = np.random.default_rng(2)
    pilot, control = resample_indices(np.random.default_rng(2), (5_000, 4_000), 300)
    for b in range(300):
        assert np.array_equal(pilot[b], rng.integers(0, 5_000, 5_000))
        assert np.array_equal(control[b], rng.integers(0, 4_000, 4_000))


def test_combinations_are_itertools_in_the_same_order():
    for n, k in [(1, 1), (5, 2), (7, 7), (12, 4), (19, 10)]:
        expected = np.array(list(itertools.combinations(range(n), k))).reshape(-1, k)
        assert np.array_equal(combinations(n, k), expected)


def test_effect_of_a_chain_sized_week_matches_the_loops():
    # 40 pilots and 460 other sites: C(500, 40) arrangements, so 10,000 random relabellings.
    rng = np.random.default_rng(4)
    xp, xc = rng.random(40).round(3), rng.random(460).round(3)
    found = effect(xp, xc, seed=9)
    ones = (np.ones(40), np.ones(460))
    assert (found.ci_low, found.ci_high) == loop_bootstrap_ci(xp, xc, *ones, 9)
    assert (found.p_value, found.p_value_mc_se, False) == loop_p_value(
        xp, xc, *ones, 9, 100_000, 10_000
    )
