"""`next_level`: the level order Novice < Developing < Proficient < Expert at each threshold,
with the core-attempt evidence Proficient and Expert need (default rules: 40, 70, 85; 20)."""

from __future__ import annotations

import numpy as np
import pytest

from adoption.scoring.components import levels
from adoption.scoring.proficiency import NextLevel, next_level
from adoption.scoring.rules import ScoringRules

RULES = ScoringRules(version=1)


def level(score: float, attempts: int) -> str:
    """The score's own level rule (`adoption.scoring.components.levels`)."""
    return str(levels(np.array([score]), np.array([attempts]), RULES)[0])


def after(score: float, attempts: int = 20) -> NextLevel | None:
    return next_level(score, level(score, attempts), attempts, RULES)


@pytest.mark.parametrize(
    ("score", "attempts", "expected"),
    [
        (0.0, 1, NextLevel("Developing", 40.0, 40.0, 0)),
        (39.99, 30, NextLevel("Developing", 40.0, 0.01, 0)),
        # Exactly 40 is Developing: next is Proficient, 30 points and 12 attempts away.
        (40.0, 8, NextLevel("Proficient", 70.0, 30.0, 12)),
        (69.99, 20, NextLevel("Proficient", 70.0, 0.01, 0)),
        # Exactly 70 with 20 attempts is Proficient: next is Expert.
        (70.0, 20, NextLevel("Expert", 85.0, 15.0, 0)),
        (84.99, 25, NextLevel("Expert", 85.0, 0.01, 0)),
    ],
)
def test_next_level_at_each_threshold(score, attempts, expected):
    assert after(score, attempts) == expected


def test_expert_has_no_next_level():
    assert after(85.0, 20) is None
    assert after(100.0, 50) is None


def test_score_enough_without_evidence_still_has_proficient_ahead():
    # 90 points but 19 core attempts: Developing (not Proficient), 1 attempt short, no points.
    assert level(90.0, 19) == "Developing"
    assert after(90.0, 19) == NextLevel("Proficient", 70.0, 0.0, 1)


def test_score_needed_is_rounded_to_the_scores_two_decimals():
    assert after(22.5, 1).score_needed == 17.5
    assert after(39.99, 1).score_needed == 0.01  # not 0.010000000000005116


def test_no_core_attempt_is_not_started_whatever_the_components_add_to():
    # DESIGN "Not started": 0 core attempts has no level of the four, and no score.
    assert level(22.5, 0) == "Not started"
    assert level(float("nan"), 0) == "Not started"
    assert level(22.5, 1) == "Novice"


def test_not_started_has_developing_ahead_from_zero():
    assert next_level(None, "Not started", 0, RULES) == NextLevel("Developing", 40.0, 40.0, 0)
