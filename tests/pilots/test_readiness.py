"""The readiness gate (pilots.readiness): rules on each site in scope, each of its last N
complete weeks. Sites and rules come from tests.pilots.readiness_world (NOW, week bounds).
"""

from __future__ import annotations

import pytest

from adoption.scoring.rules import load_rules
from pilots.readiness import readiness
from tests.adoption.scoring.test_proficiency import NOW, Scenario
from tests.pilots.readiness_world import add_rule, d, live_site, scenario


@pytest.fixture
def scn(session) -> Scenario:
    return scenario(session)


def gate(session, wave: int = 2) -> dict:
    return readiness(session, wave, now=NOW, rules=load_rules(session))


def evidence(result: dict, rule: int = 0) -> list[tuple]:
    return [
        (e["site_id"], e["week"], e["value"], e["passed"])
        for e in result["rules"][rule]["evidence"]
    ]


def test_go_when_every_pilot_passes_every_one_of_its_last_n_weeks(scn, session):
    # both people active in week 0 (11-03) and week 1 (11-10): 2 ÷ 2 = 1.0 each week
    live_site(scn, "P1", {"A": [3, 10], "B": [4, 11]}, is_pilot=True)
    add_rule(session)
    result = gate(session)
    assert (result["wave"], result["decision"], result["rules"][0]["passed"]) == (2, "go", True)
    assert evidence(result) == [("P1", 0, 1.0, True), ("P1", 1, 1.0, True)]


def test_no_go_when_one_site_fails_one_week(scn, session):
    live_site(scn, "P1", {"A": [3, 10], "B": [4, 11]}, is_pilot=True)
    # P2: C and D in week 0; only C in week 1 → 1 ÷ 2 = 0.5 < 0.8
    live_site(scn, "P2", {"C": [3, 10], "D": [5]}, is_pilot=True)
    add_rule(session)
    result = gate(session)
    assert (result["decision"], result["rules"][0]["passed"]) == ("no_go", False)
    assert [e for e in evidence(result) if not e[3]] == [("P2", 1, 0.5, False)]
    week = result["rules"][0]["evidence"][-1]
    assert (week["from"], week["to"]) == (d(9), d(15))


def test_the_week_in_progress_is_not_used(scn, session):
    # Nobody active in week 2 so far (11-16 to 11-19): it would fail, but it is not complete.
    live_site(scn, "P1", {"A": [3, 10]}, is_pilot=True)
    add_rule(session)
    result = gate(session)
    assert result["decision"] == "go"
    assert [e[1] for e in evidence(result)] == [0, 1]


def test_a_week_is_complete_once_its_last_day_has_ended_at_the_site(scn, session):
    # Go-live 11-07: week 1 = [11-14, 11-20]. At 12:00 UTC on 11-20 it is 02:00 on 11-21 at
    # Kiritimati (UTC+14), so week 1 is over there; in UTC, 11-20 is still running.
    live_site(scn, "UTC1", {"A": [8, 15]}, is_pilot=True, go_live_on=d(7))
    live_site(scn, "KIR1", {"B": [8, 15]}, is_pilot=True, go_live_on=d(7), tz="Pacific/Kiritimati")
    add_rule(session, weeks=1)
    assert [(e[0], e[1]) for e in evidence(gate(session))] == [("KIR1", 1), ("UTC1", 0)]


def test_previous_wave_scope_judges_the_sites_of_wave_n_minus_1(scn, session):
    live_site(scn, "P1", {"A": [3]}, is_pilot=True)  # week 1: 0 of 1 active, out of scope
    live_site(scn, "W1", {"B": [3, 10]}, wave=1)
    live_site(scn, "W2", {"C": []}, wave=2)  # the wave being judged is not its own evidence
    add_rule(session, scope="previous_wave")
    result = gate(session, wave=2)
    assert result["decision"] == "go"
    assert evidence(result) == [("W1", 0, 1.0, True), ("W1", 1, 1.0, True)]


def test_wave_1s_previous_wave_is_the_pilots(scn, session):
    live_site(scn, "P1", {"A": [3, 10]}, is_pilot=True)
    live_site(scn, "W1", {"B": []}, wave=1)
    add_rule(session, scope="previous_wave")
    assert {e[0] for e in evidence(gate(session, wave=1))} == {"P1"}


def test_a_site_with_too_few_complete_weeks_fails_with_evidence(scn, session):
    # Live since 11-09: only week 0 = [11-09, 11-15] is complete, the rule needs 2.
    live_site(scn, "P1", {"A": [10]}, is_pilot=True, go_live_on=d(9))
    add_rule(session)
    result = gate(session)
    assert result["decision"] == "no_go"
    assert evidence(result) == [("P1", 0, 1.0, True), ("P1", None, None, False)]
    assert result["rules"][0]["evidence"][1]["note"] == (
        "Only 1 of 2 complete weeks since go-live on 2026-11-09."
    )


def test_a_site_without_go_live_fails_with_a_note(scn, session):
    live_site(scn, "P1", {"A": [3, 10]}, is_pilot=True, go_live_on=None)
    add_rule(session)
    result = gate(session)
    assert evidence(result) == [("P1", None, None, False)]
    assert "go_live_on" in result["rules"][0]["evidence"][0]["note"]


def test_no_sites_in_scope_is_no_go_and_says_why(scn, session):
    live_site(scn, "S1", {"A": [3, 10]})  # not a pilot
    add_rule(session)
    result = gate(session)
    assert result["decision"] == "no_go"
    assert evidence(result) == [(None, None, None, False)]
    assert result["rules"][0]["evidence"][0]["note"] == "No pilot sites (is_pilot) to judge by."


def test_no_enabled_rule_is_no_go(scn, session):
    live_site(scn, "P1", {"A": [3, 10]}, is_pilot=True)
    add_rule(session, enabled=False)
    result = gate(session)
    assert (result["decision"], result["rules"]) == ("no_go", [])
    assert result["reason"].startswith("No readiness rule is enabled")


def test_an_at_most_rule_compares_with_less_or_equal(scn, session):
    live_site(scn, "P1", {"A": [3, 10]}, is_pilot=True)
    scn.send(scn.ev("A", "pos.sale", d(11), outcome="error"))
    add_rule(session, metric="error_rate", comparison="<=", threshold=0.25)
    # week 0: 0 errors ÷ 1 = 0; week 1: 1 error ÷ (1 + 1) = 0.5 > 0.25
    assert evidence(gate(session)) == [("P1", 0, 0.0, True), ("P1", 1, 0.5, False)]


def test_a_value_equal_to_the_threshold_passes(scn, session):
    # 4 of 5 active each week: exactly 0.8
    live_site(scn, "P1", {u: [3, 10] for u in "ABCD"} | {"E": []}, is_pilot=True)
    add_rule(session)
    assert gate(session)["decision"] == "go"


def test_wave_0_has_no_gate(session):
    with pytest.raises(Exception, match="not valid"):
        gate(session, wave=0)
