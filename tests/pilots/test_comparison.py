"""The pilot effect on site values (DESIGN.md "Pilot comparison"): estimate, bootstrap CI,
permutation p-value, weighting; and planted-effect simulations for the interval's behaviour."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pilots.comparison import bootstrap_ci, effect, permutation_p_value


def test_exact_permutation_p_value_on_a_tiny_hand_made_case():
    # Pooled 3, 4, 1, 2, 2 (sum 12); the C(5, 2) = 10 ways to call two sites "pilot":
    #   {3,4}: 3.5 − 5/3 = 1.833 (observed)   {3,1}: 2 − 8/3 = −0.667
    #   {3,2}: 2.5 − 7/3 = 0.167 (×2)          {4,1}: 2.5 − 7/3 = 0.167
    #   {4,2}: 3 − 2 = 1.0 (×2)                {1,2}: 1.5 − 3 = −1.5 (×2)
    #   {2,2}: 2 − 8/3 = −0.667
    # Only the observed |1.833| is ≥ 1.833, so p = 1/10.
    result = permutation_p_value([3, 4], [1, 2, 2])
    assert result.exact and result.arrangements == 10
    assert result.p_value == pytest.approx(0.1)
    assert result.mc_se is None


def test_permutation_p_value_counts_ties_with_the_observed():
    # Pooled 1, 2, 2, 3; C(4, 2) = 6: {1,2} 1.5−2.5 (×2, observed), {1,3} 2−2, {2,2} 2−2,
    # {2,3} 2.5−1.5 (×2). |diff| ≥ 1 in 4 of 6: p = 2/3.
    assert permutation_p_value([1, 2], [2, 3]).p_value == pytest.approx(4 / 6)


def test_permutation_p_value_tolerates_floating_point_noise():
    # Observed 0.15 − 0.15 is 2.8e-17 in floating point; every relabelling is ≥ it − 1e-12.
    assert permutation_p_value([0.1, 0.2], [0.3, 0.0]).p_value == pytest.approx(1.0)


def test_permutation_stays_exact_up_to_100000_arrangements():
    rng = np.random.default_rng(1)
    result = permutation_p_value(rng.random(10), rng.random(9))  # C(19, 10) = 92,378
    assert result.exact and result.arrangements == 92_378 and result.mc_se is None


def test_monte_carlo_p_value_beyond_100000_arrangements_states_its_error():
    rng = np.random.default_rng(2)
    pilot, control = rng.random(10) + 0.1, rng.random(20)  # C(30, 10) = 30,045,015
    result = permutation_p_value(pilot, control, seed=3)
    assert not result.exact and result.arrangements == math.comb(30, 10)
    b = round(result.p_value * 10_001) - 1  # p = (1 + b) / (1 + 10,000)
    assert result.p_value == pytest.approx((1 + b) / 10_001)
    assert result.mc_se == pytest.approx(math.sqrt(result.p_value * (1 - result.p_value) / 10_000))
    found = effect(pilot, control, seed=3)
    assert found.p_value == result.p_value and found.p_value_mc_se == result.mc_se
    assert "Monte Carlo" in found.method and "standard error" in found.method


def test_bootstrap_is_reproducible_with_the_same_seed_and_differs_with_another():
    pilot, control = [0.9, 0.7, 0.8, 0.95], [0.5, 0.6, 0.4, 0.55, 0.7]
    assert bootstrap_ci(pilot, control, seed=7) == bootstrap_ci(pilot, control, seed=7)
    assert bootstrap_ci(pilot, control, seed=7) != bootstrap_ci(pilot, control, seed=8)
    assert effect(pilot, control, seed=7) == effect(pilot, control, seed=7)


def test_bootstrap_draws_pilot_then_control_in_each_resample():
    pilot, control = np.array([0.9, 0.7, 0.8]), np.array([0.5, 0.6, 0.4, 0.55])
    rng = np.random.default_rng(11)
    stats = []
    for _ in range(2_000):
        ip = rng.integers(0, 3, 3)
        ic = rng.integers(0, 4, 4)
        stats.append(pilot[ip].mean() - control[ic].mean())
    expected = tuple(np.percentile(stats, [2.5, 97.5]))
    assert bootstrap_ci(pilot, control, seed=11) == pytest.approx(expected, rel=1e-12)


def test_effect_reports_estimate_ci_p_value_and_method():
    found = effect([3, 4], [1, 2, 2])
    assert found.estimate == pytest.approx(3.5 - 5 / 3)
    assert found.ci_low <= found.estimate <= found.ci_high
    assert found.p_value == pytest.approx(0.1) and found.p_value_mc_se is None
    for words in ("weighting=sites", "n_pilot=2, n_control=3", "percentile bootstrap", "2000"):
        assert words in found.method
    assert "exact enumeration of all C(n, n_pilot)=10" in found.method


def test_rostered_weighting_weights_each_site_by_its_population():
    # Pilot: (0.8·10 + 0.4·30 + 0.6·20) / 60 = 32/60; control: (0.2·5 + 0.5·15 + 0.3·10) / 30
    # = 11.5/30; estimate 32/60 − 11.5/30 = 0.15 (unweighted: 0.6 − 1/3).
    pilot, control = [0.8, 0.4, 0.6], [0.2, 0.5, 0.3]
    found = effect(pilot, control, weights=([10, 30, 20], [5, 15, 10]))
    assert found.estimate == pytest.approx(0.15)
    assert "weighting=rostered" in found.method
    unweighted = effect(pilot, control)
    assert unweighted.estimate == pytest.approx(0.6 - 1 / 3)
    assert "weighting=sites" in unweighted.method
    assert (found.ci_low, found.ci_high) != (unweighted.ci_low, unweighted.ci_high)


def test_effect_without_a_site_on_one_side_is_null():
    found = effect([0.5, 0.6], [])
    assert (found.estimate, found.ci_low, found.ci_high, found.p_value) == (None,) * 4
    assert "not estimable" in found.method


def simulated_sites(seed: int, shift: float, n_pilot: int = 12, n_control: int = 18):
    """Site adoption rates: people 6–25 per site, each site's chance ~ N(0.55, 0.08), pilots
    shifted by `shift`; the observed rate is a binomial share of the site's people."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(6, 26, n_pilot + n_control)
    chance = np.clip(rng.normal(0.55, 0.08, n_pilot + n_control), 0.02, 0.98)
    chance[:n_pilot] = np.clip(chance[:n_pilot] + shift, 0.02, 0.99)
    rates = rng.binomial(sizes, chance) / sizes
    return rates[:n_pilot], rates[n_pilot:]


SEEDS = range(40)


def test_planted_effect_gives_a_ci_excluding_zero_in_at_least_90_percent_of_seeds():
    excluded = 0
    for seed in SEEDS:
        low, _high = bootstrap_ci(*simulated_sites(seed, 0.25), seed=seed)
        excluded += low > 0
    # Observed: 39 of these 40 seeds (497 of seeds 0–499).
    assert excluded / len(SEEDS) >= 0.9


def test_null_effect_gives_a_ci_including_zero_in_at_least_90_percent_of_seeds():
    covered = 0
    for seed in SEEDS:
        low, high = bootstrap_ci(*simulated_sites(1_000 + seed, 0.0), seed=seed)
        covered += low <= 0 <= high
    # Observed: 39 of these 40 seeds (469 of 500 = 93.8% over seeds 0–499); a percentile
    # bootstrap with 12 and 18 sites runs a little below its nominal 95%.
    assert covered / len(SEEDS) >= 0.9
