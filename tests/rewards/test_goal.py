"""The next goal (rewards.goal): core features short of breadth's count (aliases counted), the
progress to the next level, badges not held and the weekly trend (NOW 2026-11-20 12:00 UTC)."""

from __future__ import annotations

from datetime import date

from adoption.masterdata.records import get_employee
from adoption.scoring.proficiency import NextLevel
from adoption.scoring.rules import load_rules
from rewards.goal import level_progress, missing_core, score_trend
from tests.adoption.scoring.test_proficiency import Scenario


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def test_missing_core_counts_aliases_and_names_features_by_title(session):
    scn = Scenario(session)
    scn.site("S1")
    scn.feature("pos.sale", is_core=True, title="Ring up a sale")
    scn.feature("pos.sale.v2", alias_of="pos.sale")
    scn.feature("pos.refund", is_core=True)
    scn.feature("pos.login")  # not core: never listed
    scn.person("A", "S1")
    e = scn.ev
    scn.send(e("A", "pos.sale", d(11, 18), times=2), e("A", "pos.sale.v2", d(11, 18)))
    session.commit()
    a = get_employee(session, "A")
    # 2 + 1 (the alias) = 3 sales: enough; refunds: none.
    assert missing_core(session, a, d(11, 19), load_rules(session)) == [
        {"action": "pos.refund", "title": "pos.refund", "successes": 0, "needed": 3}
    ]
    scn.send(e("A", "pos.refund", d(11, 18)))
    session.commit()
    assert missing_core(session, a, d(11, 17), load_rules(session))[0]["title"] == "pos.refund"
    assert [m["title"] for m in missing_core(session, a, d(11, 17), load_rules(session))] == [
        "pos.refund",
        "Ring up a sale",
    ]  # as of 11-17 nothing was done yet: both missing, fewest successes then by title


def test_the_trend_is_weekly_and_none_where_not_started(session):
    scn = Scenario(session)
    scn.site("S1")
    scn.feature("pos.sale", is_core=True)
    scn.person("A", "S1")
    scn.send(scn.ev("A", "pos.sale", d(11, 10), times=3))
    session.commit()
    trend = score_trend(session, get_employee(session, "A"), d(11, 19), load_rules(session))
    assert [t["day"] for t in trend] == [d(10, 1 + 7 * k) for k in range(5)] + [
        d(11, 5),
        d(11, 12),
        d(11, 19),
    ]
    assert [t["score"] is None for t in trend] == [True] * 6 + [False, False]


def test_level_progress_is_the_share_of_the_next_threshold():
    assert level_progress(35.0, NextLevel("Developing", 40.0, 5.0, 0)) == 0.875
    assert level_progress(None, NextLevel("Developing", 40.0, 40.0, 0)) == 0.0
    assert level_progress(90.0, NextLevel("Proficient", 70.0, 0.0, 1)) == 1.0
    assert level_progress(88.0, None) == 1.0
