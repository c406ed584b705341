"""UPTAKE_RETENTION_DAYS (docs/privacy.md "Keeping raw events"): raw events older than N days are
purged, while every figure the screens show (boards, metrics, points, scores, champions) stays the
same, before and after the jobs that re-derive from events run again."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from adoption import partitions, retention
from adoption.config import Settings
from adoption.errors import Invalid
from adoption.masterdata import feature_records
from adoption.models import Event, EventKey
from adoption.scoring.snapshots import snapshot_scores
from adoption.usage.rollups import rebuild_rollups
from api import jobs
from api.cli.main import main
from rewards.champions.months import close_month
from rewards.models import PointsLedger
from rewards.points import derive_points_job
from rewards.retention import oldest_open_month
from tests.rewards.privacy_world import ANNA, NOV, build, numbers

# 62 days after 2026-11-04: the cut falls inside November, after Anna's work of 11-02 and 11-03.
TODAY = date(2027, 1, 5)
LATER = datetime(2027, 1, 5, 12, 0, tzinfo=UTC)
CUT = date(2026, 11, 4)


@pytest.fixture
def world(session, backend):
    scn = build(session)
    if backend == "postgresql":  # the events landed in the default partition: give them months
        partitions.ensure_partitions(session, date(2026, 11, 20))
        session.commit()
    return scn


@pytest.fixture
def november_closed(world, session):
    """HR closed November too (as the nightly job would have by January): no month is open
    before the cut, so it stands."""
    close_month(session, NOV, now=LATER, actor="hr")
    session.commit()


def event_days(session) -> list[date]:
    return sorted({d for (d,) in session.execute(select(Event.local_day))})


def test_the_cut_is_today_minus_the_days():
    assert retention.days_cut(TODAY, 62) == CUT  # 2027-01-05 − 62 days


def test_fewer_than_62_days_is_refused_naming_the_reason():
    with pytest.raises(Invalid) as refused:
        retention.days_cut(TODAY, 61)
    assert "at least 62 days" in refused.value.details["days"][0]


def test_purging_keeps_every_figure_the_screens_show(world, session):
    before = numbers(session, LATER)
    dropped = retention.retention_cut_days(session, TODAY, 62, LATER)
    session.commit()

    assert dropped.before == CUT and retention.horizon(session) == CUT
    assert event_days(session)[0] == CUT  # October and 11-02, 11-03 are gone
    assert numbers(session, LATER) == before


def test_the_jobs_rerun_after_a_purge_change_nothing(world, session):
    before = numbers(session, LATER)
    retention.retention_cut_days(session, TODAY, 62, LATER)
    session.commit()

    rebuild_rollups(session)
    derive_points_job(session, now=LATER)  # every pair of the open months
    snapshot_scores(session, now=LATER)
    session.commit()
    after = numbers(session, LATER)
    assert {k: v for k, v in after.items() if k != "snapshots"} == {
        k: v for k, v in before.items() if k != "snapshots"
    }
    # The snapshot job carries on to the days since; the days stored before keep their scores.
    assert scores(before["snapshots"]) <= scores(after["snapshots"])


def scores(snapshots: list[dict]) -> set[tuple]:
    return {(s["employee_id"], s["config_version"], s["day"], s["score"]) for s in snapshots}


def test_a_points_change_rederives_only_days_after_the_cut(world, session):
    retention.retention_cut_days(session, TODAY, 62, LATER)
    feature_records.put_feature(session, "pos.tip", {"points": 7}, now=LATER)
    derive_points_job(session, now=LATER + timedelta(minutes=1), since=LATER)
    session.commit()

    def tips(day):
        return session.scalar(
            select(func.sum(PointsLedger.points)).where(PointsLedger.local_day == day)
        )

    assert tips(date(2026, 10, 13)) == 25  # closed October: Anna 3 × 5, Bert 2 × 5
    assert tips(date(2026, 11, 4)) == 14  # after the cut: Anna's 2 tips at 7 points


def test_a_resend_of_purged_events_is_still_a_duplicate(world, session):
    sent = [e for e in world.world.events if e["user_id"] == ANNA]
    retention.retention_cut_days(session, TODAY, 62, LATER)
    again = world.send(sent, now=LATER)
    assert (again.accepted, again.duplicates) == (0, len(sent))
    assert session.scalar(select(func.count()).select_from(EventKey)) >= len(sent)


def test_whole_months_before_the_cut_are_dropped_on_postgresql(world, session, backend):
    if backend != "postgresql":
        pytest.skip("partitions are PostgreSQL's")
    dropped = retention.retention_cut_days(session, TODAY, 62, LATER)
    session.commit()
    assert dropped.partitions == ["event_p202610"]
    assert session.scalar(text("SELECT to_regclass('event_p202610')")) is None
    left = session.scalar(text("SELECT min(local_day) FROM event_p202611"))
    assert left == CUT


def test_the_partitions_job_purges_by_days(world, november_closed, session, settings, app):
    factory = app.extensions["uptake"].sessions
    kept = replace(settings, retention_days=62)
    result = jobs.run_job(factory, "partitions", settings=kept, clock=lambda: LATER)
    assert result.run.outcome == "ok", result.run.message
    assert result.run.details["events_before"] == CUT.isoformat()
    assert "held_back_to" not in result.run.details
    session.rollback()
    assert event_days(session)[0] == CUT


def test_the_cut_is_held_back_to_the_oldest_month_not_closed(world, session):
    assert oldest_open_month(session, CUT) == date(2026, 11, 1)  # October closed, November not
    close_month(session, NOV, now=LATER, actor="hr")
    assert oldest_open_month(session, CUT) is None
    assert retention.clamp(CUT, None) == CUT
    assert retention.clamp(CUT, date(2026, 11, 1)) == date(2026, 11, 1)


def test_a_month_not_closed_before_a_closed_one_holds_the_cut_back(world, session):
    world.work(ANNA, days=(1, 2), month=9)  # September: never closed
    assert oldest_open_month(session, CUT) == date(2026, 9, 1)


def test_the_partitions_job_keeps_a_month_not_closed_and_says_so(world, session, settings, app):
    factory = app.extensions["uptake"].sessions
    kept = replace(settings, retention_days=62)
    result = jobs.run_job(factory, "partitions", settings=kept, clock=lambda: LATER)
    assert result.run.outcome == "ok", result.run.message
    assert result.run.details["events_before"] == "2026-11-01"
    assert result.run.details["held_back_to"] == {"asked": CUT.isoformat(), "open_month": NOV}
    session.rollback()
    assert event_days(session)[0] == date(2026, 11, 2)  # November's events all stay


@pytest.mark.parametrize(
    ("env", "field", "message"),
    [
        ({"UPTAKE_RETENTION_DAYS": "30"}, "UPTAKE_RETENTION_DAYS", "at least 62"),
        ({"UPTAKE_RETENTION_DAYS": "ninety"}, "UPTAKE_RETENTION_DAYS", "whole number"),
        (
            {"UPTAKE_RETENTION_DAYS": "90", "UPTAKE_EVENT_RETENTION_MONTHS": "3"},
            "UPTAKE_RETENTION_DAYS",
            "not both",
        ),
    ],
)
def test_a_bad_retention_setting_fails_start_up_naming_it(tmp_path, env, field, message):
    with pytest.raises(Invalid) as refused:
        Settings.from_env({"UPTAKE_INSTANCE_PATH": str(tmp_path), **env})
    assert message in refused.value.details[field][0]


def test_retention_days_are_read_from_the_environment(tmp_path):
    base = {"UPTAKE_INSTANCE_PATH": str(tmp_path)}
    assert Settings.from_env(base).retention_days == 0  # keep everything
    assert Settings.from_env({**base, "UPTAKE_RETENTION_DAYS": "400"}).retention_days == 400


@pytest.fixture
def cli_today(monkeypatch):
    monkeypatch.setattr("api.cli.db.utcnow", lambda: LATER)


def test_cli_purges_by_days_only_with_yes(world, november_closed, session, runner, cli_today):
    dry = runner.invoke(main, ["db", "retention", "--days", "62"])
    assert dry.exit_code == 0, dry.output
    assert "events before 2026-11-04 would go" in dry.stdout
    session.rollback()
    assert event_days(session)[0] == date(2026, 10, 10)
    session.rollback()  # a reader holds the partitions: the purge would wait for it

    done = runner.invoke(main, ["db", "retention", "--days", "62", "--yes"])
    assert done.exit_code == 0, done.output
    assert "events now start on 2026-11-04" in done.stdout
    session.rollback()
    assert event_days(session)[0] == CUT


def test_cli_takes_the_configured_days(
    world, november_closed, session, runner, cli_today, monkeypatch
):
    monkeypatch.setenv("UPTAKE_RETENTION_DAYS", "62")
    done = runner.invoke(main, ["db", "retention", "--yes"])
    assert done.exit_code == 0, done.output
    session.rollback()
    assert event_days(session)[0] == CUT


def test_cli_holds_the_cut_back_to_a_month_not_closed(world, session, runner, cli_today):
    dry = runner.invoke(main, ["db", "retention", "--days", "62"])
    assert dry.exit_code == 0, dry.output
    assert "cut held back from 2026-11-04 to 2026-11-01: 2026-11 is not closed yet" in dry.stdout
    assert "events before 2026-11-01 would go" in dry.stdout
    session.rollback()

    done = runner.invoke(main, ["db", "retention", "--days", "62", "--yes"])
    assert done.exit_code == 0, done.output
    assert "events now start on 2026-11-01" in done.stdout
    session.rollback()
    assert event_days(session)[0] == date(2026, 11, 2)


def test_more_than_100_years_is_refused_naming_the_reason():
    with pytest.raises(Invalid) as refused:
        retention.days_cut(TODAY, 36501)
    assert "at most 36500 days" in refused.value.details["days"][0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--days", "30"], "at least 62 days"),
        (["--days", "1000000"], "0<=x<=36500"),
        (["--days", "90", "--before", "2026-10"], "not both"),
        ([], "UPTAKE_RETENTION_DAYS is not set"),
    ],
)
def test_cli_refuses_a_bad_cut(world, runner, cli_today, args, message):
    refused = runner.invoke(main, ["db", "retention", *args, "--yes"])
    assert refused.exit_code == 2
    assert message in refused.output
