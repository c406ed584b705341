"""Boards read what jobs maintain (points totals, score snapshots): after random sequences of
ingests, late events, catalog edits, corrections, badges, month closes and event retention, once
the jobs have run, every board equals the same board recomputed from the ledger and the rollups."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from adoption.calendar import Month
from adoption.ingest.batch import ingest_batch
from adoption.masterdata import feature_records, records
from adoption.models import SnapshotState
from adoption.privacy import OPERATOR, Viewer
from adoption.retention import drop_before
from adoption.scoring.proficiency import fresh_snapshot_employees, fresh_unused
from adoption.scoring.snapshots import snapshot_scores
from rewards import ledger
from rewards.badges import award_badges
from rewards.board_cache import BOARDS
from rewards.champions.months import close_month
from rewards.leaderboards import leaderboard
from rewards.points import derive_points_job
from tests.adoption.scoring.test_proficiency import NOW, at

WORLDS = itertools.count(1)
FEATURES = ("pos.sale", "pos.refund", "pos.lookup")
PEOPLE = 4
PERIODS = ("2026-11", "2026-10", "2026-W46", "2026-W47", "all")

send = st.tuples(
    st.just("send"),
    st.integers(0, PEOPLE - 1),  # who
    st.integers(0, 1),  # at which of the two sites
    st.integers(0, 45),  # days before today (late events included)
    st.sampled_from(FEATURES),
    st.integers(1, 6),  # times
    st.sampled_from(("success", "success", "error")),
)
edit = st.tuples(
    st.just("edit"),
    st.sampled_from(FEATURES),
    st.integers(0, 5),  # points
    st.one_of(st.none(), st.integers(1, 12)),  # daily cap
    st.booleans(),  # is_core
)
job = st.tuples(st.sampled_from(("points", "snapshots", "badges", "close", "retain")))
operations = st.lists(st.one_of(send, send, edit, job), min_size=1, max_size=12)


def _world(session, n: int) -> dict:
    sites = [f"W{n}A", f"W{n}B"]
    for code in sites:
        records.put_site(
            session,
            code,
            {"name": code, "timezone": "UTC", "region": f"R{n}", "go_live_on": date(2026, 9, 1)},
            now=NOW - timedelta(days=90),
            actor="test",
            default_tz="UTC",
        )
    people = [f"w{n}p{i}" for i in range(PEOPLE)]
    for i, user in enumerate(people):
        records.put_employee(
            session,
            user,
            {"display_name": user, "site_id": sites[i % 2]},
            now=NOW - timedelta(days=90),
        )
    return {"sites": sites, "people": people}


def _run(session, ops, world, n: int) -> datetime:
    clock = NOW
    since: dict[str, datetime | None] = {"points": None, "snapshots": None}
    for count, op in enumerate(ops):
        clock += timedelta(minutes=1)
        kind = op[0]
        if kind == "send":
            _, who, site, back, action, times, outcome = op
            day = clock.date() - timedelta(days=back)
            events = [
                {
                    "event_id": f"w{n}-{count}-{i}",
                    "user_id": world["people"][who],
                    "site_id": world["sites"][site],
                    "action": action,
                    "occurred_at": at(day, hour=9, minute=i),
                    "outcome": outcome,
                    "duration_ms": 800 + 100 * i,
                }
                for i in range(times)
            ]
            ingest_batch(session, source="pos", events=events, now=clock)
        elif kind == "edit":
            _, action, points, cap, core = op
            values = {"points": points, "daily_cap": cap, "is_core": core, "expected_ms": 1000}
            feature_records.put_feature(session, action, values, now=clock)
        else:
            clock = _job(session, kind, clock, since)
        session.commit()
    for kind in ("points", "snapshots"):  # the jobs have run: boards must now be exact
        clock = _job(session, kind, clock + timedelta(minutes=1), since)
    session.commit()
    return clock


def _job(session, kind: str, clock: datetime, since: dict) -> datetime:
    if kind == "points":
        derive_points_job(session, now=clock, since=since["points"])
    elif kind == "snapshots":
        snapshot_scores(session, now=clock, since=since["snapshots"])
    elif kind == "badges":
        award_badges(session, now=clock, as_of=clock.date() - timedelta(days=1))
    elif kind == "retain":  # raw events of months before last month go; nothing derived moves
        drop_before(session, "event", Month.of(clock.date()).previous(), clock)
    else:
        close_month(session, "2026-10", now=clock, actor="test")
    if kind in since:
        since[kind] = clock - timedelta(seconds=1)
    return clock


def _boards(session, world, now: datetime) -> dict:
    scopes = [f"site:{code}" for code in world["sites"]] + [f"region:R{world['n']}"]
    return {
        (scope, period, metric): leaderboard(
            session,
            scope=scope,
            period=period,
            metric=metric,
            limit=100,
            viewer=OPERATOR,
            now=now,
        )
        for scope in scopes
        for period in PERIODS
        for metric in ("points", "proficiency", "improvement")
    }


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_boards_from_read_models_equal_a_recomputation(session, ops):
    n = next(WORLDS)
    world = {**_world(session, n), "n": n}
    session.commit()
    now = _run(session, ops, world, n)

    stored = {k: v for k, v in ledger.stored_totals(session).items() if v}
    assert stored == {k: v for k, v in ledger.totals_from_ledger(session).items() if v}

    from_read_models = _boards(session, world, now)
    with session.begin_nested() as savepoint:  # the same boards with no read model at all
        session.execute(delete(SnapshotState))
        ledger.rebuild_totals(session, now)
        BOARDS.clear()
        recomputed = _boards(session, world, now)
        savepoint.rollback()
    assert from_read_models == recomputed


def test_rebuild_totals_reports_and_repairs_a_drift(session):
    world = _world(session, next(WORLDS))
    session.commit()
    user, site = world["people"][0], world["sites"][0]
    events = [
        {
            "event_id": f"drift-{i}",
            "user_id": user,
            "site_id": site,
            "action": "pos.sale",
            "occurred_at": at(date(2026, 11, 18), minute=i),
            "outcome": "success",
        }
        for i in range(3)
    ]
    feature_records.put_feature(session, "pos.sale", {"points": 2}, now=NOW)
    ingest_batch(session, source="pos", events=events, now=NOW)
    derive_points_job(session, now=NOW)
    session.execute(delete(ledger.PointsTotal))

    result = ledger.rebuild_totals(session, NOW)

    assert result["differing"] == 3  # month, week and all time of the one person and site
    assert ledger.stored_totals(session) == ledger.totals_from_ledger(session)


def _board(session, metric: str, now: datetime = NOW) -> list[tuple]:
    board = leaderboard(
        session,
        scope="site:W0A",
        period="2026-11",
        metric=metric,
        limit=10,
        viewer=Viewer("manager", frozenset({records.get_site(session, "W0A").id})),
        now=now,
    )
    return [(e["rank"], e["user_id"], e["value"]) for e in board["entries"]]


LATER = NOW + timedelta(minutes=5)


def _sale(user: str, n: int, day: date, site: str = "W0A") -> dict:
    return {
        "event_id": f"cache-{user}-{n}-{day}",
        "user_id": user,
        "site_id": site,
        "action": "pos.sale",
        "occurred_at": at(day, minute=n),
        "outcome": "success",
        "duration_ms": 900,
    }


@pytest.fixture
def cached(session):
    """Site W0A with two people, points booked and snapshots stored; boards read once."""
    for code in ("W0A", "W0B"):
        records.put_site(session, code, {"name": code}, now=NOW, actor="test", default_tz="UTC")
    for user in ("c1", "c2"):
        records.put_employee(session, user, {"display_name": user, "site_id": "W0A"}, now=NOW)
    feature_records.put_feature(session, "pos.sale", {"points": 2, "is_core": True}, now=NOW)
    events = [_sale("c1", n, date(2026, 11, 18)) for n in range(3)]
    ingest_batch(session, source="pos", events=events, now=NOW)
    derive_points_job(session, now=NOW)
    snapshot_scores(session, now=NOW)
    session.commit()
    BOARDS.clear()
    return session


def test_a_repeated_read_is_served_from_the_cache(cached):
    first = _board(cached, "points")
    hits = BOARDS.hits
    assert _board(cached, "points") == first == [(1, "c1", 6), (2, "c2", 0)]
    assert BOARDS.hits == hits + 2  # the board, and the previous period's for rank change


def test_new_ledger_rows_invalidate_a_cached_points_board(cached):
    _board(cached, "points")
    events = [_sale("c2", n, date(2026, 11, 19)) for n in range(5)]
    ingest_batch(cached, source="pos", events=events, now=NOW)
    assert _board(cached, "points") == [(1, "c1", 6), (2, "c2", 0)]  # not booked yet
    derive_points_job(cached, now=NOW + timedelta(minutes=1), since=NOW)
    assert _board(cached, "points") == [(1, "c2", 10), (2, "c1", 6)]


def test_a_person_opting_out_is_anonymous_on_the_next_read(cached):
    _board(cached, "points")
    records.put_employee(cached, "c1", {"public_opt_out": True}, now=NOW + timedelta(minutes=1))
    assert _board(cached, "points") == [(1, None, 6), (2, "c2", 0)]


def test_snapshots_rewritten_for_late_events_invalidate_a_cached_proficiency_board(cached):
    before = _board(cached, "proficiency")
    late = [_sale("c1", n, date(2026, 11, 17)) for n in range(8)]
    later = NOW + timedelta(minutes=5)
    ingest_batch(cached, source="pos", events=late, now=later)
    # c1's score comes from a fresh snapshot: the board follows the snapshots job, as every
    # board follows the jobs.
    assert _board(cached, "proficiency") == before
    snapshot_scores(cached, now=later, since=NOW)
    after = _board(cached, "proficiency")
    assert after != before
    BOARDS.clear()
    assert _board(cached, "proficiency") == after


def test_people_the_job_found_without_usage_follow_the_job_like_snapshots(cached):
    c2 = records.get_employee(cached, "c2").id
    assert fresh_unused(cached, [c2], 1) == {c2}  # no usage: recorded, nothing stored
    before = _board(cached, "proficiency")
    hits = BOARDS.hits
    ingest_batch(cached, source="pos", events=[_sale("c2", 1, date(2026, 11, 18))], now=LATER)
    assert _board(cached, "proficiency") == before
    assert BOARDS.hits == hits + 2  # the board, and the previous period's for rank change
    snapshot_scores(cached, now=LATER, since=NOW)
    assert fresh_unused(cached, [c2], 1) == set()
    assert _board(cached, "proficiency") != before


def test_a_board_of_a_week_before_someone_started_follows_the_job_for_them(cached):
    """c1 first used the system on 2026-11-18 (a fresh snapshot state); the board of the week
    before reads c1 as the job left them, without watching c1's rollups on every hit: a late
    event of that week shows once the snapshots job has seen it, as for everyone it stored."""

    def week_before() -> list[tuple]:
        site = records.get_site(cached, "W0A").id
        board = leaderboard(
            cached,
            scope="site:W0A",
            period="2026-W46",  # 9 to 15 November
            metric="proficiency",
            limit=10,
            viewer=Viewer("manager", frozenset({site})),
            now=NOW,
        )
        return [(e["user_id"], e["value"]) for e in board["entries"]]

    before = week_before()
    hits = BOARDS.hits
    late = [_sale("c1", n, date(2026, 11, 12)) for n in range(8)]
    ingest_batch(cached, source="pos", events=late, now=LATER)
    assert week_before() == before
    assert BOARDS.hits == hits + 2  # the board, and the previous period's for rank change
    snapshot_scores(cached, now=LATER, since=NOW)
    after = week_before()
    assert after != before
    BOARDS.clear()
    assert week_before() == after


def test_a_cached_board_watches_the_people_it_scored_from_the_rollups(cached):
    c2 = records.get_employee(cached, "c2").id
    cached.execute(delete(SnapshotState).where(SnapshotState.employee_id == c2))  # not seen yet
    BOARDS.clear()
    before = _board(cached, "proficiency")
    hits = BOARDS.hits
    assert _board(cached, "proficiency") == before
    # Cached all the same, watching c2's rollups: the board and the previous period's board
    # its rank change reads.
    assert BOARDS.hits == hits + 2
    errors = [{**_sale("c2", n, date(2026, 11, 18)), "outcome": "error"} for n in range(3)]
    ingest_batch(cached, source="pos", events=errors, now=LATER)
    hits = BOARDS.hits
    moved = _board(cached, "proficiency")  # c2's new events are seen at once
    assert BOARDS.hits == hits
    BOARDS.clear()
    assert _board(cached, "proficiency") == moved


def test_a_board_scored_from_the_rollups_follows_every_new_event(cached):
    cached.execute(delete(SnapshotState))  # no snapshots: scores come from the rollups
    BOARDS.clear()
    before = _board(cached, "proficiency")
    late = [_sale("c2", n, date(2026, 11, 17)) for n in range(8)]
    ingest_batch(cached, source="pos", events=late, now=NOW + timedelta(minutes=5))
    assert _board(cached, "proficiency") != before


def test_a_points_edit_keeps_snapshots_fresh_and_a_core_edit_makes_them_stale(cached):
    person = records.get_employee(cached, "c1").id
    assert fresh_snapshot_employees(cached, [person], 1) == {person}
    later = NOW + timedelta(minutes=1)
    feature_records.put_feature(cached, "pos.sale", {"points": 5, "daily_cap": 20}, now=later)
    assert fresh_snapshot_employees(cached, [person], 1) == {person}
    feature_records.put_feature(cached, "pos.sale", {"expected_ms": 700}, now=later)
    assert fresh_snapshot_employees(cached, [person], 1) == set()
