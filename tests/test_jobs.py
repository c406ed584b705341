"""Scheduled jobs: run once across workers, recorded, listed for admins, wired to APScheduler."""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import select

from adoption.db import make_engine, make_sessionmaker
from adoption.errors import Invalid
from adoption.jobs.locks import run_once
from adoption.jobs.models import JobRun
from adoption.jobs.runs import LOCK_HELD, ORPHANED
from adoption.masterdata import records
from adoption.notify.outbox import emit
from adoption.notify.subscriptions import subscribe
from api import create_app, jobs
from api.cli.main import main
from api.jobs import JOBS, run_job
from tests.helpers import follow_links

NOW = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def factories(database_url):
    """Two session factories on separate engines: two workers as far as the database knows."""
    engines = [make_engine(database_url) for _ in range(2)]
    yield [make_sessionmaker(engine) for engine in engines]
    for engine in engines:
        engine.dispose()


def runs(factory, job: str | None = None) -> list[tuple[str, str]]:
    query = select(JobRun.job, JobRun.outcome).order_by(JobRun.id)
    if job:
        query = query.where(JobRun.job == job)
    with factory() as session:
        return session.execute(query).all()


def replace_job(monkeypatch, name: str, **changes) -> None:
    monkeypatch.setitem(JOBS, name, dataclasses.replace(JOBS[name], **changes))


def clock_at(moment: datetime):
    return lambda: moment


def test_racing_schedulers_run_the_job_once_and_record_one_run(factories, monkeypatch):
    start = threading.Barrier(2, timeout=10)
    skipped = threading.Event()

    def slow_snapshots(session, now):
        skipped.wait(timeout=10)  # keep the lock until the other worker has been turned away
        return {"rows": 0}

    replace_job(monkeypatch, "snapshots", run=slow_snapshots)
    results = {}

    def worker(name: str, factory) -> None:
        start.wait()
        results[name] = run_job(factory, "snapshots", holder=name, same_slot=timedelta(minutes=10))
        if results[name].run is None:
            skipped.set()

    threads = [threading.Thread(target=worker, args=(f"w{i}", f)) for i, f in enumerate(factories)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(r.skipped or r.run.outcome for r in results.values()) == [LOCK_HELD, "ok"]
    # The skipped attempt is not a run: one row.
    assert runs(factories[0]) == [("snapshots", "ok")]


def test_worker_firing_after_the_slots_run_finished_skips_it(factories):
    first, late = factories
    run_job(first, "snapshots", clock=clock_at(NOW))
    result = run_job(
        late, "snapshots", clock=clock_at(NOW + timedelta(minutes=3)), same_slot=jobs.SAME_SLOT
    )
    assert result.run is None
    assert result.skipped.startswith("already ran at 2026-11-20T02:30")
    assert runs(late) == [("snapshots", "ok")]


def test_next_slot_runs_again(factories):
    run_job(factories[0], "snapshots", clock=clock_at(NOW))
    result = run_job(
        factories[1], "snapshots", clock=clock_at(NOW + timedelta(days=1)), same_slot=HOUR
    )
    assert result.run.outcome == "ok"


def test_failing_job_is_recorded_failed_and_frees_its_lock(factories, monkeypatch):
    def broken(session, now):
        raise ValueError("no scores today")

    replace_job(monkeypatch, "snapshots", run=broken)
    with pytest.raises(ValueError):
        run_job(factories[0], "snapshots")
    with factories[0]() as session:
        run = session.scalar(select(JobRun))
    assert (run.outcome, run.message) == ("failed", "ValueError: no scores today")
    assert run.finished_at is not None
    with run_once(factories[1], "snapshots", now=NOW, holder="next", ttl=HOUR) as acquired:
        assert acquired


def test_chain_stops_when_a_step_is_skipped(factories):
    holder, worker = factories
    with run_once(holder, "rollups", now=NOW, holder="other-worker", ttl=HOUR):
        jobs.run_entry(worker, ("rollups", "snapshots"), clock=clock_at(NOW))
    assert runs(worker) == []


def test_nightly_chain_rebuilds_recent_rollups_then_snapshots(factories):
    jobs.run_entry(factories[0], ("rollups", "snapshots"), clock=clock_at(NOW))
    assert runs(factories[0]) == [("rollups", "ok"), ("snapshots", "ok")]
    with factories[0]() as session:
        details = session.scalar(select(JobRun.details).where(JobRun.job == "rollups"))
    # 2026-11-20 minus ROLLUP_REPAIR_DAYS (8) = 2026-11-12; no upper bound.
    assert (details["from"], details["to"]) == ("2026-11-12", None)


def test_the_nightly_repair_counts_back_from_the_chains_current_day(factories):
    with factories[0]() as session:
        records.put_site(
            session,
            "LA",
            {"name": "Los Angeles", "timezone": "America/Los_Angeles"},
            now=NOW,
            actor="test",
            default_tz="UTC",
        )
        session.commit()
    jobs.run_entry(factories[0], ("rollups",), clock=clock_at(NOW))
    with factories[0]() as session:
        details = session.scalar(select(JobRun.details).where(JobRun.job == "rollups"))
    # 02:30 UTC on 11-20 is 18:30 on 11-19 in Los Angeles: the chain's day is 11-19, minus 8
    assert details["from"] == "2026-11-11"


def test_rollups_take_from_or_days_back_not_both():
    with pytest.raises(Invalid) as err:
        JOBS["rollups"].prepare({"first": date(2026, 11, 1), "days_back": 8})
    assert list(err.value.details) == ["days_back"]


def test_scheduled_close_month_gets_the_configured_close_moment(factories, settings, monkeypatch):
    seen = {}

    def close(session, now, **options):
        seen.update(options)
        return {"action": "not_due"}

    replace_job(monkeypatch, "close-month", run=close)
    configured = dataclasses.replace(settings, close_day=5, close_hour=9, ineligible_roles=())
    jobs.run_entry(factories[0], ("close-month",), configured, clock=clock_at(NOW))
    assert seen == {"close_day": 5, "close_hour": 9, "ineligible_roles": ()}
    assert runs(factories[0]) == [("close-month", "ok")]


def test_uptake_jobs_run_snapshots_records_a_run(runner, factories):
    result = runner.invoke(main, ["jobs", "run", "snapshots"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("snapshots: ok in ")
    assert runs(factories[0]) == [("snapshots", "ok")]


def test_uptake_jobs_run_is_skipped_while_another_process_holds_the_lock(runner, factories):
    with run_once(factories[0], "snapshots", now=datetime.now(UTC), holder="worker", ttl=HOUR):
        result = runner.invoke(main, ["jobs", "run", "snapshots"])
    assert result.exit_code == 1
    assert "snapshots: skipped (another process holds the lock)" in result.stderr
    assert runs(factories[0]) == []


def test_uptake_jobs_run_rejects_an_option_the_job_does_not_take(runner):
    result = runner.invoke(main, ["jobs", "run", "rollups", "--month", "2026-10"])
    assert result.exit_code == 2
    assert "takes no 'month'" in result.stderr


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "October"])
def test_uptake_jobs_run_rejects_a_malformed_month(runner, month):
    result = runner.invoke(main, ["jobs", "run", "close-month", "--month", month])
    assert result.exit_code == 2
    assert "is not a YYYY-MM month" in result.stderr


def _admin_and_hr(make_token):
    return make_token("admin", name="admin"), make_token("hr", name="hr")


def test_job_runs_are_listed_newest_first_for_admins(client, app, make_token):
    factory = app.extensions["uptake"].sessions
    run_job(factory, "snapshots", clock=clock_at(NOW))
    run_job(factory, "rollups", clock=clock_at(NOW + HOUR))
    admin, _ = _admin_and_hr(make_token)
    response = client.get("/api/v1/jobs/runs", headers=admin)
    assert response.status_code == 200
    assert [r["job"] for r in response.json] == ["rollups", "snapshots"]
    snapshots = response.json[1]
    assert snapshots["outcome"] == "ok"
    assert snapshots["started_at"].startswith("2026-11-20T02:30:00")
    assert snapshots["finished_at"].startswith("2026-11-20T02:30:00")
    assert snapshots["message"] is None
    assert snapshots["details"]["rows"] == 0


def test_job_runs_filter_by_job_and_limit(client, app, make_token):
    factory = app.extensions["uptake"].sessions
    for hours in range(3):
        run_job(factory, "snapshots", clock=clock_at(NOW + hours * HOUR))
    run_job(factory, "rollups", clock=clock_at(NOW))
    admin, _ = _admin_and_hr(make_token)
    response = client.get("/api/v1/jobs/runs?job=snapshots&limit=2", headers=admin)
    assert [(r["job"], r["started_at"][11:16]) for r in response.json] == [
        ("snapshots", "04:30"),
        ("snapshots", "03:30"),
    ]


def test_job_runs_page_newest_first_through_link_headers(client, app, make_token):
    factory = app.extensions["uptake"].sessions
    for hours in range(5):
        run_job(factory, "snapshots", clock=clock_at(NOW + hours * HOUR))
    run_job(factory, "rollups", clock=clock_at(NOW + 5 * HOUR))
    admin, _ = _admin_and_hr(make_token)
    pages = follow_links(client, "/api/v1/jobs/runs?job=snapshots&limit=2", admin)
    assert [len(page) for page in pages] == [2, 2, 1]
    started = [r["started_at"][11:16] for page in pages for r in page]
    assert started == ["06:30", "05:30", "04:30", "03:30", "02:30"]  # each run once
    ids = [r["id"] for page in pages for r in page]
    assert ids == sorted(ids, reverse=True)


def test_job_runs_take_100_a_page_by_default(client, app, make_token, monkeypatch):
    seen = {}
    monkeypatch.setattr(
        "api.http.jobs.recent_runs", lambda session, **kwargs: seen.update(kwargs) or []
    )
    admin, _ = _admin_and_hr(make_token)
    assert client.get("/api/v1/jobs/runs", headers=admin).status_code == 200
    assert (seen["limit"], seen["before"]) == (100, None)


def test_job_runs_are_403_for_other_roles(client, make_token):
    _, hr = _admin_and_hr(make_token)
    response = client.get("/api/v1/jobs/runs", headers=hr)
    assert response.status_code == 403


EXPECTED_TRIGGERS = {
    "nightly": ("rollups then snapshots", "cron[hour='2', minute='30']"),
    "points": ("points then snapshots", "cron[minute='*/15']"),
    "badges": ("badges", "cron[hour='3', minute='0']"),
    "close-month": ("close-month", "cron[minute='5']"),
    "partitions": ("partitions", "cron[hour='1', minute='40']"),
    "notify-check": ("notify-check", "cron[minute='20']"),
    "deliver-notifications": ("deliver-notifications", "cron[minute='*']"),
}


def test_build_scheduler_registers_every_job_with_its_trigger(settings):
    built = jobs.build_scheduler(settings, make_sessionmaker(None), blocking=False)
    assert isinstance(built, BackgroundScheduler)
    assert not built.running
    entries = {job.id: (job.name, str(job.trigger)) for job in built.get_jobs()}
    assert entries == EXPECTED_TRIGGERS


def test_scheduled_times_are_utc(settings):
    built = jobs.build_scheduler(settings, make_sessionmaker(None), blocking=True)
    after = datetime(2026, 11, 20, 2, 31, tzinfo=UTC)
    next_fire = {job.id: job.trigger.get_next_fire_time(None, after) for job in built.get_jobs()}
    assert next_fire == {
        "nightly": datetime(2026, 11, 21, 2, 30, tzinfo=UTC),
        "points": datetime(2026, 11, 20, 2, 45, tzinfo=UTC),
        "badges": datetime(2026, 11, 20, 3, 0, tzinfo=UTC),
        "close-month": datetime(2026, 11, 20, 3, 5, tzinfo=UTC),
        "partitions": datetime(2026, 11, 21, 1, 40, tzinfo=UTC),
        "notify-check": datetime(2026, 11, 20, 3, 20, tzinfo=UTC),
        "deliver-notifications": datetime(2026, 11, 20, 2, 31, tzinfo=UTC),
    }


@pytest.mark.parametrize(
    "command",
    ["import api.jobs", "from api.cli.main import main; main(['scheduler'])"],
    ids=["registry", "uptake-scheduler"],
)
def test_a_job_module_that_fails_to_import_stops_the_scheduler(command):
    # A renamed or broken rewards module must stop start-up, not drop the payroll month close.
    code = f"import sys; sys.modules['rewards.jobs'] = None; {command}"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "ModuleNotFoundError" in done.stderr and "rewards.jobs" in done.stderr


def test_app_starts_no_scheduler_unless_configured(app):
    assert "uptake.scheduler" not in app.extensions


def test_app_starts_a_background_scheduler_when_configured(settings):
    app = create_app(dataclasses.replace(settings, scheduler=True))
    started = app.extensions["uptake.scheduler"]
    try:
        assert started.running
        assert {job.id for job in started.get_jobs()} >= {"nightly"}
    finally:
        started.shutdown(wait=False)
        app.extensions["uptake"].engine.dispose()


def test_uptake_scheduler_runs_until_sigterm(runner, monkeypatch):
    def build(settings, factory, *, blocking):
        built = BlockingScheduler(timezone=UTC)
        fire_now = datetime.now(UTC)  # a repeating job, like the real ones, due at once
        built.add_job(
            os.kill, "interval", hours=1, next_run_time=fire_now, args=(os.getpid(), signal.SIGTERM)
        )
        return built

    monkeypatch.setattr("api.cli.scheduler.build_scheduler", build)
    previous = signal.getsignal(signal.SIGTERM)
    result = runner.invoke(main, ["scheduler"])
    assert result.exit_code == 0, result.output
    assert signal.getsignal(signal.SIGTERM) is previous


def test_registry_names_the_contracts_jobs():
    assert set(jobs.JOB_NAMES) >= {"rollups", "snapshots", "badges", "close-month"}


def dead_pid() -> int:
    """The pid of a process that has ended (reused only after the kernel wraps around)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_killed_holders_lock_is_taken_over_at_once(factories, database_url):
    # SQLite keeps the lock as a row; a run killed with SIGKILL never deletes it. Its holder's
    # process is gone, so the next run takes the lock instead of waiting out the 2 h TTL.
    # (PostgreSQL's advisory lock ends with the killed connection: nothing to take over there.)
    holder = f"{socket.gethostname()}:{dead_pid()}:MainThread"
    with run_once(factories[0], "points", now=NOW, holder=holder, ttl=HOUR) as first:
        assert first
        # The killed process never releases: leave the row as SIGKILL would, by not exiting.
        with run_once(factories[1], "points", now=NOW, holder="next:1:t", ttl=HOUR) as second:
            assert second is database_url.startswith("sqlite")


@pytest.mark.parametrize("who", ["this process", "another machine"])
def test_a_live_or_remote_holders_lock_is_not_taken_over(factories, who):
    alive = f"{socket.gethostname()}:{os.getpid()}:MainThread"
    holder = alive if who == "this process" else f"elsewhere.example:{dead_pid()}:MainThread"
    with run_once(factories[0], "points", now=NOW, holder=holder, ttl=HOUR) as first:
        assert first
        with run_once(factories[1], "points", now=NOW, holder="next:1:t", ttl=HOUR) as second:
            assert not second


def test_a_run_left_running_by_a_killed_process_is_closed_as_failed_by_the_next(factories):
    with factories[0].begin() as session:
        session.add(JobRun(job="snapshots", started_at=NOW - HOUR, outcome="running"))
    result = run_job(factories[0], "snapshots", clock=clock_at(NOW))
    assert result.run.outcome == "ok"
    with factories[0]() as session:
        orphan = session.scalars(select(JobRun).order_by(JobRun.id)).first()
    assert (orphan.outcome, orphan.message, orphan.finished_at) == ("failed", ORPHANED, NOW)


def test_the_minutely_delivery_runs_and_is_recorded_only_when_something_is_due(factories):
    """Every minute the scheduler asks; with nothing owed it leaves no run row (1,440 a day
    otherwise), and a delivery that falls due is sent at the next firing."""
    jobs.run_entry(factories[0], ("deliver-notifications",), clock=clock_at(NOW))
    assert runs(factories[0]) == []
    with factories[0]() as session:
        subscribe(
            session, event="quarantine.growing", channel="http://127.0.0.1:9/", now=NOW, actor="t"
        )
        emit(session, "quarantine.growing", "q:100", {"open": 120, "threshold": 100}, now=NOW)
        session.commit()
    jobs.run_entry(factories[0], ("deliver-notifications",), clock=clock_at(NOW))
    assert runs(factories[0]) == [("deliver-notifications", "ok")]
    # Port 9 refused it: the retry waits out its back-off, and the firing before that skips.
    jobs.run_entry(
        factories[0], ("deliver-notifications",), clock=clock_at(NOW + timedelta(seconds=5))
    )
    assert runs(factories[0]) == [("deliver-notifications", "ok")]
