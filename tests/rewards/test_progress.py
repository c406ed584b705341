"""One employee's progress (`rewards.progress`): points left today under each daily cap, and the
figures /me, the API and the CLI show. NOW is 2026-11-20 12:00 UTC: today 11-20, yesterday 11-19.
"""

from __future__ import annotations

from datetime import date

import pytest

from adoption.masterdata import records
from rewards.progress import FeaturePoints, left_today, my_progress, points_today
from tests.adoption.scoring.test_proficiency import NOW, Scenario, at

TODAY = date(2026, 11, 20)


@pytest.mark.parametrize(
    ("cap", "earned", "left"),
    [
        (10, 8, 2),  # points 4, cap 10, two events today: 10 − 8
        (10, 10, 0),  # capped out
        (6, 7, 0),  # never below 0
        (None, 12, None),  # uncapped: nothing to run out of
        (5, 0, 5),
    ],
)
def test_left_today_is_the_cap_remainder(cap, earned, left):
    assert left_today(cap, earned) == left


@pytest.fixture
def scn(session) -> Scenario:
    scn = Scenario(session)
    scn.site("S1")
    scn.feature("pos.sale", is_core=True, points=4, daily_cap=10)
    scn.feature("pos.refund", is_core=True, points=3)  # uncapped
    scn.feature("pos.void", points=1, daily_cap=2)
    scn.feature("pos.login", points=0)  # earns nothing: not listed
    scn.person("C", "S1")
    return scn


def features(scn: Scenario) -> dict[str, FeaturePoints]:
    emp = records.get_employee(scn.session, "C")
    return {f.action: f for f in points_today(scn.session, emp, TODAY)}


def test_two_events_at_4_points_under_a_cap_of_10_leave_2(scn):
    scn.send(scn.ev("C", "pos.sale", at(TODAY, 8), times=2))
    assert features(scn)["pos.sale"] == FeaturePoints("pos.sale", 4, 10, 8, 2)


def test_uncapped_feature_has_no_remainder(scn):
    scn.send(scn.ev("C", "pos.refund", at(TODAY, 8), times=5))
    assert features(scn)["pos.refund"] == FeaturePoints("pos.refund", 3, None, 15, None)


def test_capped_out_feature_has_0_left_and_earns_no_more(scn):
    # 3 sales: 4 + 4 + 2 (the cap's rest) = 10; 3 voids: 1 + 1 + 0 = 2.
    scn.send(
        scn.ev("C", "pos.sale", at(TODAY, 8), times=3),
        scn.ev("C", "pos.void", at(TODAY, 9), times=3),
    )
    got = features(scn)
    assert (got["pos.sale"].earned, got["pos.sale"].left) == (10, 0)
    assert (got["pos.void"].earned, got["pos.void"].left) == (2, 0)
    assert "pos.login" not in got


def test_yesterdays_events_do_not_count_today(scn):
    scn.send(scn.ev("C", "pos.sale", date(2026, 11, 19), times=2))
    assert features(scn)["pos.sale"] == FeaturePoints("pos.sale", 4, 10, 0, 10)


def test_progress_gathers_score_next_level_and_points(scn):
    scn.send(
        scn.ev("C", "pos.sale", date(2026, 11, 19)),
        scn.ev("C", "pos.sale", at(TODAY, 8), times=2),
        scn.ev("C", "pos.refund", at(TODAY, 9)),
    )
    progress = my_progress(scn.session, records.get_employee(scn.session, "C"), NOW)
    assert (progress.user_id, progress.site_id, progress.today) == ("C", "S1", TODAY)
    assert progress.proficiency["as_of"] == date(2026, 11, 19)
    assert progress.points_today == 8 + 3
    assert [f.action for f in progress.capped] == ["pos.sale", "pos.void"]
    # 11-19: breadth 0 (1 sale < 3), accuracy (1 + 1) ÷ (1 + 2), speed 0.5, consistency 1/1:
    # 100 × (0.25 × 2/3 + 0.20 × 0.5 + 0.20) = 46.67, Developing; Proficient needs 70 and 20
    # core attempts: 23.33 points and 19 attempts to go.
    assert (progress.proficiency["score"], progress.proficiency["level"]) == (46.67, "Developing")
    assert (progress.next_level.level, progress.next_level.at) == ("Proficient", 70.0)
    assert progress.next_level.score_needed == 23.33
    assert progress.next_level.attempts_needed == 19
    assert sum(c.adds for c in progress.components) == pytest.approx(46.67, abs=0.01)
