"""The quarantine at scale: its reads and bulk dry runs as ratios of raw SQL over the same rows.

    .venv/bin/python bench/quarantine.py [--items 100000] [--repeat 3] [--seed 7]
        [--pg-url postgresql://postgres@127.0.0.1:5432/postgres]

Migrates a temporary SQLite database (or, with --pg-url, a temporary database on that server),
creates 1,000 sites, and quarantines --items events the way ingest does (`quarantine.store_events`
with their reasons: unknown sites, negative durations, bad times, bad outcomes; three sources).
Then times the domain calls the page, API and CLI make (`adoption.ingest.triage`) against the
DBAPI cursor running the nearest raw query: a GROUP BY for the totals, a keyset SELECT for a list
page, and for a bulk dry run a SELECT of the same payloads. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from adoption import schema
from adoption.db import make_engine, make_sessionmaker, scratch_postgres
from adoption.ingest import triage
from adoption.ingest.batch import ingest_batch
from adoption.models import Quarantine, Site

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
UNKNOWN_SITE_SHARE = 0.4


def timed(run: Callable[[], object], repeat: int) -> float:
    """Median wall time in ms over `repeat` runs after one warm-up."""
    run()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


@contextmanager
def database(pg_url: str | None):
    if pg_url:
        with scratch_postgres(pg_url, prefix="uptake_bench_q") as url:
            yield url
        return
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"


def bad_event(n: int, rng: random.Random) -> dict:
    site = f"S{rng.randint(1, 1000):04d}"
    event = {
        "event_id": f"q-{n}",
        "user_id": f"E{n % 5000:05d}",
        "site_id": site,
        "action": "pos.sale.complete",
        "occurred_at": (NOW - timedelta(minutes=n % 40_000)).isoformat(),
    }
    kind = rng.random()
    if kind < UNKNOWN_SITE_SHARE:
        event["site_id"] = f"X{rng.randint(1, 50):03d}"  # a store not imported yet
    elif kind < 0.7:
        event["duration_ms"] = -1
    elif kind < 0.85:
        event["occurred_at"] = "yesterday"
    else:
        event["outcome"] = "maybe"
    return event


def seed(url: str, items: int, rng: random.Random) -> None:
    engine = make_engine(url)
    schema.upgrade(engine)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        session.add_all(
            Site(
                code=f"S{n:04d}",
                code_key=f"s{n:04d}",
                name=f"Store {n}",
                timezone="UTC",
                created_at=NOW,
                updated_at=NOW,
            )
            for n in range(1, 1001)
        )
    batch = 5_000
    for start in range(0, items, batch):
        events = [bad_event(n, rng) for n in range(start, min(items, start + batch))]
        source = rng.choice(["pos", "segment", "posthog"])
        with sessions.begin() as session:
            result = ingest_batch(session, source=source, events=events, now=NOW)
            assert result.quarantined == len(events), result
    engine.dispose()


def measure(url: str, repeat: int) -> list[tuple[str, float, float]]:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    raw = engine.raw_connection()
    cursor = raw.cursor()
    p = "%s" if url.startswith("postgresql") else "?"

    def sql(text: str, *params) -> Callable[[], object]:
        return lambda: cursor.execute(text.replace("{p}", p), params).fetchall()

    everything = triage.Filter()
    unknown = triage.Filter(reason="site_id: Unknown site.")
    with sessions() as session:
        ids = triage.Filter().applied(select(Quarantine.id).order_by(Quarantine.id))
        middle = session.scalars(ids).all()
        after = middle[len(middle) // 2]
        cases = [
            (
                "summary (totals by reason and source)",
                lambda: triage.summary(session, everything),
                sql(
                    "SELECT reason, count(*) FROM quarantine WHERE status = 'open' GROUP BY reason"
                ),
            ),
            (
                "list page of 50 deep in a reason",
                lambda: triage.list_items(session, unknown, limit=50, after_id=after),
                sql(
                    "SELECT id, source, reason, site, received_at FROM quarantine "
                    "WHERE status = 'open' AND reason = {p} AND id > {p} ORDER BY id LIMIT 50",
                    unknown.reason,
                    after,
                ),
            ),
            (
                "would pass now, 50 items",
                lambda: triage.still_failing(
                    session, triage.list_items(session, unknown, limit=50), NOW
                ),
                sql(
                    "SELECT id, payload FROM quarantine WHERE status = 'open' AND reason = {p} "
                    "ORDER BY id LIMIT 50",
                    unknown.reason,
                ),
            ),
            (
                f"bulk replay dry run (up to {triage.MAX_BULK:,})",
                lambda: triage.bulk_replay(
                    session, everything, dry_run=True, now=NOW, actor="bench"
                ),
                sql(
                    "SELECT id, payload FROM quarantine WHERE status = 'open' ORDER BY id "
                    f"LIMIT {triage.MAX_BULK}"
                ),
            ),
            (
                "bulk discard dry run",
                lambda: triage.bulk_discard(
                    session, everything, dry_run=True, now=NOW, actor="bench"
                ),
                sql(
                    "SELECT id FROM quarantine WHERE status = 'open' ORDER BY id "
                    f"LIMIT {triage.MAX_BULK}"
                ),
            ),
        ]
        results = []
        for name, call, baseline in cases:
            results.append((name, timed(call, repeat), timed(baseline, repeat)))
            session.rollback()
    raw.close()
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pg-url")
    args = parser.parse_args()
    with database(args.pg_url) as url:
        started = time.perf_counter()
        seed(url, args.items, random.Random(args.seed))
        print(f"{args.items:,} quarantined items in {time.perf_counter() - started:.1f} s")
        print(f"{'call':44} {'Uptake':>10} {'raw SQL':>10} {'ratio':>7}")
        for name, ours, base in measure(url, args.repeat):
            print(f"{name:44} {ours:8.1f}ms {base:8.1f}ms {ours / base:6.1f}x")


if __name__ == "__main__":
    main()
