"""Chain scale: every figure of issue 11 on a small and a large world, beside a naive baseline.

    .venv/bin/python bench/scale.py                 # full: 40 sites × 12 weeks vs 1,000 × 50 × 12
    .venv/bin/python bench/scale.py --reduced       # `make bench`: 20 sites vs 200 sites, 4 weeks
    .venv/bin/python bench/scale.py --small 40:0:12 --large 300:50:8 --repeat 7
    .venv/bin/python bench/scale.py --pg-url postgresql://postgres@127.0.0.1:5432/postgres

A world is `SITES:PEOPLE_PER_SITE:WEEKS` (PEOPLE 0: the demo's teams of 6 to 25) and is built the
way an operator would, through the product's own bulk path (`uptake db upgrade`, `uptake demo`),
in a child process whose wall time and peak RSS are figures too. SQLite worlds are kept under
`--worlds` (default bench/.worlds) and reused while the schema revision is the same; every
figure runs on a copy, so a run never changes them. With --pg-url, each world is also built in
a scratch PostgreSQL database of that server, dropped at the end.

Figures, each measured on both worlds in the same run:
- boards: all 27 (site/region/chain × month/week/all × points/proficiency/improvement) over
  HTTP against `uptake serve` (gunicorn, one worker), p50 of `--repeat` reads after the first
  (the first, cold read is reported too); baseline: one SQL GROUP BY over the ledger of the
  month, the way the boards read it before issue 11.
- jobs (child processes, wall time and peak RSS): `points` and `snapshots` after 10,000 new
  events arrive through `uptake import events`, a full `rollups` rebuild, and HR's month close
  of the last complete month.
- pilots: `GET /pilots` (the rollout lead's page) and `GET /api/v1/pilots/comparison`,
  cold and warm.
Nothing is asserted: the table prints each figure with its target and whether it was met.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UPTAKE = str(Path(sys.executable).parent / "uptake")
PERIODS = ("month", "week", "all")
METRICS = ("points", "proficiency", "improvement")
NEW_EVENTS = 10_000
NEW_PEOPLE = 250  # whom the new events come from: fewer than the smallest world's people


@dataclass(frozen=True)
class World:
    sites: int
    people: int  # per site; 0 = the demo's default teams
    weeks: int

    @classmethod
    def parse(cls, text: str) -> World:
        sites, people, weeks = (int(part) for part in text.split(":"))
        return cls(sites, people, weeks)

    @property
    def name(self) -> str:
        return f"{self.sites}x{self.people}x{self.weeks}"

    def demo_args(self) -> list[str]:
        args = ["--sites", str(self.sites), "--weeks", str(self.weeks)]
        return args + (["--people-per-site", str(self.people)] if self.people else [])


class Progress(dict):
    """Figures that also print as they are measured (to stderr), so a run stopped before its
    table still leaves what it measured."""

    def __setitem__(self, name: str, value) -> None:
        super().__setitem__(name, value)
        print(f"  {name}: {_num(value)}", file=sys.stderr, flush=True)


@dataclass
class Figures:
    """One world's figures: name → (value, unit); `events` its stored event count."""

    events: int = 0
    people: int = 0
    values: dict[str, float] = field(default_factory=Progress)
    baselines: dict[str, float] = field(default_factory=Progress)


def run_child(args: list[str], env: dict) -> tuple[float, str]:
    """Run a child process to its end; (wall seconds, stdout). Fails loudly on error."""
    start = time.perf_counter()
    proc = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return time.perf_counter() - start, proc.stdout


def timed_child(args: list[str], env: dict) -> tuple[float, float | None, str]:
    """(wall seconds, the child's peak RSS in MB, stdout); RSS from GNU time when installed."""
    if not Path("/usr/bin/time").exists():
        wall, out = run_child(args, env)
        return wall, None, out
    with tempfile.NamedTemporaryFile(suffix=".time") as report:
        wall, out = run_child(["/usr/bin/time", "-f", "%M", "-o", report.name, *args], env)
        rss = int(Path(report.name).read_text().split()[-1]) / 1024
    return wall, rss, out


# ---------------------------------------------------------------- worlds


def schema_head() -> str:
    versions = sorted((ROOT / "migrations" / "versions").glob("*.py"))
    return versions[-1].stem.split("_")[1]


def build_world(world: World, url: str, instance: Path, figures: Figures) -> None:
    env = {**os.environ, "UPTAKE_DATABASE_URL": url, "UPTAKE_INSTANCE_PATH": str(instance)}
    run_child([UPTAKE, "db", "upgrade"], env)
    wall, rss, _ = timed_child([UPTAKE, "demo", *world.demo_args()], env)
    figures.values["build: uptake demo (s)"] = wall
    figures.values["build: peak RSS (MB)"] = rss


def sqlite_world(world: World, worlds_dir: Path, figures: Figures) -> Path:
    """The kept SQLite file of this world at the schema head (built when missing)."""
    worlds_dir.mkdir(parents=True, exist_ok=True)
    path = worlds_dir / f"{world.name}-{schema_head()}.sqlite3"
    stats = path.with_suffix(".json")
    if not path.exists():
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        print(f"building {world.name} (SQLite) …", flush=True)
        build_world(world, f"sqlite:///{partial}", worlds_dir / f"{world.name}-instance", figures)
        partial.rename(path)
        stats.write_text(json.dumps(figures.values))
    else:
        figures.values.update(json.loads(stats.read_text()) if stats.exists() else {})
    return path


# ---------------------------------------------------------------- the figures


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`uptake serve` (gunicorn, one worker) on a free port, scheduler off."""

    def __init__(self, env: dict):
        self.port = free_port()
        self.env = {**env, "UPTAKE_SCHEDULER": "off"}
        self.proc = subprocess.Popen(
            [UPTAKE, "serve", "--port", str(self.port), "--workers", "1"],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{self.base}/healthz", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("uptake serve did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def get_ms(opener, url: str, headers: dict | None = None) -> float:
    request = urllib.request.Request(url, headers=headers or {})
    start = time.perf_counter()
    with opener.open(request, timeout=600) as response:
        response.read()
        if response.status != 200 or response.url != url:  # a redirect (to /login) is no read
            raise RuntimeError(f"{url}: {response.status} at {response.url}")
    return (time.perf_counter() - start) * 1000


def p50(samples: list[float]) -> float:
    return statistics.median(samples)


def board_figures(
    server: Server, token: str, scopes: tuple[str, ...], today: date, repeat: int, figures: Figures
) -> None:
    opener = urllib.request.build_opener()
    auth = {"Authorization": f"Bearer {token}"}
    last = today - timedelta(days=1)
    labels = {
        "month": last.strftime("%Y-%m"),
        "week": f"{last.isocalendar()[0]}-W{last.isocalendar()[1]:02d}",
        "all": "all",
    }
    worst_cold, worst = 0.0, 0.0
    for scope in scopes:
        for period in PERIODS:
            for metric in METRICS:
                query = urllib.parse.urlencode(
                    {"scope": scope, "period": labels[period], "metric": metric, "limit": 50}
                )
                url = f"{server.base}/api/v1/leaderboards?{query}"
                cold = get_ms(opener, url, auth)
                warm = p50([get_ms(opener, url, auth) for _ in range(repeat)])
                name = f"board {scope.split(':')[0]}/{period}/{metric} p50 (ms)"
                figures.values[name] = warm
                worst_cold, worst = max(worst_cold, cold), max(worst, warm)
    figures.values["boards: worst p50 of 27 (ms)"] = worst
    figures.values["boards: worst cold read of 27 (ms)"] = worst_cold


def pilot_figures(server: Server, token: str, repeat: int, figures: Figures) -> None:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{server.base}/login").read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    form = urllib.parse.urlencode(
        # Landing on /healthz, not the lead's home (/pilots), so the first /pilots read is cold.
        {"username": "rollout", "password": "demo-rollout", "csrf_token": csrf, "next": "/healthz"}
    ).encode()
    opener.open(urllib.request.Request(f"{server.base}/login", data=form)).read()
    cold = get_ms(opener, f"{server.base}/pilots")
    figures.values["/pilots cold (ms)"] = cold
    figures.values["/pilots p50 (ms)"] = p50(
        [get_ms(opener, f"{server.base}/pilots") for _ in range(repeat)]
    )
    api = urllib.request.build_opener()
    url = f"{server.base}/api/v1/pilots/comparison?metric=adoption_rate&week=2"
    auth = {"Authorization": f"Bearer {token}"}
    figures.values["pilot comparison cold (ms)"] = get_ms(api, url, auth)
    figures.values["pilot comparison p50 (ms)"] = p50(
        [get_ms(api, url, auth) for _ in range(repeat)]
    )


def ledger_baseline(url: str, month: str, figures: Figures) -> None:
    """The naive chain board: one GROUP BY over the month's ledger rows, through the DBAPI."""
    sql = (
        "SELECT employee_id, SUM(points) FROM points_ledger WHERE local_day >= {p} AND "
        "local_day <= {p} GROUP BY employee_id"
    )
    first = date.fromisoformat(f"{month}-01")
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        params, marker = (first.isoformat(), last.isoformat()), "?"
    else:
        import psycopg

        conn = psycopg.connect(libpq_url(url))
        params, marker = (first, last), "%s"
    query = sql.format(p=marker)
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        conn.execute(query, params).fetchall()
        samples.append((time.perf_counter() - start) * 1000)
    conn.close()
    figures.baselines["boards: worst p50 of 27 (ms)"] = p50(samples)
    figures.baselines["board chain/month/points p50 (ms)"] = p50(samples)


def new_events_file(url: str, directory: Path, now: datetime) -> Path:
    """NEW_EVENTS events of NEW_PEOPLE rostered people at their home sites, as JSON lines: the
    last four hours' (one in ten a day late), one in twenty an error.

    Both worlds get the same new work (the same people count, the same (person, day) pairs), so
    the growth of a job's time is what history and world size add to it, which is the figure.
    """
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    else:
        import psycopg

        conn = psycopg.connect(libpq_url(url))
    people = conn.execute(
        "SELECT e.external_id, s.code FROM employee e JOIN site s ON s.id = e.site_id "
        f"WHERE e.rostered ORDER BY e.id LIMIT {NEW_PEOPLE}"
    ).fetchall()
    actions = [row[0] for row in conn.execute("SELECT action FROM feature ORDER BY id")]
    conn.close()
    path = directory / "new-events.jsonl"
    with path.open("w") as out:
        for n in range(NEW_EVENTS):
            user, site = people[(n * 7919) % len(people)]
            # One in ten arrives late (yesterday): the snapshots job then has history to redo.
            occurred = now - timedelta(minutes=1 + n % 240, days=1 if n % 10 == 0 else 0)
            event = {
                "event_id": f"bench-new-{now:%Y%m%d%H%M%S}-{n}",
                "user_id": user,
                "site_id": site,
                "action": actions[n % len(actions)],
                "occurred_at": occurred.isoformat(),
                "outcome": "success" if n % 20 else "error",
                "duration_ms": 800 + n % 900,
            }
            out.write(json.dumps(event) + "\n")
    return path


def run_job(env: dict, figures: Figures, label: str, job: list[str]) -> None:
    """`uptake jobs run …` in its own process: the job's own time (as it reports it, without the
    process start-up) and the process's peak RSS."""
    wall, rss, out = timed_child([UPTAKE, "jobs", "run", *job], env)
    reported = re.search(r": ok in ([0-9.]+)s", out)
    figures.values[f"{label} (s)"] = float(reported[1]) if reported else wall
    if rss is not None:
        figures.values[f"{label}: peak RSS (MB)"] = rss


def age_world(url: str) -> None:
    """Move arrivals, job runs and master data edits a day back, as if the world had been built
    yesterday.

    Jobs re-read events that arrived within COMMIT_MARGIN (30 min) of their previous start, and
    every pair of a feature or site edited since; a world built minutes ago would have all of
    its history inside that margin, which no running chain has. Snapshots stay fresh (they were
    computed after the edits either way). The copy is aged; the kept world is not.
    """
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        shift = "strftime('%Y-%m-%d %H:%M:%f000', {c}, '-1 day')"
    else:
        import psycopg

        conn = psycopg.connect(libpq_url(url))
        shift = "{c} - interval '1 day'"
    aged = {
        "event": ("received_at",),
        "job_run": ("started_at", "finished_at"),
        "site": ("updated_at",),
        "employee": ("updated_at",),
        "feature": ("updated_at", "scores_changed_at"),
    }
    for table, columns in aged.items():
        moves = ", ".join(f"{c} = {shift.format(c=c)}" for c in columns)
        conn.execute(f"UPDATE {table} SET {moves}")
    # The master data was set up before the history came in: a build fast enough to import it
    # within COMMIT_MARGIN of its first points run would otherwise have the whole catalogue
    # "edited since", and the next run re-derive every pair of every feature.
    for table, columns in {"site": ("updated_at",), "feature": ("updated_at",)}.items():
        moves = ", ".join(f"{c} = {shift.format(c=c)}" for c in columns)
        conn.execute(f"UPDATE {table} SET {moves}")
    conn.commit()
    conn.close()


def job_figures(env: dict, work: Path, month: str, figures: Figures) -> None:
    """Jobs as an operator runs them, each in its own process, on a world aged by a day."""
    now = datetime.now(UTC)
    age_world(env["UPTAKE_DATABASE_URL"])
    for job in ("points", "snapshots"):  # settle: what the demo left is already booked
        run_child([UPTAKE, "jobs", "run", job], env)
    events = new_events_file(env["UPTAKE_DATABASE_URL"], work, now)
    run_child([UPTAKE, "import", "events", str(events), "--source", "bench"], env)
    for job in ("points", "snapshots"):
        run_job(env, figures, f"job {job} after {NEW_EVENTS:,} new events", [job])
    run_job(env, figures, "job rollups, full rebuild", ["rollups"])
    run_job(env, figures, "month close", ["close-month", "--month", month])


def admin_token(env: dict) -> str:
    _wall, out = run_child(
        [UPTAKE, "tokens", "create", "--role", "admin", "--name", f"bench-{time.time_ns()}"], env
    )
    return out.strip().splitlines()[-1]


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL of a PostgreSQL database as libpq reads it (no driver name)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def count_rows(url: str) -> tuple[int, int, tuple[str, ...]]:
    """Stored events, rostered people, and the three board scopes: the first site (its code has
    more digits past 999 sites), the first site's region, and the chain."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    else:
        import psycopg

        conn = psycopg.connect(libpq_url(url))
    events = conn.execute("SELECT COUNT(*) FROM event").fetchone()[0]
    people = conn.execute("SELECT COUNT(*) FROM employee WHERE rostered").fetchone()[0]
    code, region = conn.execute("SELECT code, region FROM site ORDER BY code LIMIT 1").fetchone()
    conn.close()
    return events, people, (f"site:{code}", f"region:{region}", "chain")


def measure(url: str, instance: Path, repeat: int, figures: Figures) -> None:
    """Every figure on the database at `url` (a copy: the month close and new events change it)."""
    env = {**os.environ, "UPTAKE_DATABASE_URL": url, "UPTAKE_INSTANCE_PATH": str(instance)}
    figures.events, figures.people, scopes = count_rows(url)
    today = datetime.now(UTC).date()
    month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    token = admin_token(env)
    ledger_baseline(url, (today - timedelta(days=1)).strftime("%Y-%m"), figures)
    server = Server(env)
    try:
        board_figures(server, token, scopes, today, repeat, figures)
        pilot_figures(server, token, repeat, figures)
    finally:
        server.stop()
    job_figures(env, instance, month, figures)


# ---------------------------------------------------------------- the table

TARGETS = {  # figure → (target, "max" or "growth")
    "boards: worst p50 of 27 (ms)": 20.0,
    "/pilots p50 (ms)": 300.0,
    "pilot comparison p50 (ms)": 100.0,
    "pilot comparison cold (ms)": 3000.0,
    f"job points after {NEW_EVENTS:,} new events: peak RSS (MB)": 1024.0,
    f"job snapshots after {NEW_EVENTS:,} new events: peak RSS (MB)": 1024.0,
    "job rollups, full rebuild: peak RSS (MB)": 1024.0,
    "month close (s)": 60.0,
    "month close: peak RSS (MB)": 1024.0,
    f"job points after {NEW_EVENTS:,} new events (s)": 2.0,
    f"job snapshots after {NEW_EVENTS:,} new events (s)": 2.0,
}
GROWTH_TARGETS = {
    "boards: worst p50 of 27 (ms)": 1.5,
    f"job points after {NEW_EVENTS:,} new events (s)": 1.5,
    f"job snapshots after {NEW_EVENTS:,} new events (s)": 1.5,
}


def table(backend: str, small: Figures, large: Figures, large_world: World) -> str:
    """The markdown table: each figure on both worlds, its growth, baseline and target."""
    rows = [
        f"### {backend}: small {small.events:,} events / {small.people:,} people, "
        f"large {large.events:,} events / {large.people:,} people ({large_world.name})",
        "",
        "| figure | small | large | growth | baseline (large) | target | met |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for name in large.values:
        s_value, l_value = small.values.get(name), large.values[name]
        growth = l_value / s_value if s_value else None
        target, met = _target(name, l_value, growth)
        base = large.baselines.get(name)
        rows.append(
            f"| {name} | {_num(s_value)} | {_num(l_value)} | "
            f"{'' if growth is None else f'{growth:.2f}×'} | {_num(base)} | {target} | {met} |"
        )
    return "\n".join(rows)


def _target(name: str, value: float, growth: float | None) -> tuple[str, str]:
    parts, met = [], []
    if name in TARGETS:
        parts.append(f"≤ {TARGETS[name]:g}")
        met.append(value <= TARGETS[name])
    if name in GROWTH_TARGETS and growth is not None:
        parts.append(f"growth ≤ {GROWTH_TARGETS[name]:g}×")
        met.append(growth <= GROWTH_TARGETS[name])
    if not parts:
        return "", ""
    return ", ".join(parts), "yes" if all(met) else "**no**"


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if value >= 100 else f"{value:.2f}" if value < 10 else f"{value:.1f}"


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reduced", action="store_true", help="20 vs 200 sites, 4 weeks")
    parser.add_argument("--small", type=World.parse, default=None)
    parser.add_argument("--large", type=World.parse, default=None)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pg-url", default=None)
    parser.add_argument("--skip-sqlite", action="store_true", help="with --pg-url: PostgreSQL only")
    parser.add_argument("--worlds", type=Path, default=ROOT / "bench" / ".worlds")
    parser.add_argument(
        "--keep-pg",
        action="store_true",
        help="keep each PostgreSQL world as a database (uptake_world_<world>_<schema head>) "
        "and measure on a copy of it; a later run with the flag reuses it",
    )
    args = parser.parse_args()
    small = args.small or (World(20, 0, 4) if args.reduced else World(40, 0, 12))
    large = args.large or (World(200, 30, 4) if args.reduced else World(1000, 50, 12))
    print(
        f"# bench/scale.py on {platform.node()}: {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {platform.platform()}; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    if not args.skip_sqlite:
        results = {}
        for world in (small, large):
            figures = Figures()
            kept = sqlite_world(world, args.worlds, figures)
            with tempfile.TemporaryDirectory(prefix="uptake-scale-") as tmp:
                copy = Path(tmp) / "uptake.sqlite3"
                shutil.copy(kept, copy)
                measure(f"sqlite:///{copy}", Path(tmp) / "instance", args.repeat, figures)
            results[("SQLite", world)] = figures
        print(table("SQLite", results[("SQLite", small)], results[("SQLite", large)], large))
    if args.pg_url:
        pg_figures = {
            world: postgres_figures(world, args.pg_url, args.repeat, keep=args.keep_pg)
            for world in (small, large)
        }
        print()
        print(table("PostgreSQL", pg_figures[small], pg_figures[large], large))


def postgres_figures(world: World, server_url: str, repeat: int, *, keep: bool) -> Figures:
    from adoption.db import scratch_postgres

    figures = Figures()
    if keep:
        with tempfile.TemporaryDirectory() as tmp:
            url = kept_postgres_copy(world, server_url, Path(tmp) / "instance", figures)
            try:
                measure(url, Path(tmp) / "instance", repeat, figures)
            finally:
                drop_database(server_url, url)
        return figures
    with scratch_postgres(server_url, "uptake_scale") as url, tempfile.TemporaryDirectory() as tmp:
        print(f"building {world.name} (PostgreSQL) …", flush=True)
        build_world(world, url, Path(tmp) / "instance", figures)
        measure(url, Path(tmp) / "instance", repeat, figures)
    return figures


def kept_postgres_copy(world: World, server_url: str, instance: Path, figures: Figures) -> str:
    """A fresh copy (CREATE DATABASE … TEMPLATE) of this world's kept database at the schema
    head, built first when missing; its build figures are kept in a table of its own."""
    from sqlalchemy import text

    from adoption.db import make_engine

    kept = f"uptake_world_{world.name.replace('x', '_')}_{schema_head()}"
    server = make_engine(server_url, isolation_level="AUTOCOMMIT")
    base = server.url
    try:
        with server.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": kept}
            ).scalar()
            if not exists:
                print(f"building {world.name} (PostgreSQL, kept as {kept}) …", flush=True)
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{kept}_partial" WITH (FORCE)')
                conn.exec_driver_sql(f'CREATE DATABASE "{kept}_partial"')
                partial = base.set(database=f"{kept}_partial").render_as_string(False)
                build_world(world, partial, instance, figures)
                _store_build_figures(partial, figures)
                conn.exec_driver_sql(f'ALTER DATABASE "{kept}_partial" RENAME TO "{kept}"')
            copy = f"uptake_scale_{os.getpid()}_{world.name.replace('x', '_')}"
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{copy}" TEMPLATE "{kept}"')
    finally:
        server.dispose()
    url = base.set(database=copy).render_as_string(hide_password=False)
    figures.values.update(_load_build_figures(url))
    return url


def _store_build_figures(url: str, figures: Figures) -> None:
    import psycopg

    with psycopg.connect(libpq_url(url)) as conn:
        conn.execute("CREATE TABLE bench_build_figures (figures text NOT NULL)")
        conn.execute("INSERT INTO bench_build_figures VALUES (%s)", [json.dumps(figures.values)])


def _load_build_figures(url: str) -> dict:
    import psycopg

    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute("SELECT figures FROM bench_build_figures").fetchone()
    return json.loads(row[0]) if row else {}


def drop_database(server_url: str, url: str) -> None:
    from sqlalchemy.engine import make_url

    from adoption.db import make_engine

    server = make_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    finally:
        server.dispose()


if __name__ == "__main__":
    main()
