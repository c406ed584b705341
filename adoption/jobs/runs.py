"""The record of scheduled runs: each run locked once, its work one unit of work, its outcome kept.

The transaction idiom of a job run (the front door for jobs, as a request is for the API): the
job's domain code only flushes; `run_recorded` commits. A run has two transactions:

1. bookkeeping: the `job_run` row is committed at once as "running" (admins see a run in progress,
   and a crashed process leaves a trace);
2. the unit of work: the job's writes and the run's outcome ("ok", `finished_at`, details) are
   committed together, once. When the work raises, its writes are rolled back, the outcome
   "failed" and the error are committed, and the error is re-raised to the caller.

The lock (`adoption.jobs.locks.run_once`) uses its own short transactions around both.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from adoption.db import reader_session, unit_of_work
from adoption.jobs.locks import run_once
from adoption.jobs.models import JobRun

log = logging.getLogger("uptake.jobs")

# Events carry the time their request arrived, but become visible when their batch commits,
# which can be after a job run starts; each run re-reads this much before the previous start.
COMMIT_MARGIN = timedelta(minutes=30)


def last_success(session: Session, job: str) -> datetime | None:
    """When the job's last successful run started."""
    return session.scalar(
        select(func.max(JobRun.started_at)).where(JobRun.job == job, JobRun.outcome == "ok")
    )


def events_since(session: Session, job: str) -> datetime | None:
    """Where the job's next run reads new events from: its last successful start less
    COMMIT_MARGIN (re-reading is safe: snapshots are overwritten, the ledger books differences)."""
    started = last_success(session, job)
    return None if started is None else started - COMMIT_MARGIN


def run_recorded(
    factory: sessionmaker[Session],
    job: str,
    now: Callable[[], datetime],
    work: Callable[[Session, JobRun], dict],
) -> JobRun:
    """Run `work` in one unit of work and record start, end and outcome in job_run (the module
    docstring has the two transactions)."""
    with unit_of_work(factory) as session:
        run = JobRun(job=job, started_at=now(), outcome="running")
        session.add(run)
        session.flush()
        run_id = run.id
    with factory() as session:
        try:
            details = work(session, session.get(JobRun, run_id))
            _finish(session, run_id, "ok", None, details, now())
            session.commit()  # the work and its outcome, together
            return session.get(JobRun, run_id)
        except Exception as exc:  # recorded for admins, then re-raised to the caller
            session.rollback()
            error = exc
    with unit_of_work(factory) as session:  # also when the commit itself failed
        _finish(session, run_id, "failed", f"{type(error).__name__}: {error}", None, now())
    raise error


def _finish(session, run_id, outcome, message, details, finished) -> None:
    run = session.get(JobRun, run_id)
    run.outcome, run.message, run.finished_at = outcome, message, finished
    run.details = _jsonable(details) if details is not None else None


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


# Longer than any run should take: a crashed process blocks its job (SQLite only) this long.
LOCK_TTL = timedelta(hours=2)
LOCK_HELD = "another process holds the lock"


def default_holder() -> str:
    """Who holds a lock, for people reading job_lock: host, process and thread."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"[:128]


@dataclass(frozen=True)
class RunResult:
    name: str
    run: JobRun | None  # None when skipped
    skipped: str | None = None


def run_once_recorded(
    factory: sessionmaker[Session],
    name: str,
    work: Callable[[Session, datetime], dict],
    *,
    clock: Callable[[], datetime],
    holder: str | None = None,
    same_slot: timedelta | None = None,
) -> RunResult:
    """Run `work(session, now)` once across processes and record the run; re-raises its error.

    Skipped, and not recorded, when another process holds the lock, or (with `same_slot`, for
    scheduled runs) when the job already succeeded that recently: another worker's run of the
    same scheduled slot.
    """
    with run_once(
        factory, name, now=clock(), holder=holder or default_holder(), ttl=LOCK_TTL
    ) as ok:
        skipped = None if ok else LOCK_HELD
        if ok and same_slot is not None:
            skipped = _ran_recently(factory, name, clock() - same_slot)
        if skipped:
            log.info("job %s: skipped (%s)", name, skipped)
            return RunResult(name, None, skipped)
        close_orphaned_runs(factory, name, clock())
        run = run_recorded(factory, name, clock, lambda s, _run: work(s, clock()))
    seconds = (run.finished_at - run.started_at).total_seconds()
    log.info("job %s: %s in %.1fs %s", name, run.outcome, seconds, run.details)
    return RunResult(name, run)


ORPHANED = "the process ended during the run (found by the next run of the job)"


def close_orphaned_runs(factory: sessionmaker[Session], job: str, now: datetime) -> int:
    """Mark the job's runs still "running" as failed; call it holding the job's lock, when no
    run of the job can be alive (a killed process leaves its run "running" forever)."""
    with unit_of_work(factory) as session:
        orphans = session.execute(
            update(JobRun)
            .where(JobRun.job == job, JobRun.outcome == "running")
            .values(outcome="failed", message=ORPHANED, finished_at=now)
        ).rowcount
    if orphans:
        log.warning("job %s: %d earlier run(s) had ended with their process", job, orphans)
    return orphans


def _ran_recently(factory: sessionmaker[Session], name: str, since: datetime) -> str | None:
    with reader_session(factory) as session:
        last = last_success(session, name)
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
