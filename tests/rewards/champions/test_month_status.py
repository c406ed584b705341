"""When HR may close a month: its newest version is a draft and its last local day has ended at
every site (with no site, in UTC)."""

from __future__ import annotations

from datetime import UTC, datetime

from adoption.calendar import Month
from rewards.champions.periods import MonthStatus, month_status
from rewards.models import ChampionPeriod
from tests.rewards.month_world import Month as World

OCTOBER = Month(2026, 10)
# 2026-11-01 05:00 UTC: November has begun in UTC and Tokyo, but it is still
# 2026-10-31 22:00 in Los Angeles (UTC-7 in PDT; DST ends on 11-01 09:00 UTC).
BOUNDARY = datetime(2026, 11, 1, 5, tzinfo=UTC)
LATER = datetime(2026, 11, 20, 12, tzinfo=UTC)


def world(session) -> World:
    return (
        World(session)
        .site("TOK", tz="Asia/Tokyo")
        .site("LAX", tz="America/Los_Angeles")
        .site("LON", tz="Europe/London")
    )


def test_a_month_still_running_somewhere_cannot_close(session):
    world(session)
    status = month_status(session, OCTOBER, BOUNDARY)
    assert status == MonthStatus(
        month="2026-10",
        status="draft",
        version=1,
        can_close=False,
        running_sites=["LAX"],
        reason="2026-10 is not over yet: its last local day has not ended at LAX.",
    )


def test_a_month_over_everywhere_can_close(session):
    world(session)
    status = month_status(session, OCTOBER, LATER)
    assert (status.can_close, status.running_sites, status.status) == (True, [], "draft")
    assert status.reason == "2026-10 has ended at every site; it can be closed."


def test_the_last_local_day_ends_at_local_midnight(session):
    World(session).site("LAX", tz="America/Los_Angeles")
    # 2026-11-01 07:00 UTC is exactly midnight in Los Angeles (PDT, UTC-7)
    assert (
        month_status(session, OCTOBER, datetime(2026, 11, 1, 6, 59, tzinfo=UTC)).can_close is False
    )
    assert month_status(session, OCTOBER, datetime(2026, 11, 1, 7, tzinfo=UTC)).can_close is True


def test_without_sites_utc_decides(session):
    assert month_status(
        session, OCTOBER, datetime(2026, 10, 31, 23, 59, tzinfo=UTC)
    ).running_sites == ["UTC"]
    assert month_status(session, OCTOBER, datetime(2026, 11, 1, tzinfo=UTC)).can_close is True


def test_a_closed_month_cannot_close_again_but_a_reopened_draft_can(session):
    world(session)
    session.add(
        ChampionPeriod(
            month="2026-10", version=1, status="closed", created_at=LATER, created_by="hr"
        )
    )
    session.flush()
    closed = month_status(session, OCTOBER, LATER)
    assert (closed.can_close, closed.status, closed.version) == (False, "closed", 1)
    assert closed.reason == "2026-10 is closed (version 1); only an admin can reopen it."
    session.add(
        ChampionPeriod(
            month="2026-10", version=2, status="draft", created_at=LATER, created_by="admin"
        )
    )
    session.flush()
    reopened = month_status(session, OCTOBER, LATER)
    assert (reopened.can_close, reopened.status, reopened.version) == (True, "draft", 2)
