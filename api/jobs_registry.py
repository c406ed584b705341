"""The scheduled jobs by name, and the one path every run takes: locked, then recorded.

A job runs as `run(session, now, **options) -> dict` (the dict becomes the run's `details`).
Functions of other packages are imported when a job first needs them, so the registry works
before they exist and a missing one fails with a clear message. The rewards jobs are called as
`rewards.points.derive_points_job(session, *, now, since)` (since the last successful run),
`rewards.points.rebuild_points(session, *, first, last, now)` (with --from and --to),
`rewards.jobs.award_badges_job(session, *, now)` and
`rewards.jobs.close_previous_month_job(session, *, now[, month="YYYY-MM"])`.
The registry lives in `api` because `adoption` may not import `rewards`; it needs no Flask.
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from adoption import jobs
from adoption.config import Settings
from adoption.errors import DomainError, Invalid, NotFound
from adoption.locks import run_once
from adoption.models import JobRun
from api.clock import utcnow

log = logging.getLogger("uptake.jobs")

# Longer than any run should take: a crashed process blocks its job (SQLite only) this long.
LOCK_TTL = timedelta(hours=2)
LOCK_HELD = "another process holds the lock"


class JobUnavailable(DomainError):
    """The job's function is not part of this build."""

    code = "job_unavailable"


def load_function(target: str) -> Callable[..., dict]:
    """`module:function`, imported now; JobUnavailable when this build does not have it."""
    module_name, _, attr = target.partition(":")
    missing = JobUnavailable(
        f"{module_name}.{attr} is not part of this installation yet.", {"needs": target}
    )
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise  # the module exists but something it imports is broken: a real error
        raise missing from exc
    function = getattr(module, attr, None)
    if function is None:
        raise missing
    return function


@dataclass(frozen=True)
class Job:
    name: str
    summary: str
    run: Callable[..., dict]
    options: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()  # "module:function" the run imports lazily
    check: Callable[[dict], None] | None = None  # raises Invalid before anything runs
    configured: Callable[[Settings], dict] | None = None  # options that come from settings

    def prepare(self, options: dict) -> dict:
        """The options given (None dropped), checked; raises JobUnavailable or Invalid."""
        for target in self.needs:
            load_function(target)
        given = {k: v for k, v in options.items() if v is not None}
        unknown = sorted(set(given) - set(self.options))
        if unknown:
            raise Invalid({k: [f"The job {self.name!r} takes no {k!r}."] for k in unknown})
        if self.check is not None:
            self.check(given)
        return given

    def available(self) -> bool:
        try:
            self.prepare({})
        except JobUnavailable:
            return False
        return True


def rollups(session: Session, now: datetime, *, first=None, last=None) -> dict:
    return jobs.rebuild_rollups_job(session, first=first, last=last, now=now)


def snapshots(session: Session, now: datetime) -> dict:
    return jobs.snapshot_scores(session, now=now, since=jobs.events_since(session, "snapshots"))


def points(session: Session, now: datetime, *, first=None, last=None) -> dict:
    """Since the last successful run; with first and last, a rebuild of that range instead."""
    if first is not None:
        rebuild = load_function("rewards.points:rebuild_points")
        return rebuild(session, first=first, last=last, now=now)
    derive = load_function("rewards.points:derive_points_job")
    return derive(session, now=now, since=jobs.events_since(session, "points"))


def _both_or_neither(options: dict) -> None:
    if ("first" in options) != ("last" in options):
        raise Invalid({"first": ["points: give both --from and --to, or neither."]})


def badges(session: Session, now: datetime) -> dict:
    return load_function("rewards.jobs:award_badges_job")(session, now=now)


def close_month(session: Session, now: datetime, **options) -> dict:
    return load_function("rewards.jobs:close_previous_month_job")(session, now=now, **options)


def _close_settings(settings: Settings) -> dict:
    return {
        "close_day": settings.close_day,
        "close_hour": settings.close_hour,
        "ineligible_roles": settings.ineligible_roles,
    }


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job("rollups", "Rebuild daily_usage from raw events.", rollups, ("first", "last")),
        Job("snapshots", "Store daily proficiency scores.", snapshots),
        Job(
            "points",
            "Bring the points ledger in line with new events.",
            points,
            ("first", "last"),
            ("rewards.points:derive_points_job", "rewards.points:rebuild_points"),
            _both_or_neither,
        ),
        Job("badges", "Award badges.", badges, (), ("rewards.jobs:award_badges_job",)),
        Job(
            "close-month",
            "Close the previous month once it is over at every site.",
            close_month,
            ("month",),
            ("rewards.jobs:close_previous_month_job",),
            configured=_close_settings,
        ),
    )
}
JOB_NAMES = tuple(JOBS)


def get_job(name: str) -> Job:
    if name not in JOBS:
        raise NotFound(f"There is no job {name!r}.", {"job": name, "known": list(JOB_NAMES)})
    return JOBS[name]


def default_holder() -> str:
    """Who holds a lock, for people reading job_lock: host, process and thread."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"[:128]


@dataclass(frozen=True)
class JobResult:
    name: str
    run: JobRun | None  # None when skipped
    skipped: str | None = None


def run_job(
    factory: sessionmaker[Session],
    name: str,
    *,
    options: dict | None = None,
    settings: Settings | None = None,
    clock: Callable[[], datetime] = utcnow,
    holder: str | None = None,
    same_slot: timedelta | None = None,
) -> JobResult:
    """Run a job once across processes and record the run; re-raises the job's error.

    `options` are the caller's (checked against the job's); `settings` adds the job's configured
    ones (e.g. when a month closes).

    Skipped, and not recorded, when another process holds the lock, or (with `same_slot`, for
    scheduled runs) when the job already succeeded that recently: another worker's run of the
    same scheduled slot.
    """
    job = get_job(name)
    given = job.prepare(options or {})
    if settings is not None and job.configured is not None:
        given = {**job.configured(settings), **given}
    with run_once(
        factory, name, now=clock(), holder=holder or default_holder(), ttl=LOCK_TTL
    ) as ok:
        skipped = None if ok else LOCK_HELD
        if ok and same_slot is not None:
            skipped = _ran_recently(factory, name, clock() - same_slot)
        if skipped:
            log.info("job %s: skipped (%s)", name, skipped)
            return JobResult(name, None, skipped)
        run = jobs.run_recorded(factory, name, clock, lambda s, _run: job.run(s, clock(), **given))
    seconds = (run.finished_at - run.started_at).total_seconds()
    log.info("job %s: %s in %.1fs %s", name, run.outcome, seconds, run.details)
    return JobResult(name, run)


def _ran_recently(factory: sessionmaker[Session], name: str, since: datetime) -> str | None:
    with factory() as session:
        last = jobs.last_success(session, name)
    if last is not None and last >= since:
        return f"already ran at {last.isoformat()}"
    return None


def recent_runs(
    session: Session, *, job: str | None = None, limit: int = 100, before: int | None = None
) -> list[JobRun]:
    """Job runs, newest first (by id: runs are recorded as they start); ids below `before`."""
    query = select(JobRun).order_by(JobRun.id.desc()).limit(limit)
    if job is not None:
        query = query.where(JobRun.job == job)
    if before is not None:
        query = query.where(JobRun.id < before)
    return list(session.scalars(query))
