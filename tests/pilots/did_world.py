"""Panels for staggered DiD tests (domain, CLI and HTTP): the estimator's column names and a
simulated panel with parallel trends and a constant effect.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
COLUMNS = {"unit": "unit", "time": "time", "group": "group", "outcome": "outcome"}


def staggered_panel(seed=3, n=150, periods=8, effect=0.4, groups=(0, 0, 1, 4, 6, 7, 10)):
    """Parallel trends (unit level + common shocks + small noise) and a constant effect from g on;
    group 1 is treated in the first period and 10 after the last."""
    rng = np.random.default_rng(seed)
    g = rng.choice(groups, size=n)
    level, shock = rng.normal(size=n), rng.normal(scale=0.2, size=periods).cumsum()
    unit, time = np.repeat(np.arange(1, n + 1), periods), np.tile(np.arange(1, periods + 1), n)
    treated = (g[unit - 1] > 0) & (g[unit - 1] <= time)
    noise = rng.normal(scale=0.05, size=n * periods)
    outcome = level[unit - 1] + shock[time - 1] + effect * treated + noise
    return pd.DataFrame({"unit": unit, "time": time, "group": g[unit - 1], "outcome": outcome})
