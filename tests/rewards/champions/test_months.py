"""Monthly champions of DESIGN.md "Definitions": eligibility, each tie-breaker, the reasons.

Data is hand-built (tests/rewards/month_world.py): four timed sales a day on 10-10 … 10-14 give
a month-end score of 98.86; two extra errors give 96.88. Points are booked by hand.
"""

from __future__ import annotations

import pytest

from adoption.masterdata import feature_records, records
from rewards.champions.months import close_month, compute_month, get_month
from rewards.points import derive_points_job
from tests.adoption.scoring.test_proficiency import at
from tests.rewards.month_world import CLOSE_AT, OCT, Month, d, utc


@pytest.fixture
def month(session) -> Month:
    """S1 and S2 (UTC); E1 and E2 at home in S1; the October catalog."""
    scn = Month(session).site("S1").site("S2")
    scn.person("E1", "S1").person("E2", "S1")
    return scn.catalog()


def champion(scn: Month, site: str = "S1", **kwargs) -> dict:
    result = compute_month(scn.session, OCT, now=CLOSE_AT, **kwargs)
    return next(c for c in result["champions"] if c["site_id"] == site)


# ---- ranking and each tie-breaker in turn --------------------------------------------------


def test_most_points_at_the_site_wins_and_the_reason_gives_the_margin(month):
    month.work("E1").work("E2")
    month.book("E1", 10, utc(14, 9)).book("E2", 12, utc(14, 9))
    c = champion(month)
    assert (c["user_id"], c["points"], c["score"]) == ("E2", 12, 98.86)
    assert (
        c["rank_reason"]
        == "12 points, 5 active days, Expert (score 98.86); ahead of E1 by 2 points"
    )


def test_points_earned_at_another_site_do_not_count(month):
    month.work("E1").work("E2")
    month.book("E1", 10, utc(14, 9)).book("E2", 8, utc(14, 9)).book("E2", 50, utc(14, 9), "S2")
    assert champion(month)["user_id"] == "E1"  # 10 vs 8 at S1; E2's 50 at S2 are not S1's


def test_tie_on_points_goes_to_the_higher_month_end_score(month):
    month.work("E1", errors=2).work("E2")  # E1: 96.88, E2: 98.86
    month.book("E1", 10, utc(14, 9)).book("E2", 10, utc(14, 9))
    c = champion(month)
    assert c["user_id"] == "E2"
    assert c["rank_reason"] == (
        "10 points, 5 active days, Expert (score 98.86); "
        "tied on points with E1; higher score 98.86 vs 96.88"
    )


def test_tie_on_points_and_score_goes_to_more_active_days(month):
    # 10-01 lies outside the month-end score window (10-04 … 10-31): a day, no score change
    month.work("E1").work("E2").work("E2", days=(1,), action="pos.login", per_day=1)
    month.book("E1", 10, utc(14, 9)).book("E2", 10, utc(14, 9))
    c = champion(month)
    assert (c["user_id"], c["score"]) == ("E2", 98.86)
    assert c["rank_reason"] == (
        "10 points, 6 active days, Expert (score 98.86); "
        "tied on points and score with E1; more active days 6 vs 5"
    )


def test_then_to_the_earlier_time_of_the_last_points_at_the_site(month):
    month.work("E1").work("E2")
    # E1 started earlier (10-02) but its last points came later (15:00 vs 09:00 on 10-14)
    month.book("E1", 5, utc(2, 8)).book("E1", 5, utc(14, 15))
    month.book("E2", 5, utc(10, 8)).book("E2", 5, utc(14, 9))
    c = champion(month)
    assert c["user_id"] == "E2"
    assert c["rank_reason"].endswith(
        "tied on points, score and active days with E1; earlier last points at S1 "
        "2026-10-14T09:00:00Z vs 2026-10-14T15:00:00Z"
    )


def capped_sales(scn: Month, user: str, *hours: int) -> Month:
    """pos.cap (1 point, cap 2 a day, not core) successes at these UTC hours on 10-14; derived."""
    scn.send(*(scn.ev(user, "pos.cap", at(d(14), hour)) for hour in hours))
    derive_points_job(scn.session, now=CLOSE_AT)
    scn.session.commit()
    return scn


@pytest.fixture
def capped(month) -> Month:
    """E1 and E2 equal on score and active days; E1 earns 2 capped points at 10:00 and 11:00
    on 10-14, E2 has 2 points booked at 10:30."""
    month.feature("pos.cap", points=1, daily_cap=2)
    month.work("E1").work("E2")
    month.book("E2", 2, utc(14, 10).replace(minute=30))
    return capped_sales(month, "E1", 10, 11)


def test_time_of_last_points_follows_a_late_event_that_moves_the_capped_points(capped):
    assert champion(capped)["user_id"] == "E2"  # E1's last points 11:00 vs E2's 10:30
    # A late 09:00 sale: 09:00 and 10:00 now earn the 2 capped points and 11:00 earns none.
    # The total is unchanged, so the ledger gets no row; its earned_at still says 11:00.
    capped_sales(capped, "E1", 9)
    c = champion(capped)
    assert (c["user_id"], c["points"]) == ("E1", 2)
    assert c["rank_reason"].endswith(
        "earlier last points at S1 2026-10-14T10:00:00Z vs 2026-10-14T10:30:00Z"
    )


def test_time_of_last_points_skips_points_reversed_to_zero(month):
    # E1: 5 tip points at 05:00 on 10-13 and 2 capped points at 10:00 and 11:00 on 10-14;
    # E2: 5 points booked at 06:00 on 10-13.
    month.feature("pos.cap", points=1, daily_cap=2)
    month.work("E1").work("E2").book("E2", 5, utc(13, 6))
    month.send(month.ev("E1", "pos.tip", at(d(13), 5)))
    capped_sales(month, "E1", 10, 11)
    assert champion(month)["points"] == 7
    # pos.cap is now worth nothing: a −2 correction row (which keeps 11:00) leaves E1 5 points,
    # the last of them earned at 05:00 on 10-13, not at 11:00 on 10-14.
    feature_records.put_feature(month.session, "pos.cap", {"points": 0}, now=CLOSE_AT)
    derive_points_job(month.session, now=CLOSE_AT)
    month.session.commit()
    c = champion(month)
    assert (c["user_id"], c["points"]) == ("E1", 5)
    assert c["rank_reason"].endswith(
        "earlier last points at S1 2026-10-13T05:00:00Z vs 2026-10-13T06:00:00Z"
    )


def test_a_closed_month_keeps_its_tie_break_after_a_late_event(capped):
    close_month(capped.session, OCT, now=CLOSE_AT, actor="hr")
    capped.session.commit()
    capped_sales(capped, "E1", 9)  # would make E1 champion in a draft (see above)
    frozen = get_month(capped.session, OCT, now=CLOSE_AT)
    s1 = next(c for c in frozen["champions"] if c["site_id"] == "S1")
    assert (frozen["status"], s1["user_id"]) == ("closed", "E2")


def test_then_to_the_lower_user_id(month):
    month.work("E1").work("E2")
    month.book("E1", 10, utc(14, 9)).book("E2", 10, utc(14, 9))
    c = champion(month)
    assert c["user_id"] == "E1"
    assert c["rank_reason"].endswith(
        "tied on points, score, active days and time of last points with E2; user id E1 before E2"
    )


def test_a_lone_eligible_employee_is_champion_with_zero_points(month):
    month.work("E1")
    c = champion(month)
    assert (c["user_id"], c["points"]) == ("E1", 0)
    assert (
        c["rank_reason"]
        == "0 points, 5 active days, Expert (score 98.86); the only eligible employee"
    )


# ---- eligibility: each condition -----------------------------------------------------------


def _unrostered(m):
    records.put_employee(m.session, "E2", {"rostered": False}, now=CLOSE_AT)


def _left_before_month_end(m):
    records.put_employee(m.session, "E2", {"left_on": d(30)}, now=CLOSE_AT)


def _manager(m):
    records.put_employee(m.session, "E2", {"role": "manager"}, now=CLOSE_AT)


def _home_elsewhere(m):
    records.put_employee(m.session, "E2", {"site_id": "S2"}, now=CLOSE_AT)


@pytest.mark.parametrize(
    "make_ineligible", [_unrostered, _left_before_month_end, _manager, _home_elsewhere]
)
def test_an_ineligible_top_scorer_is_passed_over(month, make_ineligible):
    month.work("E1").work("E2")
    month.book("E1", 10, utc(14, 9)).book("E2", 99, utc(14, 9), "S1")
    make_ineligible(month)
    month.session.commit()
    assert champion(month)["user_id"] == "E1"


def test_four_active_days_are_not_enough(month):
    month.work("E1").work("E2", days=(10, 11, 12, 13), per_day=5)
    # E2: 20 attempts, consistency 4/5 → 35 + 23.86 + 20 + 16 = 94.86, Expert, but 4 days
    month.book("E1", 10, utc(14, 9)).book("E2", 99, utc(13, 9))
    assert champion(month)["user_id"] == "E1"


def test_without_proficiency_at_month_end_nobody_is_champion(month):
    month.work("E1").work("E2", per_day=3)
    # E2: 15 core attempts < 20 → at most Developing, whatever the score
    month.book("E1", 10, utc(14, 9)).book("E2", 99, utc(14, 9))
    assert champion(month)["user_id"] == "E1"


def test_the_ineligible_roles_are_a_parameter(month):
    month.work("E1").work("E2")
    month.book("E1", 10, utc(14, 9)).book("E2", 99, utc(14, 9))
    _manager(month)
    month.session.commit()
    assert champion(month, ineligible_roles=())["user_id"] == "E2"


def test_an_opted_out_employee_is_still_eligible_and_named(month):
    records.put_employee(month.session, "E2", {"public_opt_out": True}, now=CLOSE_AT)
    month.work("E1").work("E2")
    month.book("E1", 10, utc(14, 9)).book("E2", 12, utc(14, 9))
    c = champion(month)
    assert (c["user_id"], c["display_name"]) == ("E2", "Person E2")


# ---- nobody eligible: the reason names the condition ---------------------------------------


def test_a_site_without_employees_gets_an_entry_saying_so(month):
    c = champion(month, "S2")
    assert (c["user_id"], c["points"], c["score"]) == (None, None, None)
    assert c["rank_reason"] == "Nobody eligible: no employee has S2 as home site."


def test_nobody_with_five_active_days_is_named_with_the_best_count(month):
    month.work("E1", days=(10, 11, 12, 13), per_day=5).work("E2", days=(10,))
    assert champion(month)["rank_reason"] == (
        "Nobody eligible: nobody met “≥ 5 active days in 2026-10” "
        "(2 employees met the conditions before it; most active days: 4)."
    )


def test_nobody_proficient_is_named_with_the_best_level(month):
    month.work("E1", per_day=3).work("E2", per_day=3)
    # 15 attempts each: score 35 + 25 · 16/17 + 40 = 98.53, but the level stops at Developing
    assert champion(month)["rank_reason"] == (
        "Nobody eligible: nobody met “Proficient or above on 2026-10-31” "
        "(2 employees met the conditions before it; best: Developing (score 98.53))."
    )


def test_only_managers_at_a_site_is_named(month):
    month.work("E1").work("E2")
    for user in ("E1", "E2"):
        records.put_employee(month.session, user, {"role": "manager"}, now=CLOSE_AT)
    month.session.commit()
    assert champion(month)["rank_reason"] == (
        "Nobody eligible: nobody met “a role other than manager” "
        "(2 employees met the conditions before it)."
    )


def test_every_site_gets_exactly_one_entry(month):
    month.work("E1")
    sites = [c["site_id"] for c in compute_month(month.session, OCT, now=CLOSE_AT)["champions"]]
    assert sites == ["S1", "S2"]
