"""Who needs help (`adoption.usage.coaching`) on hand-built teams.

NOW is 2026-11-20 12:00 UTC; `last` is 11-19, so the 28-day window is [10-23, 11-19] and the
dormant rule's quiet days are [11-13, 11-19]. Core features: pos.sale, pos.refund (alias
pos.return); pos.login is not core. Smoothed accuracy = (successes + 1) ÷ (attempts + 2).
"""

from __future__ import annotations

from datetime import date

import pytest

from adoption.masterdata import records
from adoption.scoring.rules import load_rules
from adoption.usage.coaching import (
    STRUGGLING_ACCURACY,
    STRUGGLING_MIN_ATTEMPTS,
    WorstFeature,
    coaching,
    is_struggling,
)
from tests.adoption.scoring.test_proficiency import Scenario

LAST = date(2026, 11, 19)


def d(month: int, day: int) -> date:
    return date(2026, month, day)


@pytest.fixture
def scn(session) -> Scenario:
    scn = Scenario(session)
    scn.site("S1").site("S2")
    scn.feature("pos.sale", is_core=True).feature("pos.refund", is_core=True)
    scn.feature("pos.login")
    return scn


def run(scn: Scenario, site: str = "S1", last: date = LAST):
    session = scn.session
    return coaching(session, records.get_site(session, site), last, load_rules(session))


def tries(scn, user, action, day, successes, errors):
    out = []
    if successes:
        out.append(scn.ev(user, action, day, times=successes))
    if errors:
        out.append(scn.ev(user, action, day, outcome="error", times=errors))
    return out


def test_the_rule_constants():
    assert (STRUGGLING_ACCURACY, STRUGGLING_MIN_ATTEMPTS) == (0.6, 5)
    assert not is_struggling(0.6, 5)  # exactly 0.6 is not below it
    assert is_struggling(0.59, 5)
    assert not is_struggling(0.1, 4)  # 4 attempts are not a pattern


def test_accuracy_exactly_0_6_is_not_struggling_just_below_is(scn):
    scn.person("P", "S1").person("Q", "S1")
    scn.send(
        # P: 5 successes, 3 errors → (5 + 1) ÷ (8 + 2) = 0.6 exactly: not struggling.
        *tries(scn, "P", "pos.sale", d(11, 10), 5, 3),
        # Q: one success fewer, one error more → (4 + 1) ÷ 10 = 0.5: struggling.
        *tries(scn, "Q", "pos.sale", d(11, 10), 4, 4),
    )
    result = run(scn)
    assert [(s.user_id, s.accuracy, s.core_attempts) for s in result.struggling] == [("Q", 0.5, 8)]


def test_four_core_attempts_are_not_enough_five_are(scn):
    scn.person("F4", "S1").person("F5", "S1")
    scn.send(
        # F4: 1 success, 3 errors → 2 ÷ 6 ≈ 0.33, but only 4 core attempts; F5: 1 success,
        # 4 errors → 2 ÷ 7. (Errors alone would be never started: no success at all.)
        *tries(scn, "F4", "pos.sale", d(11, 10), 1, 3),
        *tries(scn, "F5", "pos.sale", d(11, 10), 1, 4),
    )
    assert [(s.user_id, s.core_attempts) for s in run(scn).struggling] == [("F5", 5)]
    assert run(scn).struggling[0].accuracy == pytest.approx(2 / 7)


def test_struggling_counts_only_the_28_day_window_and_names_the_worst_feature(scn):
    scn.person("W", "S1")
    scn.send(
        # 10-22 is outside [10-23, 11-19]: its 10 successes do not lift the accuracy.
        *tries(scn, "W", "pos.sale", d(10, 22), 10, 0),
        # In the window: sale 1 success 2 errors, refund 0 + 2 errors; login errors are not core
        # but count for the worst feature: 3 errors in 3 tries beats refund's 2 and sale's 2.
        *tries(scn, "W", "pos.sale", d(11, 1), 1, 2),
        *tries(scn, "W", "pos.refund", d(11, 2), 0, 2),
        *tries(scn, "W", "pos.login", d(11, 3), 0, 3),
    )
    (w,) = run(scn).struggling
    assert (w.accuracy, w.core_attempts) == (pytest.approx(2 / 7), 5)
    assert w.feature == WorstFeature("pos.login", 3, 3, "pos.login", None)


def test_worst_feature_ties_go_to_the_higher_error_rate_then_the_action(scn):
    scn.person("T", "S1")
    scn.send(
        *tries(scn, "T", "pos.sale", d(11, 1), 2, 3),  # 3 errors in 5
        *tries(scn, "T", "pos.refund", d(11, 1), 0, 3),  # 3 errors in 3: worse rate
    )
    assert run(scn).struggling[0].feature == WorstFeature("pos.refund", 3, 3, "pos.refund", None)


def test_dormant_is_insights_definition_for_the_employed_team_of_the_site(scn):
    scn.person("D", "S1").person("L", "S1", left_on=d(11, 18)).person("X", "S2")
    scn.send(
        scn.ev("D", "pos.sale", d(10, 29)),
        scn.ev("L", "pos.sale", d(10, 29)),  # dormant too, but left before 11-19
        scn.ev("X", "pos.sale", d(10, 29)),  # another site's
    )
    result = run(scn)
    assert [(p.user_id, p.last_active_day, p.days_silent) for p in result.dormant] == [
        ("D", d(10, 29), 21)
    ]
    assert (
        result.dormant[0].measured
        == "active 2026-10-16..2026-11-12, no success 2026-11-13..2026-11-19"
    )


def test_never_started_means_no_success_up_to_the_day(scn):
    scn.person("N", "S1", hired_on=d(11, 10))  # only logged in: a success all the same
    scn.person("E", "S1", hired_on=d(11, 1))  # one failed sale: no success, not started
    scn.person("Later", "S1")  # first core try on 11-20, after `last`
    scn.person("New", "S1", hired_on=d(11, 20))  # not yet employed on 11-19
    scn.person("U", "S1", rostered=False)  # not on the roster
    scn.send(
        scn.ev("N", "pos.login", d(11, 12)),
        scn.ev("E", "pos.sale", d(11, 1), outcome="error"),
        scn.ev("Later", "pos.sale", d(11, 20)),
    )
    result = run(scn)
    assert [(n.user_id, n.hired_on, n.days_employed) for n in result.never_started] == [
        ("E", d(11, 1), 19),  # 11-01..11-19
        ("Later", None, None),
    ]


def test_a_core_attempt_through_an_alias_counts_as_started(scn):
    scn.feature("pos.return", alias_of="pos.refund")
    scn.person("R", "S1")
    scn.send(scn.ev("R", "pos.return", d(11, 5)))
    assert run(scn).never_started == []


def test_the_figures_the_lists_rest_on(scn):
    result = run(scn)
    assert (result.site_id, result.as_of, result.window_from, result.window_days) == (
        "S1",
        LAST,
        d(10, 23),
        28,
    )
    assert (result.dormant, result.struggling, result.silent, result.never_started) == (
        [],
        [],
        [],
        [],
    )
    assert result.silent_days == 28
