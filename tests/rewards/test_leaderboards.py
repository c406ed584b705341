"""Leaderboards (rewards.leaderboards; CONTRACT "Read models"; DESIGN "Ranking", "Improvement") on
hand-computed boards. GET /api/v1/leaderboards is tested in tests/http/test_leaderboards.py.

NOW is 2026-11-20 12:00 UTC, so yesterday is 11-19. Week 2026-W46 is Mon 11-09 to Sun 11-15.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adoption.privacy import Viewer
from adoption.scoring.rules import create_rules
from rewards.leaderboards import leaderboard, parse_period
from rewards.points import derive_points_job
from rewards.rank_change import previous_period
from tests.adoption.scoring.test_proficiency import NOW, Scenario, at
from tests.rewards.board_world import board_chain, d


def board(scn, scope, period, metric="points", *, limit=50, role="hr", now=NOW) -> dict:
    return leaderboard(
        scn.session,
        scope=scope,
        period=period,
        metric=metric,
        limit=limit,
        viewer=Viewer(role),
        now=now,
    )


def ranked(result: dict) -> list[tuple]:
    return [(e["rank"], e["user_id"], e["value"]) for e in result["entries"]]


@pytest.fixture
def chain(session) -> Scenario:
    """The chain of tests.rewards.board_world."""
    return board_chain(session)


def test_site_week_points_rank_ties_equally_and_list_them_by_user_id(chain):
    # H 10; A 6 and B 6 share rank 2; C 2 is 4th (1, 2, 2, 4); I has none.
    assert ranked(board(chain, "site:S1", "2026-W46")) == [
        (1, "H", 10),
        (2, "A", 6),
        (2, "B", 6),
        (4, "C", 2),
        (5, "I", 0),
    ]


def test_people_without_points_are_listed_with_zero(chain):
    entries = board(chain, "site:S1", "2026-W46")["entries"]
    assert {
        "rank": 5,
        "user_id": "I",
        "display_name": "Person I",
        "site_id": "S1",
        "value": 0,
        "previous_rank": 2,
        "change": -3,
        "provisional": 0,  # no void window: every point is confirmed at once
    } in entries


def test_unrostered_and_people_not_employed_in_the_period_are_left_out(chain):
    users = {e["user_id"] for e in board(chain, "site:S1", "2026-W46")["entries"]}
    assert users.isdisjoint({"G", "F", "J"})  # unrostered; left 10-31; hired 11-16


def test_site_board_counts_only_points_earned_at_that_site(chain):
    values = {e["user_id"]: e["value"] for e in board(chain, "site:S1", "2026-W46")["entries"]}
    assert values["A"] == 6  # 3 × 2 at S1; the sale at S2 counts on S2's and region boards


def test_month_board_counts_the_month_up_to_yesterday(chain):
    # C: 10 (11-03) + 2 (11-13) = 12; J was hired 11-16, inside the month, with no points.
    assert ranked(board(chain, "site:S1", "2026-11")) == [
        (1, "C", 12),
        (2, "H", 10),
        (3, "A", 6),
        (3, "B", 6),
        (5, "I", 0),
        (5, "J", 0),
    ]


def test_points_earned_today_count_on_the_current_board(chain):
    chain.send(chain.ev("I", "pos.sale", at(d(11, 20), 8)))  # today, 08:00 UTC
    derive_points_job(chain.session, now=NOW)
    for period in ("2026-11", "2026-W47", "all"):
        values = {e["user_id"]: e["value"] for e in board(chain, "site:S1", period)["entries"]}
        assert values["I"] == 2, period  # "points earned in the period": today's count


def test_people_hired_today_are_on_the_current_board_but_not_those_hired_later(chain):
    chain.person("K", "S1", hired_on=d(11, 20)).person("L", "S1", hired_on=d(11, 21))
    chain.session.commit()
    users = {e["user_id"] for e in board(chain, "site:S1", "2026-W47")["entries"]}
    assert "K" in users and "L" not in users  # employed up to today, 11-20


def test_current_week_on_a_monday_is_a_board_with_mondays_points(chain):
    monday = datetime(2026, 11, 23, 9, tzinfo=UTC)  # W48 has no finished day yet
    chain.send(chain.ev("B", "pos.sale", at(d(11, 23), 8)), now=monday)
    derive_points_job(chain.session, now=monday)
    result = board(chain, "site:S1", "2026-W48", now=monday)
    assert result["period"] == "2026-W48"
    assert ranked(result)[0] == (1, "B", 2)


def test_equal_ranks_are_listed_in_plain_user_id_order(session):
    scn = Scenario(session)
    scn.site("T1").feature("pos.sale", points=2)
    scn.person("a1", "T1").person("B2", "T1").person("c3", "T1")
    e = scn.ev
    scn.send(e("a1", "pos.sale", d(11, 10)), e("B2", "pos.sale", d(11, 10)))
    derive_points_job(session, now=NOW)
    # "B2" < "a1" < "c3" as strings (upper case first); a case-folded order would put a1 first.
    assert ranked(board(scn, "site:T1", "2026-11")) == [(1, "B2", 2), (1, "a1", 2), (3, "c3", 0)]


def test_region_board_counts_points_at_every_site_of_the_region(chain):
    # A: 6 at S1 + 2 at S2 = 8, tied with D's 8 at S2; E (South) is not on it.
    result = board(chain, "region:north", "2026-W46")
    assert result["scope"] == "region:North"
    assert ranked(result) == [
        (1, "H", 10),
        (2, "A", 8),
        (2, "D", 8),
        (4, "B", 6),
        (5, "C", 2),
        (6, "I", 0),
    ]


def test_chain_all_time_board_includes_everyone_employed_at_any_time(chain):
    # F (left 10-31) earned 2 in October; J (hired 11-16) has 0; C: 10 + 2 = 12.
    assert ranked(board(chain, "chain", "all")) == [
        (1, "C", 12),
        (2, "H", 10),
        (3, "A", 8),
        (3, "D", 8),
        (5, "B", 6),
        (6, "E", 4),
        (7, "F", 2),
        (8, "I", 0),
        (8, "J", 0),
    ]


def test_limit_cuts_after_that_many_rows(chain):
    result = board(chain, "site:S1", "2026-W46", limit=2)
    assert ranked(result) == [(1, "H", 10), (2, "A", 6)]  # B, also 2nd, is cut


def test_default_period_is_the_month_of_yesterday(chain):
    assert board(chain, "site:S1", None)["period"] == "2026-11"


def test_opted_out_employee_keeps_its_rank_when_anonymous(chain):
    first = board(chain, "site:S1", "2026-W46", role="manager")["entries"][0]
    assert first == {
        "rank": 1,
        "user_id": None,
        "display_name": "Anonymous",
        "site_id": "S1",
        "value": 10,
        "previous_rank": None,  # an anonymous row cannot be followed from board to board
        "change": None,
        "provisional": 0,
    }


@pytest.fixture
def learners(session) -> Scenario:
    """L1 (UTC) with one core feature, pos.sale (no expected time, so speed is 0.5 → 10 points).

    V: 09-02 4 successes + 1 error, 09-25 3, 10-20 3. L (hired 10-10): 10-10 3, 10-20 3.
    N: 10-20 1 success. Z: nothing. Minimum evidence: 3 core attempts (config version 2).
    """
    create_rules(session, {"min_core_attempts": 3}, now=NOW, actor="test")
    scn = Scenario(session)
    scn.site("L1").feature("pos.sale", is_core=True)
    scn.person("V", "L1").person("L", "L1", hired_on=d(10, 10)).person("N", "L1").person("Z", "L1")
    e = scn.ev
    scn.send(
        e("V", "pos.sale", d(9, 2), times=4),
        e("V", "pos.sale", d(9, 2), outcome="error"),
        e("V", "pos.sale", d(9, 25), times=3),
        e("V", "pos.sale", d(10, 20), times=3),
        e("L", "pos.sale", d(10, 10), times=3),
        e("L", "pos.sale", d(10, 20), times=3),
        e("N", "pos.sale", d(10, 20)),
    )
    return scn


def test_proficiency_board_ranks_the_scores_of_the_periods_last_day(learners):
    # Window [10-04, 10-31]; L1 active on 10-10 and 10-20. Score = 35·breadth + 25·accuracy
    # + 20·speed + 20·consistency:
    # L: 35 + 25·7/8 + 10 + 20·2/2 = 86.875 → 86.88;  V: 35 + 25·4/5 + 10 + 20·1/2 = 75.00
    # N: 0 + 25·2/3 + 10 + 20·1/2 = 36.67
    # Z has no core attempt: Not started, no score (not 25·1/2 + 10 = 22.50), ranked after
    # everyone with one.
    assert ranked(board(learners, "site:L1", "2026-10", "proficiency")) == [
        (1, "L", 86.88),
        (2, "V", 75.0),
        (3, "N", 36.67),
        (4, "Z", None),
    ]


def test_current_period_proficiency_is_the_score_of_yesterday(learners):
    learners.site("Q1").person("P", "Q1")
    learners.send(learners.ev("P", "pos.sale", d(10, 25), times=3))
    # Yesterday 11-19: window [10-23, 11-19] holds 10-25: 35 + 25·4/5 + 10 + 20 = 85.00
    # (on 11-30, the month's last day, 10-25 would be out of the window: Not started).
    assert ranked(board(learners, "site:Q1", "2026-11", "proficiency")) == [(1, "P", 85.0)]


def test_current_period_on_its_first_day_reads_scores_and_improvement_as_of_yesterday(learners):
    # Now 11-01: November has no finished day. Proficiency is the score of yesterday, 10-31
    # (as on October's board); improvement runs from the day before November, 10-31, to 10-31.
    now = datetime(2026, 11, 1, 12, tzinfo=UTC)
    assert ranked(board(learners, "site:L1", "2026-11", "proficiency", now=now)) == ranked(
        board(learners, "site:L1", "2026-10", "proficiency", now=now)
    )
    assert ranked(board(learners, "site:L1", "2026-11", "improvement", now=now)) == [
        (1, "L", 0.0),
        (1, "V", 0.0),
        (3, "N", None),
        (3, "Z", None),
    ]


def test_improvement_of_a_late_joiner_starts_at_the_first_active_day(learners):
    # L at 10-31 86.88 − L on 10-10 (window [09-13, 10-10], employed only on 10-10:
    # 35 + 20 + 10 + 20 = 85.00) = 1.88, not 86.88 − 22.50 (on 09-30, before L's start) = 64.38.
    # V at 10-31 75.00 − V on 09-30 (window [09-03, 09-30]: 35 + 20 + 10 + 20 = 85.00) = −10.00.
    entries = ranked(board(learners, "site:L1", "2026-10", "improvement"))
    assert entries[:2] == [(1, "L", 1.88), (2, "V", -10.0)]


def test_improvement_without_evidence_is_null_and_ranked_last(learners):
    # N has 1 core attempt at 10-31 and Z none, below the minimum of 3: both null, tied last.
    entries = ranked(board(learners, "site:L1", "2026-10", "improvement"))
    assert entries[2:] == [(3, "N", None), (3, "Z", None)]


def test_all_time_improvement_starts_at_each_first_active_day(learners):
    # Through 10-31 (now 11-01). V from 09-02 (window [08-06, 09-02]: 35 + 25·5/7 + 10 + 20
    # = 82.857 → 82.86): 75.00 − 82.86 = −7.86. L from 10-10 as before: 1.88.
    now = datetime(2026, 11, 1, 12, tzinfo=UTC)
    assert ranked(board(learners, "site:L1", "all", "improvement", now=now)) == [
        (1, "L", 1.88),
        (2, "V", -7.86),
        (3, "N", None),
        (3, "Z", None),
    ]


def changes(result: dict) -> list[tuple]:
    return [(e["user_id"], e["rank"], e["previous_rank"], e["change"]) for e in result["entries"]]


def test_each_entry_carries_its_rank_on_the_previous_weeks_board_and_the_places_gained(chain):
    # W45 at S1: C 10 is 1st; A, B, H and I with 0 share rank 2 (F had left, J not hired yet).
    # W46: H 10, A 6, B 6, C 2, I 0.
    assert changes(board(chain, "site:S1", "2026-W46")) == [
        ("H", 1, 2, 1),
        ("A", 2, 2, 0),
        ("B", 2, 2, 0),
        ("C", 4, 1, -3),
        ("I", 5, 2, -3),
    ]


def test_someone_not_ranked_in_the_previous_period_has_no_previous_rank(chain):
    rows = {
        user: (previous, change)
        for user, _, previous, change in changes(board(chain, "site:S1", "2026-W47"))
    }
    assert rows["J"] == (None, None)  # hired 11-16: not on W46's board
    assert rows["H"] == (1, rows["H"][1]) and rows["H"][1] is not None


def test_the_previous_month_is_ranked_by_the_same_metric_and_all_time_has_none(chain):
    november = changes(board(chain, "site:S1", "2026-11", "proficiency"))
    october = {
        e["user_id"]: e["rank"]
        for e in board(chain, "site:S1", "2026-10", "proficiency")["entries"]
    }
    for user, _, previous, _ in november:
        assert previous == october.get(user)
    assert {(p, c) for _, _, p, c in changes(board(chain, "chain", "all"))} == {(None, None)}


@pytest.mark.parametrize(
    ("label", "previous"),
    [
        ("2026-01", "2025-12"),
        ("2026-W01", "2025-W52"),
        ("2021-W01", "2020-W53"),
        ("1900-01", None),
        ("all", None),
    ],
)
def test_the_previous_period_is_the_one_just_before_of_the_same_kind(label, previous):
    assert previous_period(parse_period(label, NOW.date())) == previous
