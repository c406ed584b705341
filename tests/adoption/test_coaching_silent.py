"""Who needs help: never started since go-live or hire, silent for `silent_days`, the precedence
that keeps the four lists disjoint, the worst feature and the suggested action
(`adoption.usage.coaching`).

NOW is 2026-11-20 12:00 UTC; `last` is 11-19. The scoring window is [10-23, 11-19]; dormancy's
quiet days are [11-13, 11-19] and its look-back [10-16, 11-12]. Core features: pos.sale and
returns.receipt ("Process a return", with a quick-reference card); pos.login is not core.
"""

from __future__ import annotations

from datetime import date

import pytest

from adoption.errors import Invalid
from adoption.masterdata import records
from adoption.scoring.rules import load_rules
from adoption.usage.coaching import (
    ASK_DORMANT,
    ASK_SILENT,
    FIRST_STEPS,
    SILENT_DAYS,
    Suggestion,
    WorstFeature,
    coaching,
)
from tests.adoption.scoring.test_proficiency import Scenario

LAST = date(2026, 11, 19)
CARD_URL = "https://help.example.com/pos/returns"


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def scenario(session, **site) -> Scenario:
    scn = Scenario(session)
    scn.site("S1", **site).site("S2")
    scn.feature("pos.sale", is_core=True)
    scn.feature(
        "returns.receipt",
        is_core=True,
        title="Process a return",
        quick_reference_url=CARD_URL,
    )
    scn.feature("pos.login")
    return scn


@pytest.fixture
def scn(session) -> Scenario:
    return scenario(session)


def run(scn: Scenario, silent_days: int = SILENT_DAYS, last: date = LAST):
    session = scn.session
    site = records.get_site(session, "S1")
    return coaching(session, site, last, load_rules(session), silent_days)


def ids(rows) -> list[str]:
    return [r.user_id for r in rows]


def groups(result) -> dict[str, list[str]]:
    return {
        "never_started": ids(result.never_started),
        "struggling": ids(result.struggling),
        "dormant": ids(result.dormant),
        "silent": ids(result.silent),
    }


# ---- never started --------------------------------------------------------------------------


def test_successes_before_go_live_but_none_since_is_never_started(session):
    scn = scenario(session, go_live_on=d(11, 1))
    scn.person("P", "S1", hired_on=d(9, 1)).person("Q", "S1", hired_on=d(9, 1))
    scn.send(
        scn.ev("P", "pos.sale", d(10, 25), times=3),  # before go-live: dormant by DESIGN alone
        scn.ev("Q", "pos.sale", d(10, 25)),
        scn.ev("Q", "pos.login", d(11, 1)),  # on go-live day: any feature's success counts
    )
    result = run(scn)
    # Q started on go-live day, then went quiet: dormant, not never started.
    assert groups(result) == {
        "never_started": ["P"],
        "struggling": [],
        "dormant": ["Q"],
        "silent": [],
    }
    (p,) = result.never_started
    # go-live 11-01 is later than the hire date: 11-01..11-19 is 19 days; hired 80 days ago.
    assert (p.hired_on, p.days_employed, p.since, p.days_since) == (d(9, 1), 80, d(11, 1), 19)
    assert (p.feature, p.suggestion) == (None, Suggestion(FIRST_STEPS))


def test_the_start_is_the_hire_date_when_later_than_go_live(session):
    scn = scenario(session, go_live_on=d(10, 1))
    scn.person("H", "S1", hired_on=d(11, 10)).person("O", "S1", hired_on=d(11, 10))
    scn.send(
        scn.ev("H", "pos.sale", d(11, 9)),  # the day before the hire date: does not count
        scn.ev("O", "pos.sale", d(11, 10)),  # on it: counts
    )
    (h,) = run(scn).never_started
    assert (h.user_id, h.since, h.days_since) == ("H", d(11, 10), 10)


def test_without_go_live_and_hire_date_any_success_up_to_the_day_counts(scn):
    scn.person("E", "S1").person("Ok", "S1").person("Late", "S1")
    scn.send(
        scn.ev("E", "pos.sale", d(11, 1), outcome="error", times=2),
        scn.ev("Ok", "pos.login", d(3, 1)),  # long ago, not even core: started
        scn.ev("Late", "pos.sale", d(11, 20)),  # after `last`
    )
    result = run(scn)
    assert ids(result.never_started) == ["E", "Late"]
    e = result.never_started[0]
    assert (e.since, e.days_since, e.days_employed) == (None, None, None)
    # Errors, but no success: its worst feature comes from every day up to `last`.
    assert e.feature == WorstFeature("pos.sale", 2, 2, "pos.sale", None)
    assert e.suggestion == Suggestion(FIRST_STEPS)


def test_a_site_not_live_yet_lists_nobody_as_never_started(session):
    scn = scenario(session, go_live_on=d(11, 20))
    scn.person("N", "S1")
    assert run(scn).never_started == []
    assert ids(run(scn, last=d(11, 20)).never_started) == ["N"]


def test_a_never_started_person_with_a_card_feature_gets_the_card(scn):
    scn.person("N", "S1")
    scn.send(scn.ev("N", "returns.receipt", d(9, 1), outcome="error"))
    (n,) = run(scn).never_started
    assert n.feature == WorstFeature("returns.receipt", 1, 1, "Process a return", CARD_URL)
    assert n.suggestion == Suggestion(
        "Go through the quick-reference card for Process a return with them", CARD_URL
    )


# ---- silent ---------------------------------------------------------------------------------


def test_last_active_40_days_ago_is_silent_by_default_not_with_60_days(scn):
    scn.person("S", "S1")
    scn.send(scn.ev("S", "pos.sale", d(10, 10)))  # 40 days before 11-19
    (s,) = run(scn).silent
    assert (s.user_id, s.last_active_day, s.days_silent) == ("S", d(10, 10), 40)
    assert (s.feature, s.suggestion) == (None, Suggestion(ASK_SILENT))
    assert groups(run(scn, 60)) == {
        "never_started": [],
        "struggling": [],
        "dormant": [],
        "silent": [],
    }


def test_silent_days_is_a_closed_bound(scn):
    scn.person("A", "S1").person("B", "S1")
    # A: 40 days silent, B: 41. With 41 only B; with 40 both (most silent first).
    scn.send(scn.ev("A", "pos.sale", d(10, 10)), scn.ev("B", "pos.sale", d(10, 9)))
    assert ids(run(scn, 41).silent) == ["B"]
    assert [(s.user_id, s.days_silent) for s in run(scn, 40).silent] == [("B", 41), ("A", 40)]


def test_someone_dormant_is_not_also_silent(scn):
    scn.person("D", "S1")
    scn.send(scn.ev("D", "pos.sale", d(10, 20)))  # in the look-back, 30 days ago
    result = run(scn)
    assert groups(result) == {"never_started": [], "struggling": [], "dormant": ["D"], "silent": []}
    assert result.dormant[0].suggestion == Suggestion(ASK_DORMANT)
    # With 7 days D is no less dormant, and still not silent.
    assert ids(run(scn, 7).silent) == []


def test_silent_names_the_worst_feature_of_their_whole_history_and_its_card(scn):
    scn.person("S", "S1")
    scn.send(
        scn.ev("S", "returns.receipt", d(8, 1), outcome="error", times=3),  # long before
        scn.ev("S", "pos.sale", d(8, 2), outcome="error", times=2),
        scn.ev("S", "pos.sale", d(9, 1)),
    )
    (s,) = run(scn).silent
    assert s.feature == WorstFeature("returns.receipt", 3, 3, "Process a return", CARD_URL)
    assert s.suggestion == Suggestion(
        "Go through the quick-reference card for Process a return with them", CARD_URL
    )


def test_silent_days_outside_7_to_365_is_refused_naming_the_field(scn):
    for days in (6, 366):
        with pytest.raises(Invalid) as error:
            run(scn, days)
        assert list(error.value.details) == ["silent_days"]
    assert run(scn, 7).silent_days == 7 and run(scn, 365).silent_days == 365


def test_only_the_team_employed_and_rostered_on_the_day_is_silent(scn):
    scn.person("L", "S1", left_on=d(11, 18)).person("U", "S1", rostered=False)
    scn.person("X", "S2")
    scn.send(*(scn.ev(u, "pos.sale", d(9, 1)) for u in ("L", "U", "X")))
    assert run(scn).silent == []


# ---- precedence -------------------------------------------------------------------------------


def test_struggling_comes_before_dormant_and_silent(scn):
    scn.person("F", "S1")
    scn.send(
        scn.ev("F", "pos.sale", d(10, 24)),  # last success: dormant by definition
        scn.ev("F", "returns.receipt", d(11, 15), outcome="error", times=6),
    )
    result = run(scn)
    # (1 + 1) ÷ (7 + 2) ≈ 0.22 over 7 core attempts: struggling, on returns.receipt.
    assert groups(result) == {"never_started": [], "struggling": ["F"], "dormant": [], "silent": []}
    (f,) = result.struggling
    assert f.suggestion.url == CARD_URL


def test_never_started_comes_before_struggling(session):
    scn = scenario(session, go_live_on=d(11, 1))
    scn.person("N", "S1")
    scn.send(
        scn.ev("N", "pos.sale", d(10, 30), times=2),  # before go-live
        scn.ev("N", "pos.sale", d(11, 5), outcome="error", times=6),  # after: errors only
    )
    result = run(scn)
    assert groups(result) == {"never_started": ["N"], "struggling": [], "dormant": [], "silent": []}


def test_a_mixed_team_lands_in_four_disjoint_lists(session):
    scn = scenario(session, go_live_on=d(10, 1))
    for user in ("N", "T", "D", "S", "Fine"):
        scn.person(user, "S1", hired_on=d(9, 1))
    scn.send(
        scn.ev("T", "pos.sale", d(11, 10)),
        scn.ev("T", "pos.sale", d(11, 11), outcome="error", times=5),
        scn.ev("D", "pos.sale", d(11, 1)),
        scn.ev("S", "pos.sale", d(10, 5)),
        scn.ev("Fine", "pos.sale", d(11, 18)),
    )
    result = run(scn)
    assert groups(result) == {
        "never_started": ["N"],
        "struggling": ["T"],
        "dormant": ["D"],
        "silent": ["S"],
    }
    # T fails on pos.sale, which has no card: do it together.
    assert result.struggling[0].suggestion == Suggestion(
        "Do pos.sale together with them at the till"
    )
