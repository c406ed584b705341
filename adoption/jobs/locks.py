"""The run-once lock of scheduled jobs: several processes may try a job, one of them runs it.

PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on a connection kept for the
run; a crashed process's lock dies with its connection, so `ttl` is not needed there.
SQLite: a `job_lock` row; a row whose `expires_at` has passed belongs to a crashed process and is
taken over, so `ttl` must exceed the longest run. A row whose holder is a process of this machine
that no longer exists (killed, say) is taken over at once: SQLite's file is on this machine, so
its holders are too, and a killed run must not block its job for `ttl`.
Writing the row needs SQLite's one write lock, which a running job holds for its whole run (its
transaction begins IMMEDIATE, `adoption.db`): when that lock cannot be had within the busy
timeout, the job's lock is not taken either.

The lock never waits (on SQLite, no longer than the busy timeout): a process that does not get it
gets `False` and does not run the job.
Such attempts are not recorded in `job_run` (with several workers, losing is the normal case and
would bury the real runs); callers log them instead.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, or_, select, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from adoption.db import dialect_insert, is_locked
from adoption.jobs.models import JobLock

log = logging.getLogger(__name__)


def advisory_key(job: str) -> int:
    """A stable signed 64-bit key for `job` (PostgreSQL's bigint), the same in every process."""
    digest = hashlib.blake2b(f"uptake.job:{job}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def run_once(
    factory: sessionmaker[Session],
    job: str,
    *,
    now: datetime,
    holder: str,
    ttl: timedelta,
) -> Iterator[bool]:
    """Try to take `job`'s lock without waiting; yield whether it was taken, release on exit."""
    engine: Engine = factory.kw["bind"]
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, job) as acquired:
            yield acquired
    else:
        with _lock_row(factory, job, now=now, holder=holder, ttl=ttl) as acquired:
            yield acquired


@contextmanager
def _advisory_lock(engine: Engine, job: str) -> Iterator[bool]:
    key = advisory_key(job)
    # Autocommit: the lock belongs to the session, and no transaction stays open for hours.
    conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    acquired = False
    try:
        acquired = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))
        yield acquired
    finally:
        try:
            if acquired:
                conn.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        except SQLAlchemyError:
            # A pooled connection must never keep the lock: drop it, which ends the session.
            log.warning("could not release the lock of job %s; dropping its connection", job)
            conn.invalidate()
        finally:
            conn.close()


@contextmanager
def _lock_row(
    factory: sessionmaker[Session], job: str, *, now: datetime, holder: str, ttl: timedelta
) -> Iterator[bool]:
    try:
        acquired = _take_row(factory, job, now=now, holder=holder, ttl=ttl)
    except OperationalError as exc:
        if not is_locked(exc):
            raise
        log.warning("job %s: not started, the database stayed locked (another process writes)", job)
        acquired = False
    try:
        yield acquired
    finally:
        if acquired:
            table = JobLock.__table__
            with factory.begin() as session:
                # Only our own row: after a takeover the row is someone else's.
                session.execute(
                    delete(table).where(
                        table.c.job == job,
                        table.c.holder == holder[:128],
                        table.c.acquired_at == now,
                    )
                )


def _take_row(
    factory: sessionmaker[Session], job: str, *, now: datetime, holder: str, ttl: timedelta
) -> bool:
    table = JobLock.__table__
    with factory.begin() as session:
        # The transaction holds SQLite's write lock from its start (IMMEDIATE), so the holder
        # read here is still the holder when the statement below runs.
        current = session.scalar(select(table.c.holder).where(table.c.job == job))
        free = table.c.expires_at <= now
        if current is not None and holder_is_gone(current):
            log.warning("job %s: taking over the lock of %s, which no longer runs", job, current)
            free = or_(free, table.c.holder == current)
        # One statement, so two processes cannot both see the row free: insert it, or take it
        # over when it is free; rowcount says whether this process now holds it.
        insert = dialect_insert(session, table).values(
            job=job, holder=holder[:128], acquired_at=now, expires_at=now + ttl
        )
        taken = session.execute(
            insert.on_conflict_do_update(
                index_elements=[table.c.job],
                set_={
                    "holder": insert.excluded.holder,
                    "acquired_at": insert.excluded.acquired_at,
                    "expires_at": insert.excluded.expires_at,
                },
                where=free,
            )
        )
        return taken.rowcount == 1


def holder_is_gone(holder: str) -> bool:
    """Whether a lock holder ("host:pid:thread", `adoption.jobs.runs.default_holder`) is a
    process of this machine that has ended. Another machine's holder, or one that cannot be
    read, is taken to be alive (its row then waits for `ttl`)."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:  # it exists, under another user
        return False
    return False
