"""Closing, freezing and reopening a month: a closed version never changes and stays readable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from adoption.errors import Conflict, NotFound
from adoption.models import AuditLog
from adoption.scoring.rules import create_rules
from rewards.champions.months import close_month, compute_month, get_month, reopen_month
from rewards.exports import export_month
from rewards.models import PointsLedger
from rewards.points import derive_points, pairs_between
from tests.rewards.month_world import CLOSE_AT, OCT, Month, d, utc

LATER = CLOSE_AT + timedelta(days=1)


@pytest.fixture
def month(session) -> Month:
    """S1 (UTC) with E1 and E2 working 10-10 … 10-14; E1 10 points, E2 12 (E2 is champion)."""
    scn = Month(session).site("S1").person("E1", "S1").person("E2", "S1").catalog()
    scn.work("E1").work("E2")
    scn.book("E1", 10, utc(14, 9)).book("E2", 12, utc(14, 9))
    return scn


def close(scn: Month, now: datetime = CLOSE_AT, actor: str = "hr-ann") -> dict:
    result = close_month(scn.session, OCT, now=now, actor=actor)
    scn.session.commit()
    return result


def audit_actions(session) -> list[str]:
    champions = AuditLog.target_type == "champion_period"
    return list(session.scalars(select(AuditLog.action).where(champions).order_by(AuditLog.id)))


def s1(result: dict) -> dict:
    return result["champions"][0]


def test_close_freezes_the_entries_with_the_rules_version(month):
    result = close(month)
    assert (result["status"], result["version"], result["closed_by"]) == ("closed", 1, "hr-ann")
    assert result["closed_at"] == CLOSE_AT
    assert result["rules_version"] == "champions-1/scoring-1/ineligible=manager"
    assert (s1(result)["user_id"], s1(result)["points"]) == ("E2", 12)
    assert get_month(month.session, OCT, now=LATER) == result


def test_late_events_after_close_change_neither_the_month_nor_its_points(month):
    close(month)
    # three late tips by E1 on 10-20 would be worth 15 points (E1: 25 > E2: 12)
    month.tip("E1", d(20), times=3, now=LATER)
    pairs = pairs_between(month.session, d(1), d(31))
    assert derive_points(month.session, pairs, now=LATER) == 0  # October is frozen
    month.session.commit()
    october = select(func.sum(PointsLedger.points)).where(PointsLedger.local_day <= d(31))
    assert month.session.scalar(october) == 22  # 10 + 12, as booked by hand
    assert s1(get_month(month.session, OCT, now=LATER))["user_id"] == "E2"


def test_a_scoring_change_after_close_does_not_change_the_closed_month(month):
    close(month)
    create_rules(month.session, {"w_accuracy": 0.05, "w_breadth": 0.55}, now=LATER, actor="al")
    month.session.commit()
    # every component is 1 except accuracy 21/22: 100 × (1 − 0.05 · 1/22) = 99.77 (was 98.86)
    assert s1(compute_month(month.session, OCT, now=LATER))["score"] == 99.77
    frozen = get_month(month.session, OCT, now=LATER)
    assert s1(frozen)["score"] == 98.86
    assert frozen["rules_version"] == "champions-1/scoring-1/ineligible=manager"


def test_closing_a_closed_month_is_a_no_op(month):
    first = close(month)
    again = close(month, now=LATER, actor="someone-else")
    assert again == first
    assert audit_actions(month.session) == ["champions.close"]


def test_a_month_cannot_close_before_its_last_day_ended_at_every_site(month):
    month.site("LA", "America/Los_Angeles")
    month.session.commit()
    early = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)  # 10-31 20:00 in Los Angeles
    with pytest.raises(Conflict) as caught:
        close(month, now=early)
    assert caught.value.details == {"reason": "month_not_over", "month": OCT, "sites": ["LA"]}
    month.session.rollback()
    # 08:00 UTC is 01:00 on 11-01 in Los Angeles: over everywhere
    assert close(month, now=datetime(2026, 11, 1, 8, 0, tzinfo=UTC))["status"] == "closed"


def test_reopen_creates_version_two_as_a_draft_and_version_one_stays_readable(month):
    close(month)
    reopened = reopen_month(month.session, OCT, now=LATER, actor="admin-al", note="late sales")
    month.session.commit()
    assert (reopened["version"], reopened["status"], reopened["closed_at"]) == (2, "draft", None)
    assert get_month(month.session, OCT, now=LATER)["version"] == 2
    v1 = get_month(month.session, OCT, 1, now=LATER)
    assert (v1["status"], s1(v1)["user_id"]) == ("closed", "E2")


def test_a_reopened_month_takes_late_events_and_closes_as_version_two(month):
    close(month)
    reopen_month(month.session, OCT, now=LATER, actor="admin-al")
    month.session.commit()
    month.tip("E1", d(20), times=3, now=LATER)  # 3 × 5 = 15: E1 10 + 15 = 25 > E2 12
    v2 = close(month, now=LATER)
    assert (v2["version"], s1(v2)["user_id"], s1(v2)["points"]) == (2, "E1", 25)
    assert s1(get_month(month.session, OCT, 1, now=LATER))["user_id"] == "E2"


def test_close_reopen_and_export_are_audited(month):
    close(month)
    reopen_month(month.session, OCT, now=LATER, actor="admin-al", note="late sales")
    export_month(month.session, OCT, "csv", now=LATER, actor="hr-ann")
    month.session.commit()
    champions = AuditLog.target_type == "champion_period"
    rows = month.session.scalars(select(AuditLog).where(champions).order_by(AuditLog.id)).all()
    assert [(r.action, r.actor, r.target) for r in rows] == [
        ("champions.close", "hr-ann", "2026-10/v1"),
        ("champions.reopen", "admin-al", "2026-10/v2"),
        ("champions.export", "hr-ann", "2026-10/v2"),
    ]
    assert rows[1].details["note"] == "late sales"


def test_only_a_closed_month_can_be_reopened(month):
    with pytest.raises(Conflict) as caught:
        reopen_month(month.session, OCT, now=LATER, actor="admin-al")
    assert caught.value.details["reason"] == "not_closed"


def test_an_unknown_version_is_not_found(month):
    close(month)
    with pytest.raises(NotFound):
        get_month(month.session, OCT, 2, now=LATER)


def test_a_month_never_closed_is_a_live_draft_version_one(month):
    result = get_month(month.session, OCT, now=LATER)
    assert (result["version"], result["status"], result["closed_at"]) == (1, "draft", None)
    assert s1(result)["user_id"] == "E2"
