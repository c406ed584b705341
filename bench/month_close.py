"""HR's month close on a copy of a given database, next to a raw SQL aggregation of the month's
ledger measured in the same run.

    .venv/bin/python bench/month_close.py DATABASE [--month YYYY-MM] [--repeat 1]
        [--dump FILE] [--profile FILE]

DATABASE is a SQLite file (copied with SQLite's backup API into a temporary directory) or a
postgresql:// URL (copied with CREATE DATABASE … TEMPLATE, so nothing may be connected to it).
The given database is never written; each copy is migrated to the code's schema (untimed).
The month defaults to the last one whose last local day has ended at every site. Each figure
runs in its own fresh process, so its peak RSS is its own:

- `baseline`: the DBAPI cursor running one GROUP BY (employee, site) over the month's
  points_ledger rows, the least a close must read.
- `close_month`: `rewards.champions.months.close_month` and its commit, on a fresh copy.

`--dump FILE` writes what the close froze as JSON (the version's rules_version, every
champion_entry with its details, and the ledger rows the close added, without ids and
timestamps), so two runs, e.g. before and after a change, compare byte for byte with `cmp`.
`--profile FILE` writes a pyinstrument text profile of one close. Figures are printed, never
asserted.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from adoption import schema
from adoption.calendar import Month, chain_today, site_timezones
from adoption.db import make_engine, make_sessionmaker, unit_of_work
from rewards.champions.months import close_month
from rewards.models import ChampionEntry, ChampionPeriod, PointsLedger

ACTOR = "bench/month_close.py"
BASELINE_SQL = (
    "SELECT employee_id, site_id, SUM(points) FROM points_ledger "
    "WHERE local_day >= {} AND local_day <= {} GROUP BY employee_id, site_id"
)


def _peak_rss_mb() -> float:
    """This process's peak RSS: VmHWM on Linux (ru_maxrss would carry over the parent's
    across exec), else ru_maxrss."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)  # bytes there, else KiB


@contextmanager
def copy_of(database: str, workdir: Path):
    """A URL to a fresh copy of `database`, migrated to the code's schema, gone afterwards."""
    with _copy(database, workdir) as url:
        engine = make_engine(url)
        schema.upgrade(engine)
        engine.dispose()
        yield url


@contextmanager
def _copy(database: str, workdir: Path):
    """A URL to a fresh copy of `database` (a SQLite path or a PostgreSQL URL), gone afterwards."""
    if not database.startswith("postgresql"):
        target = workdir / f"copy-{uuid.uuid4().hex[:6]}.sqlite3"
        source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        copy = sqlite3.connect(target)
        with copy:
            source.backup(copy)
        source.close()
        copy.close()
        try:
            yield f"sqlite:///{target}"
        finally:
            target.unlink(missing_ok=True)
        return
    url = make_url(database)
    name = f"{url.database}_close_{uuid.uuid4().hex[:6]}"
    server = make_engine(database, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{url.database}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


def default_month(url: str, now: datetime) -> str:
    """The last month whose last local day has ended at every site."""
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        zones = site_timezones(session) or ["UTC"]
    engine.dispose()
    return str(Month.of(chain_today(zones, now)).previous())


def measure_baseline(url: str, month: str) -> dict:
    engine = make_engine(url)
    parsed = Month.parse(month)
    sqlite = engine.dialect.name == "sqlite"
    # The app's psycopg engine takes $n placeholders as they are (adoption.db).
    marks = ["?", "?"] if sqlite else ["$1", "$2"]
    sql = BASELINE_SQL.format(*marks)
    params = (parsed.first_day, parsed.last_day)
    if sqlite:
        params = tuple(d.isoformat() for d in params)
    rss_before = _peak_rss_mb()
    conn = engine.raw_connection()
    start = time.perf_counter()
    cur = conn.cursor()
    cur.execute(sql, params)
    rows = cur.fetchall()
    seconds = time.perf_counter() - start
    conn.close()
    engine.dispose()
    peak = _peak_rss_mb()
    return {"seconds": seconds, "rss_mb": peak, "rss_start_mb": rss_before, "rows": len(rows)}


def measure_close(url: str, month: str, dump: str | None, profile: str | None) -> dict:
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    now = datetime.now(UTC)
    with factory() as session:
        ledger_top = session.scalar(select(func.max(PointsLedger.id)))
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    rss_before = _peak_rss_mb()
    start = time.perf_counter()
    with unit_of_work(factory) as session:
        closed = close_month(session, month, now=now, actor=ACTOR)
    seconds = time.perf_counter() - start
    rss = _peak_rss_mb()
    if profiler is not None:
        profiler.stop()
        Path(profile).write_text(profiler.output_text(unicode=True, color=False))
    if dump:
        with factory() as session:
            Path(dump).write_text(frozen_dump(session, month, closed["version"], ledger_top or 0))
    engine.dispose()
    return {
        "seconds": seconds,
        "rss_mb": rss,
        "rss_start_mb": rss_before,
        "rows": len(closed["champions"]) + len(closed["first_proficient"]),
    }


def frozen_dump(session, month: str, version: int, ledger_top: int) -> str:
    """The closed version as JSON, free of ids and timestamps: equal JSON, equal result."""
    cp = ChampionPeriod
    period = session.scalars(select(cp).where(cp.month == month, cp.version == version)).one()
    entries = session.scalars(
        select(ChampionEntry)
        .where(ChampionEntry.period_id == period.id)
        .order_by(ChampionEntry.kind, ChampionEntry.site_code)
    )
    added = session.scalars(
        select(PointsLedger).where(PointsLedger.id > ledger_top).order_by(PointsLedger.id)
    )
    out = {
        "month": month,
        "version": version,
        "rules_version": period.rules_version,
        "entries": [
            {
                "kind": e.kind,
                "site_id": e.site_id,
                "site_code": e.site_code,
                "employee_id": e.employee_id,
                "user_id": e.user_id,
                "display_name": e.display_name,
                "points": e.points,
                "score": e.score,
                "rank_reason": e.rank_reason,
                "proficient_since": e.proficient_since,
                "details": e.details,
            }
            for e in entries
        ],
        "ledger_added": [
            {
                "employee_id": r.employee_id,
                "site_id": r.site_id,
                "feature_id": r.feature_id,
                "local_day": r.local_day,
                "points": r.points,
                "earned_at": r.earned_at,
                "rule": r.rule,
                "reason": r.reason,
            }
            for r in added
        ],
    }
    return json.dumps(out, default=str, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def in_child(what: str, url: str, month: str, dump: str | None, profile: str | None) -> dict:
    """Run one measurement in a fresh interpreter, so its peak RSS is its own."""
    # -P: bench/ itself stays off sys.path (its scripts must not shadow the packages).
    argv = [sys.executable, "-P", __file__, "--child", what, "--url", url, "--month", month]
    argv += ["--dump", dump] if dump else []
    argv += ["--profile", profile] if profile else []
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{what} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database", nargs="?", help="a SQLite file or a postgresql:// URL")
    parser.add_argument("--month", default=None, help="YYYY-MM (default: the last ended month)")
    parser.add_argument("--repeat", type=int, default=1, help="closes, each on a fresh copy")
    parser.add_argument("--dump", default=None, help="write the frozen month as JSON here")
    parser.add_argument("--profile", default=None, help="write a pyinstrument profile here")
    parser.add_argument("--child", choices=("baseline", "close"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run = measure_baseline if args.child == "baseline" else measure_close
        extra = () if args.child == "baseline" else (args.dump, args.profile)
        print(json.dumps(run(args.url, args.month, *extra)))
        return
    if args.database is None:
        parser.error("give a SQLite file or a postgresql:// URL")
    if not args.database.startswith("postgresql") and not Path(args.database).is_file():
        parser.error(f"no such SQLite file: {args.database}")
    workdir = Path(tempfile.mkdtemp(prefix="month_close_"))
    try:
        report(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def report(args, workdir: Path) -> None:
    with copy_of(args.database, workdir) as url:
        month = args.month or default_month(url, datetime.now(UTC))
        engine = make_engine(url)
        print(f"{engine.dialect.name}; python {platform.python_version()}; month {month}")
        engine.dispose()
        base = in_child("baseline", url, month, None, None)
    rows = [("baseline: GROUP BY month's ledger", base)]
    for i in range(args.repeat):
        with copy_of(args.database, workdir) as url:
            first = i == 0
            closed = in_child(
                "close", url, month, args.dump if first else None, args.profile if first else None
            )
        rows.append(("close_month", closed))
    print(f"\n{'what':36} {'rows':>6} {'s':>8} {'÷ base':>8} {'peak RSS MB':>12} {'at start':>9}")
    for label, m in rows:
        print(
            f"{label:36} {m['rows']:>6} {m['seconds']:>8.2f} {m['seconds'] / base['seconds']:>8.1f}"
            f" {m['rss_mb']:>12.0f} {m['rss_start_mb']:>9.0f}"
        )
    if args.dump:
        print(f"\nfrozen month written to {args.dump}")
    if args.profile:
        print(f"profile written to {args.profile}")


if __name__ == "__main__":
    main()
