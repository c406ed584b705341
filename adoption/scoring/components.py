"""The proficiency score (DESIGN.md "Definitions"): breadth, accuracy, speed, consistency.

Computed vectorised over employees × days from the daily_usage rollup, so a whole history
costs about as much as one day. Components stay unrounded until the score is formed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from adoption.scoring.cube import CoreCatalog, UsageCube, core_catalog, day_index, load_cube
from adoption.scoring.rules import LEVELS, NOT_STARTED, PROFICIENT_LEVELS, ScoringRules

EMPLOYEE_CHUNK = 200
SCORE_COLUMNS = (
    "employee_id",
    "day",
    "score",
    "level",
    "breadth",
    "accuracy",
    "speed",
    "consistency",
    "core_attempts",
)
NO_SPEED_EVIDENCE = 0.5


def score_or_none(value) -> float | None:
    """A frame's score as the API shows it: None for Not started (NaN in frames)."""
    value = float(value) if value is not None else float("nan")
    return None if np.isnan(value) else value


def round_half_up(values, places: int):
    """Half-up rounding that ignores binary noise (72.345 → 72.35, as a person computes it)."""
    scale = 10.0**places
    return np.floor(np.round(np.asarray(values, dtype=float) * scale, 6) + 0.5) / scale


def _window_sum(x: np.ndarray, window: int) -> np.ndarray:
    """Sum over the trailing `window` days along axis 1 (days), inclusive of the day itself."""
    cs = np.cumsum(x, axis=1, dtype=float)
    out = cs.copy()
    out[:, window:] -= cs[:, :-window]
    return out


@dataclass(frozen=True)
class Components:
    breadth: np.ndarray
    accuracy: np.ndarray
    speed: np.ndarray
    consistency: np.ndarray
    core_attempts: np.ndarray


def components(cube: UsageCube, catalog: CoreCatalog, rules: ScoringRules) -> Components:
    """Each day's components over the trailing window, for every employee of the cube."""
    w = rules.window_days
    succ = _window_sum(cube.successes, w)
    err = _window_sum(cube.errors, w)
    if catalog.size:
        breadth = (succ >= rules.breadth_min_successes).sum(axis=2) / catalog.size
    else:
        breadth = np.zeros(succ.shape[:2])
    core_s, core_e = succ.sum(axis=2), err.sum(axis=2)
    accuracy = (core_s + 1) / (core_s + core_e + 2)
    speed = _speed(_window_sum(cube.dur_n, w), _window_sum(cube.dur_log_sum, w), catalog)
    relevant = cube.employed & cube.home_site_active
    hits = _window_sum((cube.active & relevant)[:, :, None], w)[:, :, 0]
    days = _window_sum(relevant[:, :, None], w)[:, :, 0]
    consistency = np.divide(hits, days, out=np.zeros_like(hits), where=days > 0)
    return Components(breadth, accuracy, speed, consistency, core_s + core_e)


def _speed(dur_n: np.ndarray, dur_log_sum: np.ndarray, catalog: CoreCatalog) -> np.ndarray:
    """Median over qualifying core features of min(1, expected ÷ geometric mean time)."""
    timed = (dur_n > 0) & ~np.isnan(catalog.expected_ms)[None, None, :]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        gm = np.exp(np.divide(dur_log_sum, dur_n, out=np.zeros_like(dur_log_sum), where=dur_n > 0))
        ratio = np.minimum(1.0, catalog.expected_ms[None, None, :] / gm)
    ratio = np.where(timed, ratio, np.nan)
    if ratio.shape[2] == 0:
        return np.full(ratio.shape[:2], NO_SPEED_EVIDENCE)
    any_timed = timed.any(axis=2)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            median = np.nanmedian(ratio, axis=2)
    return np.where(any_timed, median, NO_SPEED_EVIDENCE)


def score_frame(
    session: Session,
    employee_ids: list[int],
    first_day: date,
    last_day: date,
    rules: ScoringRules,
) -> pd.DataFrame:
    """One row per employee and day in [first_day, last_day]: score, level and components."""
    catalog = core_catalog(session)
    frames = []
    for start in range(0, len(employee_ids), EMPLOYEE_CHUNK):
        block = employee_ids[start : start + EMPLOYEE_CHUNK]
        frames.append(_score_block(session, block, first_day, last_day, rules, catalog))
    if not frames:
        return pd.DataFrame(columns=list(SCORE_COLUMNS))
    return pd.concat(frames, ignore_index=True)


def _score_block(session, block, first_day, last_day, rules, catalog) -> pd.DataFrame:
    lead = rules.window_days - 1
    cube = load_cube(session, block, first_day - timedelta(days=lead), last_day, catalog)
    comp = components(cube, catalog, rules)
    raw = 100 * (
        rules.w_breadth * comp.breadth
        + rules.w_accuracy * comp.accuracy
        + rules.w_speed * comp.speed
        + rules.w_consistency * comp.consistency
    )
    attempts = comp.core_attempts[:, lead:].astype(int)
    # Not started (DESIGN): without a core attempt in the window there is no score at all.
    score = np.where(attempts > 0, round_half_up(raw, 2)[:, lead:], np.nan)
    days = day_index(first_day, (last_day - first_day).days + 1)
    n_e, n_t = score.shape
    frame = pd.DataFrame(
        {
            "employee_id": np.repeat(block, n_t),
            "day": days * n_e,
            "score": score.ravel(),
            "breadth": comp.breadth[:, lead:].ravel(),
            "accuracy": comp.accuracy[:, lead:].ravel(),
            "speed": comp.speed[:, lead:].ravel(),
            "consistency": comp.consistency[:, lead:].ravel(),
            "core_attempts": attempts.ravel(),
        }
    )
    frame["level"] = levels(frame["score"].to_numpy(), frame["core_attempts"].to_numpy(), rules)
    return frame


def levels(score: np.ndarray, attempts: np.ndarray, rules: ScoringRules) -> np.ndarray:
    """Each rounded score's level: the highest level whose threshold it reaches
    (`ScoringRules.level_thresholds`), Proficient and Expert only with the minimum evidence;
    `NOT_STARTED` without any core attempt (whose score is NaN)."""
    enough = attempts >= rules.min_core_attempts
    thresholds = rules.level_thresholds()
    order = [name for name in reversed(LEVELS) if name in thresholds]
    reached = [
        (score >= thresholds[name]) & (enough if name in PROFICIENT_LEVELS else True)
        for name in order
    ]
    reached.insert(0, attempts <= 0)
    return np.select(reached, [NOT_STARTED, *order], default=LEVELS[0])
