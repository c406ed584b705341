"""APScheduler wiring: when each job runs, in the app process or in `uptake scheduler`.

Every worker that has a scheduler fires every entry; the run-once lock and the `same_slot`
check in `api.jobs_registry.run_job` make one of them run it and the others skip it.
Times are UTC; jobs that depend on a site's local day (closing a month) check hourly and decide
for themselves whether anything is due.
"""

from __future__ import annotations

import atexit
import logging
import signal
import threading
from dataclasses import dataclass, field
from datetime import UTC, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.orm import Session, sessionmaker

from adoption.config import Settings
from api.clock import utcnow
from api.jobs_registry import JOBS, run_job

log = logging.getLogger("uptake.scheduler")

# A worker whose trigger fires late (busy, or just started) still runs within this grace...
MISFIRE_GRACE = timedelta(minutes=5)
# ...so a success this recent is the same slot's run by another worker. Below every period.
SAME_SLOT = timedelta(minutes=10)
# The nightly rollup repair covers the days late events can still reach.
ROLLUP_REPAIR_DAYS = 8


@dataclass(frozen=True)
class Entry:
    id: str
    jobs: tuple[str, ...]  # run in order; the chain stops when one is skipped or fails
    cron: dict = field(default_factory=dict)


SCHEDULE = (
    Entry("nightly", ("rollups", "snapshots"), {"hour": 2, "minute": 30}),
    Entry("points", ("points",), {"minute": "*/15"}),
    Entry("badges", ("badges",), {"hour": 3, "minute": 0}),
    Entry("close-month", ("close-month",), {"minute": 5}),
)


def scheduled_options(name: str, now) -> dict:
    """What a scheduled run passes that a manual one does not."""
    if name == "rollups":
        return {"first": (now - timedelta(days=ROLLUP_REPAIR_DAYS)).date()}
    return {}


def run_entry(
    factory: sessionmaker[Session],
    names: tuple[str, ...],
    settings: Settings | None = None,
    clock=utcnow,
) -> None:
    """One scheduled firing: each job locked and recorded, in order."""
    for name in names:
        try:
            result = run_job(
                factory,
                name,
                options=scheduled_options(name, clock()),
                settings=settings,
                clock=clock,
                same_slot=SAME_SLOT,
            )
        except Exception:  # recorded in job_run as failed; logged here once, not by APScheduler
            log.exception("job %s failed", name)
            return
        if result.run is None:
            return  # whoever holds the lock runs the rest of the chain


def build_scheduler(
    settings: Settings, factory: sessionmaker[Session], *, blocking: bool
) -> BaseScheduler:
    """A scheduler with every available job added, not started.

    A job whose function this build lacks is left out of its entry with a warning. `settings`
    reach the jobs that are configured by them (e.g. when a month closes).
    """
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone=UTC)
    for entry in SCHEDULE:
        names = tuple(n for n in entry.jobs if JOBS[n].available())
        for missing in sorted(set(entry.jobs) - set(names)):
            log.warning("job %s is not available in this build; not scheduled", missing)
        if not names:
            continue
        scheduler.add_job(
            run_entry,
            CronTrigger(timezone=UTC, **entry.cron),
            args=(factory, names, settings),
            id=entry.id,
            name=" then ".join(names),
            coalesce=True,
            max_instances=1,
            misfire_grace_time=int(MISFIRE_GRACE.total_seconds()),
            replace_existing=True,
        )
    return scheduler


def start_in_background(settings: Settings, factory: sessionmaker[Session]) -> BaseScheduler:
    """The app-process scheduler (UPTAKE_SCHEDULER=on): one per gunicorn worker is safe."""
    scheduler = build_scheduler(settings, factory, blocking=False)
    scheduler.start()
    atexit.register(_shutdown, scheduler)
    log.info("scheduler started: %s", ", ".join(job.id for job in scheduler.get_jobs()))
    return scheduler


def _shutdown(scheduler: BaseScheduler) -> None:
    if scheduler.running:
        scheduler.shutdown(wait=False)


def run_until_signalled(scheduler: BlockingScheduler) -> None:
    """Block in `start()` until SIGTERM or SIGINT; a running job may finish before the exit."""

    def stop(signum, _frame):
        # Not in the handler itself: the signal may interrupt the scheduler holding the lock
        # that shutdown() takes, which would deadlock.
        log.info("%s received; stopping the scheduler", signal.Signals(signum).name)
        threading.Thread(target=_shutdown, args=(scheduler,), name="scheduler-stop").start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        log.info("scheduler running: %s", ", ".join(job.id for job in scheduler.get_jobs()))
        scheduler.start()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("scheduler stopped")
