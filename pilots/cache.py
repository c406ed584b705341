"""Pilot read models cached per worker, keyed by their inputs and by the data they read.

A comparison, an effect series, a chart or the rollout lead's page is a pure function of its
arguments, of the chain's local days (which weeks are complete) and of the stored data it reads.
`data_state` reads, in one small query, values that change with every write to that data: the
usage history's generation (every model here reads only local days that have ended at each
site: complete weeks, the day before, the last day ended everywhere; so an event of a day still
going on changes none of them, and ingest raises `USAGE_HISTORY` with every late event, one of
a day that had ended at its site, in the transaction that stores it), the number of finished
job runs (a rollups rebuild, new score snapshots), the master-data generation (raised by every
flush that writes people, sites or features) and their newest `updated_at`, the newest audit
record (waves and readiness rules are audited on every change), the newest scoring config and
the score snapshots' generation (time to proficiency reads them); and, in a second one, the
sites' time zones, whose local days it adds (the end of a day is a new state, so the events of
the day that just ended count from then on). Every call reads it again and looks the answer up
under it, so a write on any worker or machine invalidates what was cached before it, never a
timer; the state is read before the answer is computed, so an entry is never older than its
key. The cache only saves work: the answer is the same with or without it, and each worker
keeps its own.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from adoption.calendar import yesterday
from adoption.generations import MASTER_DATA, SNAPSHOTS, USAGE_HISTORY, generation_of
from adoption.jobs.models import JobRun
from adoption.models import AuditLog, Employee, Feature, ScoringConfig, Site

ENTRIES = 64  # answers of one data state; a site-week table of 500 sites × 26 weeks is ~2 MB
T = TypeVar("T")


def data_state(session: Session, now: datetime) -> tuple:
    """What a pilot read model rests on, as a key: the newest write to each thing it reads, and
    the local day before `now` in each of the sites' time zones."""

    def newest(column):
        return select(func.max(column)).scalar_subquery()

    stored = session.execute(
        select(
            generation_of(USAGE_HISTORY),
            select(func.count(JobRun.finished_at)).scalar_subquery(),  # whatever its clock said
            generation_of(MASTER_DATA),
            newest(Employee.updated_at),
            newest(Site.updated_at),
            newest(Feature.updated_at),
            newest(AuditLog.id),
            newest(ScoringConfig.version),
            generation_of(SNAPSHOTS),
        )
    ).one()
    zones = session.scalars(select(Site.timezone).distinct()).all()
    return (*stored, tuple(sorted((tz, yesterday(tz, now)) for tz in zones)))


class PilotCache:
    """A bounded LRU of computed answers under one data state; thread-safe.

    Answers under an older state can never be asked for again, so the first answer stored
    under a new state drops them: a worker holds one state's answers at most. Answers are
    copied in and out, so no caller can change what another one gets.
    """

    def __init__(self, entries: int = ENTRIES):
        self.entries = entries
        self._state: tuple | None = None
        self._values: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, state: tuple, key: tuple, compute: Callable[[], T]) -> T:
        with self._lock:
            if state == self._state and key in self._values:
                self._values.move_to_end(key)
                self.hits += 1
                return copy.deepcopy(self._values[key])
            self.misses += 1
        value = compute()
        with self._lock:
            if state != self._state:
                self._state = state
                self._values.clear()
            self._values[key] = copy.deepcopy(value)
            while len(self._values) > self.entries:
                self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


_caches: WeakKeyDictionary[Pool, PilotCache] = WeakKeyDictionary()
_caches_lock = threading.Lock()


def cache_of(session: Session) -> PilotCache:
    """The cache of the session's database: one per worker and database.

    Keyed by the engine's connection pool, which every view of the engine shares: on SQLite a
    reading request binds a new `execution_options` copy of the engine (`reader_session`), and
    keyed by that copy each request had a cache of its own that nobody asked again."""
    pool = session.get_bind().engine.pool
    with _caches_lock:
        if pool not in _caches:
            _caches[pool] = PilotCache()
        return _caches[pool]


def cached(session: Session, state: tuple, key: tuple, compute: Callable[[], T]) -> T:
    """`compute()`, or the answer it gave for the same key under the same `data_state`."""
    return cache_of(session).get(state, key, compute)
