"""Leaderboard reads as ratios of a raw SQL aggregation over the same rows, in the same run.

    .venv/bin/python bench/leaderboards.py [--sites 40] [--weeks 8] [--seed 7] [--repeat 5]
        [--pg-url postgresql://postgres@127.0.0.1:5432/postgres]

Seeds a simulated chain the way `uptake demo` does (master files through import_master, event
batches through ingest_batch), derives the points ledger, then times `leaderboard()` for four
boards against the DBAPI cursor running one GROUP BY over the rows the board rests on: the
ledger rows of the period for points, the daily_usage rows of the score windows otherwise.
SQLite by default (a temporary file); with --pg-url, a temporary database on that server.
Figures are printed, never asserted: only ratios measured side by side mean much.
"""

from __future__ import annotations

import argparse
import platform
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from adoption import schema
from adoption.calendar import local_today
from adoption.db import make_engine, make_sessionmaker, scratch_postgres, unit_of_work
from adoption.ingest.batch import ingest_batch
from adoption.masterdata import imports
from adoption.models import DailyUsage, Event, Site
from adoption.privacy import OPERATOR
from adoption.simulation import chain
from rewards.leaderboards import leaderboard, parse_period, resolve_scope
from rewards.models import PointsLedger
from rewards.points import derive_points_job


@dataclass(frozen=True)
class Board:
    scope: str
    period: str
    metric: str
    baseline_sql: str  # `{p}` marks a parameter
    params: tuple


def timed(run: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median wall time in ms over `repeat` runs after one warm-up, and the last result."""
    result = run()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), result


@contextmanager
def database(pg_url: str | None, workdir: Path):
    if pg_url is None:
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    with scratch_postgres(pg_url, "uptake_bench") as url:
        yield url


def seed(factory, args, now: datetime, workdir: Path) -> int:
    """The `uptake demo` path: master files, then event batches; returns events accepted."""
    sim = chain.simulate(seed=args.seed, sites=args.sites, weeks=args.weeks, today=now.date())
    files = chain.write_master_files(sim, workdir / "demo")
    for kind in ("sites", "features", "roster"):
        with unit_of_work(factory) as session:
            imports.import_master(
                session, kind, files[kind], now=now, actor="bench", default_tz="UTC"
            )
    accepted = 0
    for chunk in chain.event_batches(sim, now=now):
        with unit_of_work(factory) as session:
            result = ingest_batch(session, source=chain.DEMO_SOURCE, events=chunk, now=now)
        accepted += result.accepted
    return accepted


def boards(session, now: datetime) -> list[Board]:
    """Chain/month/points, region/week/points, site/month/proficiency, chain/all/improvement."""
    site = session.scalars(select(Site).order_by(Site.code_key)).first()
    yesterday = now.date() - timedelta(days=1)
    month = (yesterday - timedelta(days=14)).strftime("%Y-%m")
    week = (yesterday - timedelta(days=7)).strftime("%G-W%V")
    chain_month = parse_period(month, now.date())
    region_week = parse_period(week, now.date())
    site_month = parse_period(month, local_today(site.timezone, now))
    ledger = "SELECT employee_id, SUM(points) FROM points_ledger WHERE local_day >= {p} "
    ledger += "AND local_day <= {p}"
    usage = "SELECT employee_id, SUM(successes), SUM(errors), SUM(dur_n) FROM daily_usage "
    window_start = site_month.score_day - timedelta(days=27)
    return [
        Board("chain", month, "points", ledger + " GROUP BY employee_id", _days(chain_month)),
        Board(
            f"region:{site.region}",
            week,
            "points",
            ledger + " AND site_id IN (SELECT id FROM site WHERE region = {p})"
            " GROUP BY employee_id",
            (*_days(region_week), site.region),
        ),
        Board(
            f"site:{site.code}",
            month,
            "proficiency",
            usage + "WHERE site_id = {p} AND local_day >= {p} AND local_day <= {p} "
            "GROUP BY employee_id",
            (site.id, window_start, site_month.score_day),
        ),
        Board(
            "chain",
            "all",
            "improvement",
            usage + "WHERE local_day <= {p} GROUP BY employee_id",
            (yesterday,),
        ),
    ]


def _days(period) -> tuple:
    return (period.first, period.last)


def raw_query(engine, board: Board) -> Callable[[], list]:
    """The baseline: the DBAPI cursor itself, no ORM, no pandas."""
    sqlite = engine.dialect.name == "sqlite"
    sql = board.baseline_sql.replace("{p}", "?" if sqlite else "%s")
    params = tuple(p.isoformat() if sqlite and hasattr(p, "isoformat") else p for p in board.params)

    def run() -> list:
        conn = engine.raw_connection()
        try:
            cur = conn.cursor()
            cur.execute(sql, params)
            return cur.fetchall()
        finally:
            conn.close()

    return run


def board_query(factory, board: Board, now: datetime) -> Callable[[], dict]:
    def run() -> dict:
        with factory() as session:
            return leaderboard(
                session,
                scope=resolve_scope(session, board.scope),
                period=board.period,
                metric=board.metric,
                limit=1000,
                viewer=OPERATOR,
                now=now,
            )

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=40)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pg-url", default=None)
    args = parser.parse_args()
    now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory() as tmp, database(args.pg_url, Path(tmp)) as url:
        engine = make_engine(url)
        schema.upgrade(engine)
        factory = make_sessionmaker(engine)
        started = time.perf_counter()
        events = seed(factory, args, now, Path(tmp))
        print(f"{engine.dialect.name} {_versions(engine)}; python {platform.python_version()}")
        print(
            f"seeded {args.sites} sites × {args.weeks} weeks: {events} events "
            f"in {time.perf_counter() - started:.1f}s"
        )
        report_derivation(engine, factory, now)
        with factory() as session:
            chosen = boards(session, now)
        print(f"\n{'board':44} {'rows':>5} {'board ms':>9} {'raw ms':>8} {'ratio':>6}")
        for board in chosen:
            board_ms, result = timed(board_query(factory, board, now), args.repeat)
            raw_ms, _ = timed(raw_query(engine, board), args.repeat)
            label = f"{board.scope} / {board.period} / {board.metric}"
            print(
                f"{label:44} {len(result['entries']):>5} {board_ms:>9.1f} {raw_ms:>8.1f} "
                f"{board_ms / raw_ms:>6.1f}"
            )
        engine.dispose()


def report_derivation(engine, factory, now: datetime) -> None:
    """The full points job against one raw read of the success events it books, in order."""
    start = time.perf_counter()
    with unit_of_work(factory) as session:
        result = derive_points_job(session, now=now)
    derive_ms = (time.perf_counter() - start) * 1000
    sql = Board(
        "",
        "",
        "",
        "SELECT employee_id, local_day, feature_id, site_id, occurred_at, event_id FROM event "
        "WHERE outcome = 'success' ORDER BY occurred_at, event_id, id",
        (),
    )
    raw_ms, _ = timed(raw_query(engine, sql), 1)
    with factory() as session:
        ledger = session.scalar(select(func.count()).select_from(PointsLedger))
        usage = session.scalar(select(func.count()).select_from(DailyUsage))
        success = session.scalar(select(func.count()).where(Event.outcome == "success"))
    print(
        f"points job (every pair): {result['pairs']} (employee, day) pairs, {success} successes "
        f"→ {ledger} ledger rows ({usage} daily_usage rows) in {derive_ms:.0f} ms; raw ordered "
        f"read of those events {raw_ms:.0f} ms; ratio {derive_ms / raw_ms:.1f}"
    )


def _versions(engine) -> str:
    if engine.dialect.name == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    with engine.connect() as conn:
        return conn.exec_driver_sql("SHOW server_version").scalar()


if __name__ == "__main__":
    main()
