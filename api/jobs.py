"""The scheduled jobs by name, and when the scheduler runs them (composition root of the jobs).

Every job's function is imported directly: a renamed or broken module stops the app, the CLI
and the scheduler at start-up with an ImportError instead of silently skipping a job. Each run
goes through `adoption.jobs.runs.run_once_recorded`: locked once across processes, then recorded.

Every worker that has a scheduler fires every entry; the run-once lock and the `same_slot`
check make one of them run it and the others skip it. Times are UTC; jobs that depend on a
site's local day (closing a month) check hourly and decide for themselves whether anything is due.
"""

from __future__ import annotations

import atexit
import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.orm import Session, sessionmaker

from adoption.calendar import Month, chain_today_of
from adoption.config import Settings
from adoption.db import reader_session
from adoption.errors import Invalid, NotFound
from adoption.jobs.runs import RunResult, events_since, run_once_recorded
from adoption.notify.checks import notify_levels, notify_quarantine, notify_sites_behind
from adoption.notify.sender import SendPolicy, anything_due, deliver_due
from adoption.partitions import ensure_partitions
from adoption.retention import clamp, cut_before, days_cut, months_cut
from adoption.scoring.rules import load_rules
from adoption.scoring.snapshots import snapshot_scores
from adoption.usage.rollups import rebuild_rollups_job
from api.clock import utcnow
from pilots.notify import notify_readiness
from rewards.jobs import award_badges_job, close_previous_month_job
from rewards.notify import notify_month_ready
from rewards.points import derive_points_job, rebuild_points
from rewards.retention import oldest_open_month

log = logging.getLogger("uptake.scheduler")


@dataclass(frozen=True)
class Job:
    name: str
    summary: str
    run: Callable[..., dict]
    options: tuple[str, ...] = ()
    check: Callable[[dict], None] | None = None  # raises Invalid before anything runs
    configured: Callable[[Settings], dict] | None = None  # options that come from settings
    # A scheduled firing runs (and records) the job only when this says something is due: a
    # job that fires every minute leaves no run row for the minutes it had nothing to do.
    due: Callable[[Session, datetime], bool] | None = None

    def prepare(self, options: dict) -> dict:
        """The options given (None dropped), checked; raises Invalid."""
        given = {k: v for k, v in options.items() if v is not None}
        unknown = sorted(set(given) - set(self.options))
        if unknown:
            raise Invalid({k: [f"The job {self.name!r} takes no {k!r}."] for k in unknown})
        if self.check is not None:
            self.check(given)
        return given


def rollups(session: Session, now: datetime, *, first=None, last=None, days_back=None) -> dict:
    """[first, last]; with `days_back` (the nightly repair), from that many days before the
    chain's current day (`chain_today`) on."""
    if days_back is not None:
        first = chain_today_of(session, now) - timedelta(days=days_back)
    return rebuild_rollups_job(session, first=first, last=last)


def _first_or_days_back(options: dict) -> None:
    if "days_back" in options and "first" in options:
        raise Invalid({"days_back": ["rollups: give --from or days_back, not both."]})


def snapshots(session: Session, now: datetime) -> dict:
    """Store the scores; a person who asked to hear of a new level is told in the same
    transaction (`person.badge`)."""
    details = snapshot_scores(session, now=now, since=events_since(session, "snapshots"))
    told = notify_levels(session, now)
    return {**details, "levels_notified": told} if told else details


def points(session: Session, now: datetime, *, first=None, last=None) -> dict:
    """Since the last successful run; with first and last, a rebuild of that range instead."""
    if first is not None:
        return rebuild_points(session, first=first, last=last, now=now)
    return derive_points_job(session, now=now, since=events_since(session, "points"))


def _both_or_neither(options: dict) -> None:
    if ("first" in options) != ("last" in options):
        raise Invalid({"first": ["points: give both --from and --to, or neither."]})


def badges(session: Session, now: datetime) -> dict:
    return award_badges_job(session, now=now)


def close_month(session: Session, now: datetime, **options) -> dict:
    return close_previous_month_job(session, now=now, **options)


def partitions(
    session: Session, now: datetime, *, retention_days: int = 0, retention_months: int = 0
) -> dict:
    """Create the coming months' partitions (PostgreSQL); with a retention (UPTAKE_RETENTION_DAYS,
    or the deprecated month setting), purge the older raw events, never of a month HR has not
    closed yet (`held_back_to` in the details when that moved the cut)."""
    today = chain_today_of(session, now)
    created = ensure_partitions(session, today)
    details: dict = {"created": created}
    if retention_days:
        asked = days_cut(today, retention_days)
    elif retention_months:
        asked = months_cut(today, retention_months)
    else:
        return details
    first = clamp(asked, oldest_open_month(session, asked))
    dropped = cut_before(session, "event", first, now)
    details |= {"events_before": dropped.before, "dropped": dropped.partitions}
    details["events_removed"] = dropped.rows
    if first != asked:
        details["held_back_to"] = {"asked": asked, "open_month": str(Month.of(first))}
    return details


def notify_check(session: Session, now: datetime, *, quarantine_alert: int = 100) -> dict:
    """Owe the notifications that are a state, not a step: a month HR can close, sites behind
    their wave, upcoming waves failing the readiness gate, a growing quarantine. Each
    occurrence's key makes it owed once, however often this runs (`adoption.notify.checks`)."""
    rules = load_rules(session)
    return {
        "month_ready": notify_month_ready(session, now),
        "site_behind": notify_sites_behind(session, now, rules),
        "readiness_failed": notify_readiness(session, now, rules),
        "quarantine_growing": notify_quarantine(session, now, quarantine_alert),
    }


def deliver_notifications(session: Session, now: datetime, *, policy=None) -> dict:
    """Send what the outbox owes (`adoption.notify.sender.deliver_due`).

    The run's own session is ended first (it only read the run's row): on SQLite that read
    holds the write lock, and the round's short transactions, on their own sessions, need it;
    nothing is held while a channel is slow. The job's run-once lock keeps rounds apart."""
    session.commit()
    factory = sessionmaker(bind=session.get_bind(), expire_on_commit=False, autoflush=False)
    return deliver_due(factory, now, policy)


def _notify_settings(settings: Settings) -> dict:
    return {"quarantine_alert": settings.quarantine_alert}


def _send_settings(settings: Settings) -> dict:
    return {"policy": SendPolicy.from_settings(settings)}


def _retention_settings(settings: Settings) -> dict:
    return {
        "retention_days": settings.retention_days,
        "retention_months": settings.event_retention_months,
    }


def _close_settings(settings: Settings) -> dict:
    return {
        "close_day": settings.close_day,
        "close_hour": settings.close_hour,
        "ineligible_roles": settings.ineligible_roles,
    }


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job(
            "rollups",
            "Rebuild daily_usage from raw events.",
            rollups,
            ("first", "last", "days_back"),
            _first_or_days_back,
        ),
        Job("snapshots", "Store daily proficiency scores.", snapshots),
        Job(
            "points",
            "Bring the points ledger in line with new events.",
            points,
            ("first", "last"),
            _both_or_neither,
        ),
        Job("badges", "Award badges.", badges),
        Job(
            "partitions",
            "Create monthly partitions ahead; purge raw events past the retention.",
            partitions,
            configured=_retention_settings,
        ),
        Job(
            "close-month",
            "Close the previous month once it is over at every site.",
            close_month,
            ("month",),
            configured=_close_settings,
        ),
        Job(
            "notify-check",
            "Owe the notifications of months ready, sites behind, waves not ready, quarantine.",
            notify_check,
            configured=_notify_settings,
        ),
        Job(
            "deliver-notifications",
            "Send the notifications owed, retrying failures with back-off.",
            deliver_notifications,
            configured=_send_settings,
            due=anything_due,
        ),
    )
}
JOB_NAMES = tuple(JOBS)


def get_job(name: str) -> Job:
    if name not in JOBS:
        raise NotFound(f"There is no job {name!r}.", {"job": name, "known": list(JOB_NAMES)})
    return JOBS[name]


def run_job(
    factory: sessionmaker[Session],
    name: str,
    *,
    options: dict | None = None,
    settings: Settings | None = None,
    clock: Callable[[], datetime] = utcnow,
    holder: str | None = None,
    same_slot: timedelta | None = None,
) -> RunResult:
    """Run a job once across processes and record the run; re-raises the job's error.

    `options` are the caller's (checked against the job's); `settings` adds the job's configured
    ones (e.g. when a month closes).
    """
    job = get_job(name)
    given = job.prepare(options or {})
    if settings is not None and job.configured is not None:
        given = {**job.configured(settings), **given}
    return run_once_recorded(
        factory,
        name,
        lambda session, now: job.run(session, now, **given),
        clock=clock,
        holder=holder,
        same_slot=same_slot,
    )


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
    same_slot: timedelta = SAME_SLOT  # below the entry's period


SCHEDULE = (
    Entry("nightly", ("rollups", "snapshots"), {"hour": 2, "minute": 30}),
    # Boards read the ledger's totals and stored scores: both follow new events within 15 min.
    Entry("points", ("points", "snapshots"), {"minute": "*/15"}),
    Entry("badges", ("badges",), {"hour": 3, "minute": 0}),
    Entry("close-month", ("close-month",), {"minute": 5}),
    Entry("partitions", ("partitions",), {"hour": 1, "minute": 40}),
    Entry("notify-check", ("notify-check",), {"minute": 20}),
    # Every minute: a notification waits at most about a minute (or its back-off).
    Entry(
        "deliver-notifications", ("deliver-notifications",), {"minute": "*"}, timedelta(seconds=30)
    ),
)


def scheduled_options(name: str) -> dict:
    """What a scheduled run passes that a manual one does not."""
    if name == "rollups":
        return {"days_back": ROLLUP_REPAIR_DAYS}
    return {}


def run_entry(
    factory: sessionmaker[Session],
    names: tuple[str, ...],
    settings: Settings | None = None,
    clock=utcnow,
    same_slot: timedelta = SAME_SLOT,
) -> None:
    """One scheduled firing: each job locked and recorded, in order (a job with nothing due is
    skipped, unrecorded, and the chain stops there)."""
    for name in names:
        if not _due(factory, name, clock()):
            return
        try:
            result = run_job(
                factory,
                name,
                options=scheduled_options(name),
                settings=settings,
                clock=clock,
                same_slot=same_slot,
            )
        except Exception:  # recorded in job_run as failed; logged here once, not by APScheduler
            log.exception("job %s failed", name)
            return
        if result.run is None:
            return  # whoever holds the lock runs the rest of the chain


def _due(factory: sessionmaker[Session], name: str, now: datetime) -> bool:
    job = get_job(name)
    if job.due is None:
        return True
    with reader_session(factory) as session:
        return job.due(session, now)


def build_scheduler(
    settings: Settings, factory: sessionmaker[Session], *, blocking: bool
) -> BaseScheduler:
    """A scheduler with every entry added, not started; `settings` reach the jobs that are
    configured by them (e.g. when a month closes)."""
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone=UTC)
    for entry in SCHEDULE:
        scheduler.add_job(
            run_entry,
            CronTrigger(timezone=UTC, **entry.cron),
            args=(factory, entry.jobs, settings, utcnow, entry.same_slot),
            id=entry.id,
            name=" then ".join(entry.jobs),
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
