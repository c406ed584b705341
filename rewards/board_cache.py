"""Ranked boards cached per worker, keyed by everything they are computed from.

A board is a pure function of its scope, period, metric and "today" and of the stored data it
reads. `fingerprint` reads, in one small query, a value that changes with every write to that
data: the master data generation (people, sites, features: `adoption.generations`); for a
points board the newest ledger row (points totals change only with one) and the totals'
generation (a rebuild); for a score board the newest scoring config and the snapshots'
generation (rewritten by the job). A board whose scores were partly computed from the rollups
(people without a fresh snapshot who were active by their day) also keys on the newest event.
So a cached board is invalidated by the write that changes it, on every worker, and never by a
timer; a worker's cache only saves work, and the answer is the same with or without it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adoption import generations
from adoption.generations import generation_of
from adoption.models import Event, ScoringConfig
from rewards.models import PointsLedger

# Entrants held across all cached boards of a worker (a chain board of 50,000 people is ~10 MB).
ENTRANT_BUDGET = 400_000


@dataclass(frozen=True)
class Fingerprint:
    stored: tuple  # ledger, master data, configs, generations
    newest_event: int | None  # only boards with scores computed from the rollups depend on it


def fingerprint(session: Session, reads_points: bool) -> Fingerprint:
    """What a board reads, as of now: master data always; the ledger and its totals for a
    points board; the scoring configs and the snapshots otherwise."""

    def newest(column):
        return select(func.max(column)).scalar_subquery()

    if reads_points:
        stored = (newest(PointsLedger.id), generation_of(generations.POINTS_TOTALS))
    else:
        stored = (newest(ScoringConfig.version), generation_of(generations.SNAPSHOTS))
    row = session.execute(
        select(generation_of(generations.MASTER_DATA), *stored, newest(Event.id))
    ).one()
    return Fingerprint(tuple(row[:-1]), row[-1])


@dataclass
class _Entry:
    value: Any
    size: int
    read_rollups: bool
    newest_event: int | None  # when it read the rollups: the newest event it saw


class BoardCache:
    """A bounded LRU of computed boards; thread-safe; one per worker process."""

    def __init__(self, budget: int = ENTRANT_BUDGET):
        self.budget = budget
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(
        self,
        session: Session,
        key: tuple,
        compute: Callable[[], tuple[Any, int, bool]],
        *,
        reads_points: bool,
    ) -> Any:
        """The cached value for `key` under the current data, else `compute()`'s, stored.

        `compute` returns (value, size in entrants, whether it read the rollups).
        """
        mark = fingerprint(session, reads_points)
        full_key = (key, mark.stored)
        with self._lock:
            entry = self._entries.get(full_key)
            if entry is not None and (
                not entry.read_rollups or entry.newest_event == mark.newest_event
            ):
                self._entries.move_to_end(full_key)
                self.hits += 1
                return entry.value
            self.misses += 1
        value, size, read_rollups = compute()
        with self._lock:
            old = self._entries.pop(full_key, None)
            if old is not None:
                self._held -= old.size
            self._entries[full_key] = _Entry(value, size, read_rollups, mark.newest_event)
            self._held += size
            while self._held > self.budget and len(self._entries) > 1:
                _, evicted = self._entries.popitem(last=False)
                self._held -= evicted.size
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._held = 0


BOARDS = BoardCache()
