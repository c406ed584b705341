"""Manual awards and penalties (docs/metrics.md "Points"): a ledger row with rule `award` at the
home site on its today, refused in a closed month and over the monthly cap, audited, with an
optional badge."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from adoption.calendar import Month
from adoption.errors import Conflict, Invalid, NotFound
from adoption.masterdata.records import get_employee
from adoption.models import AuditLog
from rewards.awards import award_points, awarded_in
from rewards.erasure import forget_employee
from rewards.ledger import stored_totals, totals_from_ledger
from rewards.models import BadgeAward, ChampionPeriod, PointsLedger
from rewards.points_config import create_points_rules
from tests.adoption.scoring.test_proficiency import NOW, Scenario

NOV = date(2026, 11, 1)


@pytest.fixture
def scn(session) -> Scenario:
    scn = Scenario(session)
    scn.site("S1").site("S3", tz="Pacific/Auckland")
    scn.person("E1", "S1").person("E3", "S3")
    scn.session.commit()
    return scn


def give(
    scn: Scenario, user: str = "E1", points: int = 10, reason: str = "Helped a colleague", **kw
):
    employee = get_employee(scn.session, user)
    kw.setdefault("actor", "mgr-anna")
    kw.setdefault("now", NOW)
    row_id = award_points(scn.session, employee, points=points, reason=reason, **kw)
    scn.session.commit()
    return scn.session.get(PointsLedger, row_id)


def test_an_award_is_a_ledger_row_at_the_home_site_on_its_today(scn):
    row = give(scn, "E3", points=25)
    # NOW is 2026-11-20 12:00 UTC: 11-21 in Auckland.
    assert (row.local_day, row.site_id, row.feature_id) == (
        date(2026, 11, 21),
        get_employee(scn.session, "E3").site_id,
        None,
    )
    assert (row.rule, row.points, row.reason, row.given_by, row.config_version) == (
        "award",
        25,
        "Helped a colleague",
        "mgr-anna",
        1,
    )
    assert row.earned_at == NOW and row.provisional_until is None
    audit = scn.session.scalars(select(AuditLog).where(AuditLog.action == "points.award")).one()
    assert (audit.actor, audit.target, audit.details["points"]) == ("mgr-anna", "E3", 25)


def test_awards_count_in_the_period_totals_like_any_points(scn):
    give(scn, points=30)
    give(scn, points=-5, reason="Left the till open")
    e1 = get_employee(scn.session, "E1")
    assert stored_totals(scn.session)[("2026-11", e1.site_id, e1.id)] == 25
    assert stored_totals(scn.session) == totals_from_ledger(scn.session)


def test_a_penalty_in_a_closed_month_is_refused(scn):
    scn.session.add(
        ChampionPeriod(
            month="2026-11",
            version=1,
            status="closed",
            created_at=NOW,
            created_by="hr",
            closed_at=NOW,
            closed_by="hr",
        )
    )
    scn.session.commit()
    with pytest.raises(Conflict) as caught:
        give(scn, points=-10, reason="Late again")
    assert caught.value.details == {"month": "2026-11"}
    scn.session.rollback()
    assert scn.session.scalars(select(PointsLedger)).all() == []


def test_the_monthly_cap_counts_penalties_too_and_names_what_is_left(scn):
    give(scn, points=60)
    give(scn, points=-30, reason="Wrong refund")  # |60| + |−30| = 90 of 100
    with pytest.raises(Invalid) as caught:
        give(scn, points=20)
    scn.session.rollback()
    (message,) = caught.value.details["points"]
    assert "90 already given in 2026-11, 10 left" in message
    assert give(scn, points=10).points == 10  # exactly the rest fits
    assert awarded_in(scn.session, get_employee(scn.session, "E1").id, Month.of(NOV)) == 100


def test_the_cap_is_per_month_and_read_from_the_active_config(scn):
    give(scn, points=100)
    december = datetime(2026, 12, 1, 9, tzinfo=UTC)
    assert give(scn, points=100, now=december).local_day == date(2026, 12, 1)
    create_points_rules(scn.session, {"award_cap_per_month": 150}, now=NOW, actor="admin")
    scn.session.commit()
    row = give(scn, points=50)
    assert row.config_version == 2
    with pytest.raises(Invalid):
        give(scn, points=1)


def test_a_badge_given_with_an_award_is_held_once(scn):
    give(scn, points=5, badge="streak")
    award = scn.session.scalars(select(BadgeAward)).one()
    assert (award.badge, award.points, award.awarded_on) == ("streak", 0, date(2026, 11, 20))
    assert award.evidence == {
        "manual": True,
        "reason": "Helped a colleague",
        "given_by": "mgr-anna",
    }
    with pytest.raises(Conflict) as caught:
        give(scn, points=5, badge="streak")
    scn.session.rollback()
    assert caught.value.details == {"badge": "streak"}
    assert len(scn.session.scalars(select(PointsLedger)).all()) == 1


@pytest.mark.parametrize(
    ("points", "reason", "badge", "fields"),
    [
        (0, "Helped out", None, {"points"}),
        (1001, "Helped out", None, {"points"}),
        (5, "  ok ", None, {"reason"}),
        (5, "x" * 301, None, {"reason"}),
        (5, "Helped out", "first_proficient", {"badge"}),
        (True, "", "nope", {"points", "reason", "badge"}),
    ],
)
def test_bad_input_is_refused_naming_each_field(scn, points, reason, badge, fields):
    with pytest.raises(Invalid) as caught:
        give(scn, points=points, reason=reason, badge=badge)
    assert set(caught.value.details) == fields


def test_an_erased_person_gets_no_award(scn):
    pseudonym = forget_employee(scn.session, "E1", now=NOW, actor="admin")["user_id"]
    scn.session.commit()
    with pytest.raises(NotFound):
        give(scn, pseudonym)
