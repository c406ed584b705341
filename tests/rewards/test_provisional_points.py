"""Provisional points (DESIGN "Provisional points"; rewards.voids): a void window in the points
config, voids and refunds that name an event clawing its points back, boards that count
confirmed points only, and months that do not close while a window touching them is open.

NOW is 2026-11-20 12:00 UTC. pos.sale earns 2 points; pos.sale.void earns nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from adoption.calendar import Month
from adoption.errors import MonthNotOver
from adoption.privacy import Viewer
from rewards.champions.months import close_month
from rewards.champions.periods import month_status
from rewards.leaderboards import leaderboard
from rewards.models import PointsLedger
from rewards.points import derive_points_job
from rewards.points_config import create_points_rules
from tests.adoption.scoring.test_proficiency import NOW, Scenario, at


def d(month: int, day: int) -> date:
    return date(2026, month, day)


@pytest.fixture
def pos(session) -> Scenario:
    scn = Scenario(session)
    scn.site("S1")
    scn.feature("pos.sale", points=2)
    scn.feature("pos.sale.void", points=0)
    scn.person("A", "S1").person("B", "S1")
    create_points_rules(session, {"void_window_hours": 48}, now=NOW, actor="test")
    session.commit()
    return scn


def sale(event_id: str, user: str, when: str) -> dict:
    return {
        "event_id": event_id,
        "user_id": user,
        "site_id": "S1",
        "action": "pos.sale",
        "occurred_at": when,
        "outcome": "success",
    }


def void(event_id: str, user: str, when: str, ref: str, action: str = "pos.sale.void") -> dict:
    return {**sale(event_id, user, when), "action": action, "properties": {"ref_event_id": ref}}


def rows(session) -> list[tuple]:
    found = session.execute(
        select(PointsLedger.local_day, PointsLedger.points, PointsLedger.provisional_until)
        .where(PointsLedger.rule == "feature_points")
        .order_by(PointsLedger.id)
    )
    return [(day, points, until) for day, points, until in found]


def board(scn, period="2026-11", now=NOW) -> list[tuple]:
    result = leaderboard(
        scn.session,
        scope="site:S1",
        period=period,
        metric="points",
        limit=10,
        viewer=Viewer("hr"),
        now=now,
    )
    return [(e["user_id"], e["value"], e["provisional"]) for e in result["entries"]]


def utc(month, day, hour=12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_points_are_provisional_until_the_window_closes(pos):
    pos.send([sale("s1", "A", at(d(11, 19), 10)), sale("s2", "A", at(d(11, 19), 11))])
    derive_points_job(pos.session, now=NOW)
    pos.session.commit()
    # One row for the key; provisional until its last earning event (11:00) + 48 h.
    assert rows(pos.session) == [(d(11, 19), 4, utc(11, 21, 11))]
    # Confirmed 0, 4 pending: A ranks with B on confirmed points.
    assert board(pos) == [("A", 0, 4), ("B", 0, 0)]
    later = utc(11, 21, 11) + timedelta(seconds=1)
    assert dict((u, (v, p)) for u, v, p in board(pos, now=later))["A"] == (4, 0)


def test_a_void_in_the_window_claws_the_points_back(pos):
    pos.send([sale("s1", "A", at(d(11, 19), 10)), sale("s2", "A", at(d(11, 19), 11))])
    derive_points_job(pos.session, now=NOW)
    pos.session.commit()
    since = NOW
    pos.send([void("v1", "B", at(d(11, 20), 9), ref="s1")])  # by a supervisor, next morning
    derive_points_job(pos.session, now=NOW, since=since)
    pos.session.commit()
    booked = rows(pos.session)
    # The correction claws back s1's 2 points and confirms with what it corrects.
    assert [(day, points) for day, points, _ in booked] == [(d(11, 19), 4), (d(11, 19), -2)]
    assert booked[1][2] == booked[0][2]
    later = utc(11, 22)
    assert dict((u, v) for u, v, _p in board(pos, now=later)) == {"A": 2, "B": 0}


def test_a_void_after_the_window_changes_nothing(pos):
    pos.send([sale("s1", "A", at(d(11, 16), 10))])
    derive_points_job(pos.session, now=NOW)
    pos.session.commit()
    pos.send([void("v1", "A", at(d(11, 19), 10), ref="s1")])  # 72 h later
    derive_points_job(pos.session, now=NOW, since=NOW - timedelta(minutes=1))
    pos.session.commit()
    assert [(day, points) for day, points, _ in rows(pos.session)] == [(d(11, 16), 2)]


def test_a_refund_naming_a_sale_of_another_source_voids_nothing(pos):
    pos.send([sale("s1", "A", at(d(11, 19), 10))])
    other = Scenario(pos.session)
    other.world = pos.world
    other.source = "other-till"
    other.send([void("v1", "A", at(d(11, 19), 11), ref="s1", action="pos.sale.void")])
    derive_points_job(pos.session, now=NOW)
    pos.session.commit()
    assert [(day, points) for day, points, _ in rows(pos.session)] == [(d(11, 19), 2)]


def test_a_clawback_reaches_back_across_the_month_boundary(pos):
    pos.send([sale("s1", "A", at(d(10, 31), 20))])
    derive_points_job(pos.session, now=utc(10, 31, 21))
    pos.session.commit()
    since = utc(11, 1, 8)
    pos.send([void("v1", "A", at(d(11, 1), 7), ref="s1")], now=since)
    derive_points_job(pos.session, now=utc(11, 1, 10), since=since)
    pos.session.commit()
    assert [(day, points) for day, points, _ in rows(pos.session)] == [
        (d(10, 31), 2),
        (d(10, 31), -2),  # booked in October, where the sale was
    ]
    assert dict((u, v) for u, v, _p in board(pos, "2026-10", now=utc(11, 5))) == {"A": 0, "B": 0}


def test_a_month_does_not_close_while_a_window_touching_it_is_open(pos):
    pos.send([sale("s1", "A", at(d(10, 31), 20))])
    derive_points_job(pos.session, now=utc(10, 31, 21))
    pos.session.commit()
    october = Month.parse("2026-10")
    # October ended at midnight UTC; the window of its last moment runs 48 h more.
    status = month_status(pos.session, october, utc(11, 2, 12))
    assert not status.can_close
    assert status.void_window_until == utc(11, 3, 0)  # 11-01 00:00 + 48 h
    with pytest.raises(MonthNotOver) as refused:
        close_month(pos.session, "2026-10", actor="hr", now=utc(11, 2, 12))
    assert refused.value.details["reason"] == "void_window_open"
    assert month_status(pos.session, october, utc(11, 3, 0)).can_close


def test_with_no_window_nothing_is_provisional_or_voided(session):
    scn = Scenario(session)
    scn.site("S1")
    scn.feature("pos.sale", points=2)
    scn.feature("pos.sale.void", points=0)
    scn.person("A", "S1")
    scn.send([sale("s1", "A", at(d(11, 19), 10)), void("v1", "A", at(d(11, 19), 11), ref="s1")])
    derive_points_job(session, now=NOW)
    session.commit()
    assert rows(session) == [(d(11, 19), 2, None)]


def test_the_points_statement_lists_only_the_events_that_still_earn(pos):
    from adoption.masterdata.records import get_employee
    from rewards.points_trace import points_statement

    pos.send([sale(f"s{n}", "A", at(d(11, 19), 9 + n)) for n in range(3)])
    pos.send([void("v1", "B", at(d(11, 19), 15), ref="s1")])
    derive_points_job(pos.session, now=NOW)
    pos.session.commit()
    a = get_employee(pos.session, "A")
    statement = points_statement(pos.session, a, d(11, 19), d(11, 19), now=NOW)
    (row,) = [r for r in statement["rows"] if r["rule"] == "feature_points"]
    assert row["points"] == 4 and row["provisional"] is True
    assert row["events"]["count"] == 2
    assert row["events"]["event_ids"] == ["s0", "s2"]  # s1 was voided
    assert "1 voided" in row["reason"]
