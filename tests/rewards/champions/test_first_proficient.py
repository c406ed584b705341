"""First proficient of a site: earliest proficient-since on or after go-live, ties by score then
user id, awarded once and never moved, none without a go-live date, listed under its month."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from adoption.masterdata import records
from adoption.models import Employee
from rewards.badges import award_badges
from rewards.champions.months import compute_month
from rewards.models import BadgeAward, SiteFirstProficient
from tests.rewards.month_world import CLOSE_AT, OCT, Month, d

FIRST_WEEK = (1, 2, 3, 4, 5)  # 4 sales a day: 20 attempts, Proficient, on 10-05


@pytest.fixture
def scn(session) -> Month:
    """S1 (UTC, live since 10-01) with E1, E2 and E3; one core feature, pos.sale."""
    scn = Month(session).site("S1", go_live_on=d(1)).catalog()
    for user in ("E1", "E2", "E3"):
        scn.person(user, "S1")
    scn.session.commit()
    return scn


def award(scn: Month, as_of=d(31)) -> None:
    award_badges(scn.session, now=CLOSE_AT, as_of=as_of)
    scn.session.commit()


def first_proficient(scn: Month) -> tuple[str, object, float] | None:
    row = scn.session.scalar(select(SiteFirstProficient))
    if row is None:
        return None
    user = scn.session.get(Employee, row.employee_id).external_id
    return user, row.proficient_since, row.score


def test_a_tie_on_the_day_goes_to_the_higher_score_that_day(scn):
    # E1's two errors on 10-01 make 22 attempts by 10-05: 35 + 25 · 21/24 + 40 = 96.88
    scn.work("E1", days=FIRST_WEEK, errors=2).work("E2", days=FIRST_WEEK)
    award(scn)
    assert first_proficient(scn) == ("E2", d(5), 98.86)


def test_a_tie_on_day_and_score_goes_to_the_lower_user_id(scn):
    scn.work("E2", days=FIRST_WEEK).work("E1", days=FIRST_WEEK)
    award(scn)
    assert first_proficient(scn) == ("E1", d(5), 98.86)


def test_the_award_carries_a_badge_with_the_tie_in_its_evidence(scn):
    scn.work("E1", days=FIRST_WEEK, errors=2).work("E2", days=FIRST_WEEK)
    award(scn)
    badge = scn.session.scalar(select(BadgeAward).where(BadgeAward.badge == "first_proficient"))
    assert badge.awarded_on == d(5)
    assert badge.evidence == {
        "site_id": "S1",
        "go_live_on": "2026-10-01",
        "proficient_since": "2026-10-05",
        "score": 98.86,
        "config_version": 1,
        "tied_with": [{"user_id": "E1", "score": 96.88}],
    }


def test_the_award_never_moves_when_late_events_show_someone_earlier(scn):
    scn.work("E2", days=FIRST_WEEK)
    award(scn)
    # late: E3 worked 5 sales a day on 10-01 … 10-04, so was proficient since 10-04
    scn.work("E3", days=(1, 2, 3, 4), per_day=5)
    award(scn)
    assert first_proficient(scn) == ("E2", d(5), 98.86)


def test_proficiency_before_go_live_does_not_count(scn):
    records.put_site(
        scn.session, "S1", {"go_live_on": d(6)}, now=CLOSE_AT, actor="t", default_tz="UTC"
    )
    scn.work("E1", days=FIRST_WEEK)  # proficient since 10-05, before go-live: never counts
    scn.work("E2", days=(6, 7, 8, 9, 10))  # proficient since 10-10
    award(scn)
    assert first_proficient(scn)[:2] == ("E2", d(10))


def test_no_award_while_the_site_has_no_go_live_date(scn):
    records.put_site(
        scn.session, "S1", {"go_live_on": None}, now=CLOSE_AT, actor="t", default_tz="UTC"
    )
    scn.work("E1", days=FIRST_WEEK)
    award(scn)
    assert first_proficient(scn) is None
    records.put_site(
        scn.session, "S1", {"go_live_on": d(1)}, now=CLOSE_AT, actor="t", default_tz="UTC"
    )
    award(scn)
    assert first_proficient(scn)[:2] == ("E1", d(5))


def test_it_is_listed_under_the_month_of_its_day(scn):
    scn.work("E1", days=FIRST_WEEK)
    award(scn)
    listed = compute_month(scn.session, OCT, now=CLOSE_AT)["first_proficient"]
    assert [(f["site_id"], f["user_id"], f["proficient_since"]) for f in listed] == [
        ("S1", "E1", d(5))
    ]
    assert compute_month(scn.session, "2026-11", now=CLOSE_AT)["first_proficient"] == []


def test_an_unrostered_person_first_proficient_gets_no_award_and_the_job_goes_on(scn):
    # E1 (not on the roster: HR cannot pay them) is proficient on 10-05, E2 only on 10-10
    records.put_employee(scn.session, "E1", {"rostered": False}, now=CLOSE_AT)
    scn.work("E1", days=FIRST_WEEK).work("E2", days=(6, 7, 8, 9, 10))
    result = award_badges(scn.session, now=CLOSE_AT, as_of=d(31))
    scn.session.commit()
    assert first_proficient(scn)[:2] == ("E2", d(10))
    assert result["failed"] == []
    assert result["first_proficient_sites"] == 1
    assert result["awarded"]["proficient"] == 1  # E2; E1 is not rostered
    holders = select(Employee.external_id, BadgeAward.badge).join(BadgeAward)
    held = set(scn.session.execute(holders).all())
    assert ("E2", "first_proficient") in held
    assert {user for user, _ in held} == {"E2"}
