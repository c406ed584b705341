"""Do the pilot effect's intervals keep their promise with few pilot stores? Coverage of the true
zero on null simulations and power on planted ones, for the permutation interval the verdicts
use (`perm_ci_low`, `perm_ci_high`) beside the contract's percentile bootstrap.

    .venv/bin/python bench/coverage.py                      # 2,000 seeds, 3 v 37 and 10 v 30
    .venv/bin/python bench/coverage.py --seeds 500 --scenario 3:37

The simulated chain is shaped like the demo's at week 1 since go-live, the week its pilots lead
by most after the first (`uptake demo`, 40 sites: control sites' adoption rate 0.68 with a
standard deviation of 0.135 across sites; pilots ahead by 24.7 pp): each site has 6–25 people,
a true adoption chance drawn around 0.68 (between-site sd 0.04, the rest of the spread being
who happens to work there), pilots' chance raised by the planted effect (0 for the null), and
its observed rate a binomial share of its people. Seed s draws the sites of run s; every
interval uses the product's default seed 0 for its own draws, as the API and page do.

Pass marks (issue 15): the 95 % interval covers zero in ≥ 94.5 % of null runs, and excludes it
in ≥ 90 % of planted runs. Figures are printed, never asserted; the test suite checks a
smaller run (tests/pilots/test_permutation_ci.py).
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from pilots.comparison import bootstrap_ci, permutation_ci

BASE = 0.68  # control sites' mean adoption rate at week 1 in the demo
BETWEEN_SD = 0.04  # sd of sites' true chance; with the binomial draw, ~0.135 across sites
DEMO_EFFECT = 0.247  # the demo's pilot lead at week 1 (adoption rate)
SCENARIOS = ((3, 37), (10, 30))


def simulate(seed: int, n_pilot: int, n_control: int, effect: float):
    """(pilot rates, control rates) of one simulated chain."""
    rng = np.random.default_rng(seed)
    n = n_pilot + n_control
    people = rng.integers(6, 26, n)
    chance = rng.normal(BASE, BETWEEN_SD, n)
    chance[:n_pilot] += effect
    rates = rng.binomial(people, np.clip(chance, 0.0, 1.0)) / people
    return rates[:n_pilot], rates[n_pilot:]


def run(n_pilot: int, n_control: int, seeds: int) -> dict:
    counts = {"perm_cover": 0, "boot_cover": 0, "perm_power": 0, "boot_power": 0}
    start = time.perf_counter()
    for seed in range(seeds):
        pilot, control = simulate(seed, n_pilot, n_control, 0.0)
        low, high = permutation_ci(pilot, control)
        counts["perm_cover"] += low <= 0 <= high
        low, high = bootstrap_ci(pilot, control)
        counts["boot_cover"] += low <= 0 <= high
        pilot, control = simulate(1_000_000 + seed, n_pilot, n_control, DEMO_EFFECT)
        counts["perm_power"] += permutation_ci(pilot, control)[0] > 0
        counts["boot_power"] += bootstrap_ci(pilot, control)[0] > 0
    return {k: v / seeds for k, v in counts.items()} | {"seconds": time.perf_counter() - start}


def share(p: float, seeds: int) -> str:
    return f"{100 * p:5.1f} % ± {100 * math.sqrt(p * (1 - p) / seeds):.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=2_000)
    parser.add_argument("--scenario", action="append", help="pilot:control, e.g. 3:37")
    args = parser.parse_args()
    scenarios = [tuple(map(int, s.split(":"))) for s in args.scenario or []] or SCENARIOS
    print(f"{args.seeds} seeds per scenario; planted effect {100 * DEMO_EFFECT:.1f} pp")
    print(f"\n{'sites':>8} {'interval':26} {'null: covers 0':>18} {'planted: excludes 0':>20}")
    for n_pilot, n_control in scenarios:
        found = run(n_pilot, n_control, args.seeds)
        for label, key, mark in (
            ("permutation (verdicts)", "perm", "  ≥ 94.5 % / ≥ 90 %"),
            ("percentile bootstrap", "boot", ""),
        ):
            cover, power = found[f"{key}_cover"], found[f"{key}_power"]
            print(
                f"{n_pilot:>3} v {n_control:<3} {label:26} {share(cover, args.seeds):>18} "
                f"{share(power, args.seeds):>20}{mark}"
            )
        print(f"{'':8} ({found['seconds']:.0f} s)")


if __name__ == "__main__":
    main()
