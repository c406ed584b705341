"""Monthly partitions (PostgreSQL) and retention by month: old raw events go, nothing derived
from them changes, and a retried batch from before the horizon still changes nothing."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from adoption import partitions, retention
from adoption.calendar import Month
from adoption.ingest.batch import ingest_batch
from adoption.masterdata import feature_records
from adoption.models import DailyUsage, Event, EventKey
from adoption.usage.rollups import rebuild_rollups
from api import jobs
from api.cli.main import main
from rewards.champions.months import close_month
from rewards.models import PointsLedger
from rewards.points import derive_points_job

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture
def store(make_site, make_employee, session):
    make_site("S001", "UTC")
    make_employee("E001", "S001")
    feature_records.put_feature(session, "pos.sale", {"is_core": True, "points": 2}, now=NOW)
    session.commit()


def batch(day: date, count: int = 3, prefix: str = "e") -> list[dict]:
    at = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
    return [
        {
            "event_id": f"{prefix}-{day.isoformat()}-{i}",
            "user_id": "E001",
            "site_id": "S001",
            "action": "pos.sale",
            "occurred_at": (at + timedelta(minutes=i)).isoformat(),
            "outcome": "success",
            "duration_ms": 900,
        }
        for i in range(count)
    ]


DAYS = (date(2026, 9, 10), date(2026, 10, 12), date(2026, 11, 16))


def three_months(session) -> None:
    for day in DAYS:
        result = ingest_batch(session, source="pos", events=batch(day), now=NOW)
        assert result.accepted == 3
    derive_points_job(session, now=NOW)
    session.commit()


def by_month(session, column, table) -> dict[str, int]:
    rows = session.execute(select(column, func.count()).select_from(table).group_by(column)).all()
    counts: dict[str, int] = {}
    for day, count in rows:
        key = str(Month.of(day))
        counts[key] = counts.get(key, 0) + count
    return counts


def partition_rows(session, name: str) -> int:
    return session.scalar(text(f"SELECT count(*) FROM {name}"))


def is_partitioned(session, table: str) -> bool:
    return bool(
        session.scalar(
            text(
                "SELECT count(*) FROM pg_partitioned_table"
                " JOIN pg_class ON pg_class.oid = partrelid WHERE relname = :t"
            ),
            {"t": table},
        )
    )


def test_the_big_tables_are_partitioned_by_month_on_postgresql(session, backend):
    if backend != "postgresql":
        assert not partitions.enabled(session)
        assert partitions.ensure_partitions(session, TODAY) == []
        return
    for table in partitions.PARTITIONED:
        assert is_partitioned(session, table)
        assert session.scalar(text(f"SELECT to_regclass('{table}_pdefault')")) is not None


def test_partitions_are_created_ahead_and_stray_rows_move_into_their_month(store, session, backend):
    if backend != "postgresql":
        pytest.skip("partitions are PostgreSQL's")
    three_months(session)
    session.execute(text("DROP TABLE IF EXISTS event_p202609"))  # none yet, or made by a test
    session.commit()

    created = partitions.ensure_partitions(session, TODAY)
    session.commit()

    months = partitions.monthly_partitions(session, "event")
    for month in (Month(2026, 9), Month(2026, 11), Month(2026, 12), Month(2027, 2)):
        assert month in months  # September had rows in the default; November to February ahead
    assert "event_p202609" in created
    assert partition_rows(session, "event_pdefault") == 0
    assert partition_rows(session, "event_p202609") == 3
    assert partition_rows(session, "daily_usage_pdefault") == 0
    assert partition_rows(session, "points_ledger_pdefault") == 0
    assert session.scalar(select(func.count()).select_from(Event)) == 9
    assert partitions.ensure_partitions(session, TODAY) == []  # idempotent

    # New rows of a partitioned month land in it; a retry still changes nothing.
    again = ingest_batch(session, source="pos", events=batch(DAYS[0]), now=NOW)
    more = ingest_batch(session, source="pos", events=batch(DAYS[0], 2, "f"), now=NOW)
    session.commit()
    assert (again.accepted, again.duplicates, more.accepted) == (0, 3, 2)
    assert partition_rows(session, "event_p202609") == 5


def test_retention_drops_old_events_and_keeps_what_was_derived_from_them(store, session, backend):
    three_months(session)
    if backend == "postgresql":
        partitions.ensure_partitions(session, TODAY)
        session.commit()
    rollups_before = by_month(session, DailyUsage.local_day, DailyUsage)
    ledger_before = session.execute(
        select(PointsLedger.local_day, func.sum(PointsLedger.points)).group_by(
            PointsLedger.local_day
        )
    ).all()

    dropped = retention.drop_before(session, "event", Month(2026, 10), NOW)
    session.commit()

    assert dropped.before == date(2026, 10, 1)
    if backend == "postgresql":
        assert "event_p202609" in dropped.partitions
        assert session.scalar(text("SELECT to_regclass('event_p202609')")) is None
    else:
        assert dropped.rows == 3
    assert by_month(session, Event.local_day, Event) == {"2026-10": 3, "2026-11": 3}
    assert retention.horizon(session) == date(2026, 10, 1)
    assert session.scalar(select(func.count()).select_from(EventKey)) == 9

    # A retried batch from the dropped month is still a duplicate: its keys are kept.
    retry = ingest_batch(session, source="pos", events=batch(DAYS[0]), now=NOW)
    assert (retry.accepted, retry.duplicates) == (0, 3)
    # Re-deriving from raw events never reaches before the horizon: a full rollup rebuild and a
    # points edit leave September's rollups and ledger as they were.
    rebuild_rollups(session)
    feature_records.put_feature(session, "pos.sale", {"points": 5}, now=NOW + timedelta(minutes=1))
    derive_points_job(session, now=NOW + timedelta(minutes=2), since=NOW)
    session.commit()
    assert by_month(session, DailyUsage.local_day, DailyUsage) == rollups_before
    september = [row for row in ledger_before if row[0] < date(2026, 10, 1)]
    assert (
        session.execute(
            select(PointsLedger.local_day, func.sum(PointsLedger.points))
            .where(PointsLedger.local_day < date(2026, 10, 1))
            .group_by(PointsLedger.local_day)
        ).all()
        == september
    )
    # Days after the horizon were re-derived with the new points.
    october = session.scalar(
        select(func.sum(PointsLedger.points)).where(PointsLedger.local_day == DAYS[1])
    )
    assert october == 15


def test_retention_never_cuts_rollups_or_the_ledger(session):
    for table in ("daily_usage", "points_ledger"):
        with pytest.raises(ValueError, match="only event"):
            retention.drop_before(session, table, Month(2026, 10), NOW)


def test_the_horizon_only_rises(store, session):
    three_months(session)
    retention.drop_before(session, "event", Month(2026, 11), NOW)
    retention.drop_before(session, "event", Month(2026, 10), NOW)
    assert retention.horizon(session) == date(2026, 11, 1)


def test_the_partitions_job_creates_months_and_applies_the_retention(
    store, session, settings, app, backend
):
    three_months(session)
    close_month(session, "2026-09", now=NOW, actor="hr")  # retention keeps a month not closed
    session.commit()
    kept = replace(settings, event_retention_months=3)
    now = datetime(2027, 1, 5, 2, 0, tzinfo=UTC)
    factory = app.extensions["uptake"].sessions
    result = jobs.run_job(factory, "partitions", settings=kept, clock=lambda: now)
    assert result.run.outcome == "ok", result.run.message
    details = result.run.details
    assert details["events_before"] == "2026-10-01"  # January and the three months before it
    if backend == "postgresql":
        assert {"event_p202701", "event_p202704"} <= set(
            partitions.monthly_partitions(session, "event").values()
        )
    session.rollback()
    assert by_month(session, Event.local_day, Event) == {"2026-10": 3, "2026-11": 3}


def test_cli_lists_partitions_and_cuts_only_with_yes(store, session, runner):
    three_months(session)
    close_month(session, "2026-09", now=NOW, actor="hr")  # retention keeps a month not closed
    session.commit()
    listed = runner.invoke(main, ["db", "partitions"])
    assert listed.exit_code == 0, listed.output
    assert "event" in listed.stdout and "rows" in listed.stdout.splitlines()[0]

    dry = runner.invoke(main, ["db", "retention", "--before", "2026-10"])
    assert dry.exit_code == 0, dry.output
    assert "run again with --yes" in dry.stdout
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Event)) == 9
    session.rollback()  # a reader holds the partitions: retention would wait for it

    done = runner.invoke(main, ["db", "retention", "--before", "2026-10", "--yes"])
    assert done.exit_code == 0, done.output
    assert "events now start on 2026-10-01" in done.stdout
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Event)) == 6


def test_cli_refuses_to_cut_months_that_can_still_change(store, runner):
    this_month = Month.of(datetime.now(UTC).date())
    refused = runner.invoke(main, ["db", "retention", "--before", str(this_month), "--yes"])
    assert refused.exit_code == 2
    assert "--before" in refused.output
    bad = runner.invoke(main, ["db", "retention", "--before", "2026-13"])
    assert bad.exit_code == 2 and "YYYY-MM" in bad.output


def test_a_file_import_creates_the_months_it_writes_and_moves_their_stray_rows(
    store, session, backend, runner, tmp_path, monkeypatch
):
    """`uptake import events` with a backfill makes its months' partitions in a transaction of
    their own, before writing, so the rows land there and not in the default partition; rows the
    default already held of such a month move with it. Months before the event horizon are
    left alone. A large import then refreshes the planner's statistics of what it filled."""
    monkeypatch.setattr("api.cli.imports.ANALYZE_AFTER", 6)  # this import is "large"
    if backend != "postgresql":
        assert partitions.ensure_months(session, {Month(2025, 3)}, today=TODAY) == []
        return
    march, april = date(2025, 3, 31), date(2025, 4, 1)
    made = [f"{t}_p{m}" for t in partitions.PARTITIONED for m in ("202502", "202503", "202504")]
    try:
        stray = ingest_batch(session, source="pos", events=batch(march, 2, "s"), now=NOW)
        session.commit()
        assert stray.accepted == 2 and partition_rows(session, "event_pdefault") == 2
        path = tmp_path / "backfill.jsonl"
        path.write_text("".join(json.dumps(e) + "\n" for e in batch(march) + batch(april)))
        session.rollback()  # no reader of ours in the way of the partition DDL

        result = runner.invoke(main, ["import", "events", str(path), "--source", "pos"])

        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout.strip().splitlines()[-1])["accepted"] == 6
        session.rollback()
        for table in partitions.PARTITIONED[:2]:
            months = partitions.monthly_partitions(session, table)
            assert {Month(2025, 3), Month(2025, 4)} <= months.keys()
            assert partition_rows(session, f"{table}_pdefault") == 0
        assert partition_rows(session, "event_p202503") == 5  # 2 moved + 3 imported
        assert partition_rows(session, "event_p202504") == 3
        analyzed = "SELECT reltuples FROM pg_class WHERE relname = :name"
        assert session.scalar(text(analyzed), {"name": "event_p202504"}) == 3
        assert partitions.ensure_months(session, {Month(2025, 3)}, today=TODAY) == []
        session.rollback()

        retention.drop_before(session, "event", Month(2025, 4), NOW)  # the horizon: April
        session.commit()
        assert partitions.ensure_months(session, {Month(2025, 2)}, today=TODAY) == []
        far_ahead = Month.of(TODAY)
        for _ in range(partitions.AHEAD_MONTHS + 1):
            far_ahead = far_ahead.next()
        assert partitions.ensure_months(session, {far_ahead}, today=TODAY) == []
        session.rollback()
    finally:
        session.rollback()
        for name in made:
            session.execute(text(f"DROP TABLE IF EXISTS {name}"))
        session.execute(text("DELETE FROM storage_horizon"))
        session.commit()
