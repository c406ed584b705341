"""Ranked boards cached per worker, keyed by everything they are computed from.

A board is a pure function of its scope, period, metric and "today" and of the stored data it
reads. `fingerprint` reads, in one small query, generations that the writes of that data raise
in their own transactions (`adoption.generations`): master data (people, sites, features) for
every board; the ledger (every booking, and a totals rebuild) for a points board; the scoring
configs and the snapshots (every rewrite) for a score board. A generation row is locked by the
transaction that raises it, so its values follow commit order, on PostgreSQL too; an id would
not (ids are handed out at insert, not at commit).

A board that scored some people from the rollups (people without a fresh snapshot: never
active, or just edited) is cached with those people's usage marks, read before their scores
were (`adoption.scoring.proficiency.usage_marks`). Ingest only ever adds to the rollups, so a
new event of any of them changes the marks, and a hit first reads them again (one grouped query
over those people's rollup rows, which are few: they are mostly people who never started). Past
WATCH_LIMIT such people (after a catalog edit staled everyone) the board is not cached at all.

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
from adoption.models import ScoringConfig
from adoption.scoring.proficiency import UsageMark, usage_marks

# Entrants held across all cached boards of a worker (a chain board of 50,000 people is ~10 MB).
ENTRANT_BUDGET = 400_000
# People scored from the rollups whose usage a cached board may watch; more, and it is not cached.
WATCH_LIMIT = 5_000


def fingerprint(session: Session, reads_points: bool) -> tuple:
    """What a board reads, as of now: its database, master data; the ledger for a points board,
    the scoring configs and the snapshots otherwise."""
    if reads_points:
        stored = (generation_of(generations.POINTS),)
    else:
        newest_config = select(func.max(ScoringConfig.version)).scalar_subquery()
        stored = (newest_config, generation_of(generations.SNAPSHOTS))
    row = session.execute(select(generation_of(generations.MASTER_DATA), *stored)).one()
    return (session.get_bind().url.render_as_string(hide_password=True), *row)


@dataclass
class _Entry:
    value: Any
    size: int
    watched: dict[int, UsageMark]


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
        compute: Callable[[], tuple[Any, int, dict[int, UsageMark]]],
        *,
        reads_points: bool,
    ) -> Any:
        """The cached value for `key` under the current data, else `compute()`'s, stored unless
        it watched more than WATCH_LIMIT people. `compute` returns (value, size in entrants, the
        usage marks of the people it scored from the rollups).
        """
        full_key = (key, fingerprint(session, reads_points))
        with self._lock:
            entry = self._entries.get(full_key)
            if entry is not None:
                self._entries.move_to_end(full_key)
        if entry is not None and (
            not entry.watched or usage_marks(session, list(entry.watched)) == entry.watched
        ):
            self.hits += 1
            return entry.value
        self.misses += 1
        value, size, watched = compute()
        if len(watched) > WATCH_LIMIT:
            return value
        with self._lock:
            old = self._entries.pop(full_key, None)
            if old is not None:
                self._held -= old.size
            self._entries[full_key] = _Entry(value, size, watched)
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
