"""Kaplan–Meier, its median with a CI, and the log-rank test, against hand-computed cases."""

from __future__ import annotations

import math
from datetime import date

import pytest

from pilots.survival import kaplan_meier, log_rank, spell

Z = 1.959963984540054


def log_log_band(s: float, greenwood: float) -> tuple[float, float]:
    """exp(−exp(log(−log S) ± z·√G / |log S|)), as R's conf.type = "log-log"."""
    se = math.sqrt(greenwood) / abs(math.log(s))
    theta = math.log(-math.log(s))
    return math.exp(-math.exp(theta + Z * se)), math.exp(-math.exp(theta - Z * se))


def test_kaplan_meier_with_censoring_matches_the_hand_computation():
    # Days 1, 2, 2+, 3, 4+, 5 (+ = censored). The censored one at day 2 is at risk at day 2.
    # day 1: 6 at risk, 1 event: S = 5/6
    # day 2: 5 at risk, 1 event: S = 5/6 · 4/5 = 2/3
    # day 3: 3 at risk, 1 event: S = 2/3 · 2/3 = 4/9
    # day 4: censoring only: S stays 4/9
    # day 5: 1 at risk, 1 event: S = 0
    km = kaplan_meier([1, 2, 2, 3, 4, 5], [True, True, False, True, False, True])
    rows = km.rows()
    assert [r["day"] for r in rows] == [1, 2, 3, 4, 5]
    assert [r["at_risk"] for r in rows] == [6, 5, 3, 2, 1]
    assert [r["events"] for r in rows] == [1, 1, 1, 0, 1]
    assert [r["censored"] for r in rows] == [0, 1, 0, 1, 0]
    assert [r["survival"] for r in rows] == pytest.approx([5 / 6, 2 / 3, 4 / 9, 4 / 9, 0])
    # Greenwood sum at day 3: 1/(6·5) + 1/(5·4) + 1/(3·2) = 1/30 + 1/20 + 1/6 = 0.25, so the
    # log-log band is (0.0662, 0.7849).
    low, high = log_log_band(4 / 9, 0.25)
    assert (rows[2]["ci_low"], rows[2]["ci_high"]) == pytest.approx((low, high))
    assert (low, high) == pytest.approx((0.0662, 0.7849), abs=1e-4)
    assert (rows[4]["ci_low"], rows[4]["ci_high"]) == (0.0, 0.0)


def test_median_and_its_brookmeyer_crowley_interval():
    km = kaplan_meier([1, 2, 2, 3, 4, 5], [True, True, False, True, False, True])
    # S first ≤ 0.5 on day 3 (4/9). Lower band at day 1: Greenwood 1/30 gives 0.2731 ≤ 0.5,
    # so the interval starts on day 1; the upper band stays above 0.5 (0.97, 0.90, 0.78, 0.78)
    # until S = 0 on day 5.
    assert log_log_band(5 / 6, 1 / 30)[0] == pytest.approx(0.2731, abs=1e-4)
    assert km.median == 3
    assert km.median_ci == (1, 5)


def test_median_is_not_reached_while_survival_stays_above_half():
    km = kaplan_meier([1, 2, 3, 4], [True, False, False, False])  # S = 3/4 after day 1
    assert km.median is None
    assert km.median_ci[1] is None


def test_log_rank_matches_the_hand_computation():
    # A: 1, 2, 3 (events); B: 2, 4+, 5. Per event time: n_A, n, d_A, d → E_A = d·n_A/n and
    # V = d·(n_A/n)(1 − n_A/n)(n − d)/(n − 1):
    #   t=1: 3, 6, 1, 1 → E 1/2, V 1/4;   t=2: 2, 5, 1, 2 → E 4/5, V 9/25
    #   t=3: 1, 3, 1, 1 → E 1/3, V 2/9;   t=5: 0, 1, 0, 1 → E 0, V 0
    # O_A − E_A = 3 − 49/30 = 41/30; V = 749/900; χ² = (1681/900)/(749/900) = 1681/749.
    test = log_rank([1, 2, 3], [True] * 3, [2, 4, 5], [True, False, True])
    assert test.statistic == pytest.approx(1681 / 749)
    # χ² with 1 df: P(X > x) = erfc(√(x/2)).
    assert test.p_value == pytest.approx(math.erfc(math.sqrt(1681 / 749 / 2)))
    assert test.observed == (3, 2)
    assert test.expected == pytest.approx((49 / 30, 5 - 49 / 30))


def test_log_rank_on_the_freireich_leukaemia_data_gives_the_textbook_value():
    # Gehan (1965) / Freireich 6-MP vs placebo: R `survdiff` gives Chisq = 16.8, p = 4.17e-05;
    # the medians are 23 (6-MP) and 8 (placebo) weeks.
    mp = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
    mp_event = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    placebo = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]
    test = log_rank(mp, [bool(e) for e in mp_event], placebo, [True] * 21)
    assert test.statistic == pytest.approx(16.79, abs=0.005)
    assert test.p_value == pytest.approx(4.17e-05, rel=0.01)
    assert kaplan_meier(mp, [bool(e) for e in mp_event]).median == 23
    assert kaplan_meier(placebo, [True] * 21).median == 8


def test_log_rank_without_any_event_is_none():
    assert log_rank([1, 2], [False, False], [3], [False]) is None


def test_spell_is_censored_at_leaving_or_as_of():
    start = date(2026, 11, 2)
    assert spell(start, date(2026, 11, 5), None, date(2026, 11, 19)) == (3, True)
    assert spell(start, None, None, date(2026, 11, 19)) == (17, False)
    # Left on 11-10 before getting there on 11-12: censored at leaving.
    assert spell(start, date(2026, 11, 12), date(2026, 11, 10), date(2026, 11, 19)) == (8, False)
    # Proficient before the start (e.g. before go-live) counts at day 0.
    assert spell(start, date(2026, 10, 30), None, date(2026, 11, 19)) == (0, True)
    # Starts after as_of: not at risk.
    assert spell(start, None, None, date(2026, 11, 1)) is None
