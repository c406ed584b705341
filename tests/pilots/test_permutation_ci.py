"""The permutation interval (`perm_ci_low`, `perm_ci_high`): the test it inverts, and whether it
keeps its promise with three pilot stores (bench/coverage.py runs 2,000 seeds)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pilots.comparison import effect, permutation_ci, permutation_p_value

BENCH = Path(__file__).resolve().parents[2] / "bench" / "coverage.py"


def _bench():
    spec = importlib.util.spec_from_file_location("coverage_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


rates = st.floats(0.0, 1.0, allow_nan=False).map(lambda x: round(x, 3))


@settings(max_examples=60, deadline=None)
@given(
    pilot=st.lists(rates, min_size=3, max_size=6),
    control=st.lists(rates, min_size=3, max_size=12),
    weighted=st.booleans(),
    data=st.data(),
)
def test_the_interval_is_the_shifts_the_test_does_not_reject(pilot, control, weighted, data):
    weights = None
    if weighted:
        sizes = st.integers(1, 30)
        weights = (
            [data.draw(sizes) for _ in pilot],
            [data.draw(sizes) for _ in control],
        )
    low, high = permutation_ci(pilot, control, weights)
    spread = max(pilot + control) - min(pilot + control) + 1

    def p(shift: float) -> float:
        return permutation_p_value(np.asarray(pilot) - shift, control, weights).p_value

    step = 1e-6 * spread
    assert low <= high
    for end, inside, outside in ((low, low + step, low - step), (high, high - step, high + step)):
        if np.isfinite(end):
            if high - low > 2 * step:  # not a single point (sites all alike: only D itself)
                assert p(inside) > 0.05
            assert p(outside) <= 0.05
    observed = effect(pilot, control, weights).estimate
    assert p(observed) == 1.0  # the estimate itself is never rejected


def test_a_monte_carlo_test_is_inverted_on_its_own_relabellings():
    rng = np.random.default_rng(5)
    pilot, control = rng.normal(0.6, 0.1, 10), rng.normal(0.5, 0.1, 30)  # C(40, 10) > 100,000
    low, high = permutation_ci(pilot, control, seed=3)
    assert permutation_p_value(pilot - (low + 1e-9), control, seed=3).p_value > 0.05
    assert permutation_p_value(pilot - (low - 1e-9), control, seed=3).p_value <= 0.05
    assert permutation_p_value(pilot - (high - 1e-9), control, seed=3).p_value > 0.05
    assert permutation_p_value(pilot - (high + 1e-9), control, seed=3).p_value <= 0.05


def test_too_few_sites_to_reject_any_shift_leave_the_interval_open():
    found = effect([0.5, 0.7], [0.4, 0.3])  # 6 relabellings: no p-value reaches 0.05
    assert (found.perm_ci_low, found.perm_ci_high) == (None, None)
    assert found.ci_low is not None  # the contract's bootstrap is still given


def test_the_effect_names_the_interval_verdicts_use():
    found = effect([0.9, 0.8, 0.85], [0.5, 0.6, 0.55, 0.4, 0.5, 0.45, 0.6])
    assert found.perm_ci_low <= found.estimate <= found.perm_ci_high
    assert "95% permutation CI" in found.method


def test_effects_of_the_same_values_are_computed_once():
    pilot, control = [0.71, 0.82, 0.93], [0.5, 0.61, 0.42, 0.53]
    assert effect(pilot, control) is effect(list(pilot), tuple(control))
    assert effect(pilot, control, seed=1) is not effect(pilot, control)


@pytest.mark.parametrize("sites", [(3, 37), (10, 30)])
def test_with_few_pilots_the_interval_covers_a_null_and_finds_the_demos_effect(sites):
    found = _bench().run(*sites, seeds=300)
    # Seeds 0–299: 3 v 37 covers 96.7 % and finds 91.3 %; 10 v 30 96.3 % and 100 %
    # (2,000 seeds: 94.6 % / 93.8 % and 95.6 % / 100 %). The bootstrap covers 80.7 % at 3 v 37.
    assert found["perm_cover"] >= 0.945
    assert found["perm_power"] >= 0.9
    assert found["perm_cover"] > found["boot_cover"]
