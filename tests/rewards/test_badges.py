"""Badges: each criterion on hand-built data, the evidence stored, idempotence, badge points.

S1 (UTC) has two core features, pos.sale (expected 1000 ms) and pos.refund (2000 ms, alias
pos.refund.v2); pos.login is not core. Timed events take 500 ms, so speed is 1.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from adoption.masterdata import records
from rewards import badges
from rewards.badges import BADGES, award_badges, list_badges
from rewards.models import BadgeAward, ChampionPeriod, PointsLedger
from tests.rewards.month_world import CLOSE_AT, Month, d

AS_OF = d(31)


@pytest.fixture
def scn(session) -> Month:
    scn = Month(session).site("S1").catalog()
    scn.feature("pos.refund", is_core=True, expected_ms=2000, points=0)
    scn.feature("pos.refund.v2", alias_of="pos.refund", points=0)
    for user in ("E1", "E2", "E3"):
        scn.person(user, "S1")
    scn.session.commit()
    return scn


def award(scn: Month, as_of=AS_OF, **kwargs) -> dict:
    result = award_badges(scn.session, now=CLOSE_AT, as_of=as_of, **kwargs)
    scn.session.commit()
    return result


def badges_of(scn: Month, user: str) -> dict[str, BadgeAward]:
    emp = records.get_employee(scn.session, user)
    rows = scn.session.scalars(select(BadgeAward).where(BadgeAward.employee_id == emp.id))
    return {row.badge: row for row in rows}


def test_every_badge_has_a_criterion_and_says_what_its_evidence_holds():
    assert [b.name for b in BADGES] == [
        "first_proficient",
        "proficient",
        "expert",
        "explorer",
        "streak",
        "error_free_week",
    ]
    assert all(b.criterion and b.stores and b.points == 0 for b in BADGES)


def test_proficient_is_awarded_on_the_proficient_since_day_with_that_days_score(scn):
    scn.work("E1", days=(1, 2, 3, 4, 5))
    award(scn)
    got = badges_of(scn, "E1")
    # 10-05: 20 sale attempts; breadth 1/2 → 17.5 + 25 · 21/22 + 20 + 20 = 81.36, Proficient
    assert got["proficient"].awarded_on == d(5)
    assert got["proficient"].evidence == {
        "proficient_since": "2026-10-05",
        "score": 81.36,
        "config_version": 1,
    }
    assert "expert" not in got and "explorer" not in got


def test_expert_is_awarded_on_the_first_expert_day(scn):
    scn.work("E2", days=(1, 2, 3)).work("E2", days=(1, 2, 3), per_day=3, action="pos.refund")
    award(scn)
    got = badges_of(scn, "E2")
    # 10-03: 12 + 9 = 21 attempts; 35 + 25 · 22/23 + 20 + 20 = 98.91 → Expert (and Proficient)
    assert got["expert"].awarded_on == got["proficient"].awarded_on == d(3)
    assert got["expert"].evidence["expert_since"] == "2026-10-03"
    assert got["expert"].evidence["score"] == 98.91


def test_explorer_needs_every_core_feature_and_counts_aliases(scn):
    scn.send(
        scn.ev("E1", "pos.sale", d(2)),
        scn.ev("E1", "pos.refund", d(4), outcome="error"),  # an error is no use
        scn.ev("E2", "pos.sale", d(2)),
        scn.ev("E2", "pos.refund.v2", d(6)),  # counts as pos.refund
        scn.ev("E2", "pos.refund", d(9)),
    )
    award(scn)
    assert "explorer" not in badges_of(scn, "E1")
    explorer = badges_of(scn, "E2")["explorer"]
    assert explorer.awarded_on == d(6)  # the day the last core feature was first used
    assert explorer.evidence == {
        "core_features": [
            {"action": "pos.sale", "first_success": "2026-10-02"},
            {"action": "pos.refund", "first_success": "2026-10-06"},
        ]
    }


def test_streak_counts_working_days_of_the_home_site_and_skips_idle_days(scn):
    # Nobody at S1 is active on 10-06, 10-07, 10-13, 10-14: those are no working days.
    days = (1, 2, 3, 4, 5, 8, 9, 10, 11, 12)
    scn.work("E1", days=(*days, 15), action="pos.login", per_day=1)
    scn.work("E2", days=(1, 2, 3, 4, 5, 8, 9, 10, 11, 15), action="pos.login", per_day=1)
    award(scn)
    streak = badges_of(scn, "E1")["streak"]
    assert streak.awarded_on == d(12)  # the tenth working day in a row
    assert streak.evidence == {
        "first_day": "2026-10-01",
        "last_day": "2026-10-12",
        "working_days": 10,
    }
    # E2 missed 10-12, a working day (E1 was active): 9 in a row, then 1
    assert "streak" not in badges_of(scn, "E2")


def test_error_free_week_needs_twenty_core_successes_and_no_error(scn):
    monday_to_friday = (5, 6, 7, 8, 9)  # ISO week 2026-W41 is 10-05 … 10-11
    scn.work("E1", days=monday_to_friday)  # 20 successes, no error
    scn.work("E2", days=monday_to_friday).send(scn.ev("E2", "pos.login", d(7), outcome="error"))
    scn.work("E3", days=(5, 6, 7, 8)).work("E3", days=(9,), per_day=3)  # 19 successes
    award(scn)
    week = badges_of(scn, "E1")["error_free_week"]
    assert week.awarded_on == d(11)  # that week's Sunday
    assert week.evidence == {
        "week": "2026-W41",
        "from": "2026-10-05",
        "to": "2026-10-11",
        "core_successes": 20,
        "errors": 0,
    }
    assert "error_free_week" not in badges_of(scn, "E2")  # an error, even on pos.login
    assert "error_free_week" not in badges_of(scn, "E3")


def test_a_week_counts_only_once_it_is_complete(scn):
    scn.work("E1", days=(5, 6, 7, 8, 9))
    award(scn, as_of=d(10))
    assert "error_free_week" not in badges_of(scn, "E1")
    award(scn, as_of=d(11))
    assert badges_of(scn, "E1")["error_free_week"].awarded_on == d(11)


def test_nothing_met_after_as_of_is_awarded(scn):
    scn.work("E1", days=(1, 2, 3, 4, 5))
    award(scn, as_of=d(4))
    assert badges_of(scn, "E1") == {}


def test_a_second_run_awards_nothing_new(scn):
    scn.work("E1", days=(1, 2, 3, 4, 5))
    first = award(scn)
    again = award(scn)
    assert first["awarded"]["proficient"] == 1
    assert set(again["awarded"].values()) == {0}
    assert scn.session.scalar(select(func.count()).select_from(BadgeAward)) == 1


def test_unrostered_employees_get_no_badges(scn):
    records.put_employee(scn.session, "E1", {"rostered": False}, now=CLOSE_AT)
    scn.work("E1", days=(1, 2, 3, 4, 5))
    award(scn)
    assert badges_of(scn, "E1") == {}


def _badge_rows(scn: Month) -> list[PointsLedger]:
    return list(scn.session.scalars(select(PointsLedger).where(PointsLedger.rule.like("badge:%"))))


def test_badge_points_are_booked_once_on_the_award_day_at_the_home_site(scn):
    scn.work("E1", days=(1, 2, 3, 4, 5))
    award(scn, points={"proficient": 5})
    award(scn, points={"proficient": 5})
    [row] = _badge_rows(scn)
    assert (row.rule, row.points, row.local_day, row.feature_id) == (
        "badge:proficient",
        5,
        d(5),
        None,
    )
    assert row.site_id == records.get_site(scn.session, "S1").id
    assert row.earned_at == datetime(2026, 10, 5, 23, 59, 59, tzinfo=UTC)


def test_badge_points_of_a_closed_month_go_to_the_next_open_month(scn):
    scn.session.add(
        ChampionPeriod(
            month="2026-10", version=1, status="closed", created_at=CLOSE_AT, created_by="hr"
        )
    )
    scn.work("E1", days=(1, 2, 3, 4, 5))
    award(scn, points={"proficient": 5})
    [row] = _badge_rows(scn)
    assert row.local_day == d(1, month=11)
    assert row.reason == "badge Proficient: 5 pts (met on 2026-10-05, a closed month)"


def test_list_badges_gives_the_criterion_and_evidence(scn):
    scn.work("E1", days=(1, 2, 3, 4, 5))
    award(scn)
    [listed] = list_badges(scn.session, records.get_employee(scn.session, "E1"))
    assert listed["badge"] == "proficient"
    assert (listed["awarded_on"], listed["site_id"], listed["points"]) == (d(5), "S1", 0)
    assert listed["evidence"]["proficient_since"] == "2026-10-05"


def test_an_award_that_fails_is_recorded_and_the_others_are_made(scn, monkeypatch, caplog):
    scn.work("E1", days=(1, 2, 3, 4, 5)).work("E2", days=(1, 2, 3, 4, 5))
    e1 = records.get_employee(scn.session, "E1").id
    real = badges.award_one

    def flaky(session, item, ctx):
        award = real(session, item, ctx)  # written and flushed, then undone with its savepoint
        if item.employee_id == e1 and item.badge == "proficient":
            raise RuntimeError("disk on fire")
        return award

    monkeypatch.setattr(badges, "award_one", flaky)
    result = award(scn, points={"proficient": 5})
    assert result["failed"] == [
        {"employee": "E1", "badge": "proficient", "error": "RuntimeError: disk on fire"}
    ]
    assert "badge proficient for employee" in caplog.text
    assert set(badges_of(scn, "E2")) == {"proficient"}
    assert badges_of(scn, "E1") == {}
    assert {r.employee_id for r in _badge_rows(scn)} == {records.get_employee(scn.session, "E2").id}
    monkeypatch.setattr(badges, "award_one", real)
    again = award(scn)
    assert (again["failed"], again["awarded"]["proficient"]) == ([], 1)  # E1, on the next run
    assert set(badges_of(scn, "E1")) == {"proficient"}


def test_a_failing_database_fails_the_badges_run_instead_of_each_person(scn, monkeypatch):
    # A lock or a lost connection is not one person's problem: the run fails and is retried.
    scn.work("E1", days=(1, 2, 3, 4, 5))

    def locked(session, item, ctx):
        raise OperationalError("UPDATE badge_award", {}, Exception("database is locked"))

    monkeypatch.setattr(badges, "award_one", locked)
    with pytest.raises(OperationalError):
        award(scn)
