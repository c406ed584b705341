"""`scores_on`, the one rule for "the score of e on day d" over a set of people."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from adoption.masterdata import records
from adoption.scoring import proficiency
from adoption.scoring.components import score_frame
from adoption.scoring.rules import load_rules
from tests.adoption.scoring.test_proficiency import Scenario

DAY = date(2026, 11, 10)


@pytest.fixture
def team(session):
    scn = Scenario(session).site("S1").feature("pos.sale", is_core=True)
    for user, n in (("A", 3), ("B", 6), ("C", 1)):
        scn.person(user, "S1")
        scn.send(*(scn.ev(user, "pos.sale", DAY - timedelta(days=k)) for k in range(n)))
    ids = {u: records.get_employee(session, u).id for u in ("A", "B", "C")}
    return session, ids


def test_each_person_is_scored_on_their_own_day(team):
    session, ids = team
    rules = load_rules(session)
    wanted = {ids["A"]: DAY, ids["B"]: DAY - timedelta(days=3), ids["C"]: DAY + timedelta(days=5)}
    got = proficiency.scores_on(session, wanted, rules)
    for eid, day in wanted.items():
        row = score_frame(session, [eid], day, day, rules).iloc[0]
        assert (got[eid].day, got[eid].score, got[eid].level) == (day, row.score, row.level)
        assert got[eid].core_attempts == int(row.core_attempts)


def test_one_frame_over_the_span_and_one_frame_per_day_agree(team, monkeypatch):
    session, ids = team
    rules = load_rules(session)
    wanted = {ids["A"]: DAY, ids["B"]: DAY - timedelta(days=9), ids["C"]: DAY - timedelta(days=1)}
    spanned = proficiency.scores_on(session, wanted, rules)
    monkeypatch.setattr(proficiency, "SPAN_BUDGET", 0)  # forces one frame per distinct day
    assert proficiency.scores_on(session, wanted, rules) == spanned


def test_nobody_asked_gives_nothing(team):
    session, _ = team
    assert proficiency.scores_on(session, {}, load_rules(session)) == {}
