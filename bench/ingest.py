"""Ingestion throughput: HTTP and domain paths as ratios of a raw executemany in the same run.

    .venv/bin/python bench/ingest.py [--events 100000] [--batch 1000] [--repeat 3]
        [--database sqlite|postgresql] [--pg-url URL] [--gzip] [--no-domain] [--no-indexed]
        [--no-floor] [--profile] [--sqlite-pragma NAME=VALUE ...]

Every run of an app path (and of the floor) gets a fresh copy of one migrated, seeded database;
every other baseline run a fresh database of its own. Figures are printed, never asserted: on a
small, noisy machine only ratios measured side by side mean much. The issue 11 target is HTTP at
≥ 30 % of the unique-key baseline. See bench/README.md for how to read them.
"""

from __future__ import annotations

import argparse
import functools
import gc
import gzip
import json
import math
import os
import pathlib
import platform
import shutil
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy
from ingest_data import SOURCE, Dataset, generate

from adoption import schema
from adoption.config import Settings
from adoption.db import make_engine, make_sessionmaker
from adoption.identity import credentials
from adoption.ingest.batch import ingest_batch
from adoption.masterdata import feature_records, records
from adoption.models import Event
from api import create_app

COLUMNS = (
    "source, event_id, employee_id, site_id, feature_id, occurred_at, local_day, outcome, "
    "duration_ms, properties, received_at"
)
RAW_TABLE = {
    "sqlite": "CREATE TABLE event (id INTEGER PRIMARY KEY, source TEXT, event_id TEXT, "
    "employee_id INTEGER, site_id INTEGER, feature_id INTEGER, occurred_at TEXT, local_day TEXT, "
    "outcome TEXT, duration_ms INTEGER, properties TEXT, received_at TEXT)",
    "postgresql": "CREATE TABLE event (id bigserial PRIMARY KEY, source text, event_id text, "
    "employee_id integer, site_id integer, feature_id integer, occurred_at timestamptz, "
    "local_day date, outcome text, duration_ms integer, properties json, received_at timestamptz)",
}
PLACEHOLDERS = {"sqlite": ", ".join(["?"] * 11), "postgresql": ", ".join(["%s"] * 11)}
MARK = {"sqlite": "?", "postgresql": "%s"}
ROLLUP_COLUMNS = (
    "employee_id, site_id, feature_id, local_day, successes, errors, dur_n, dur_log_sum"
)
ADDED = ", ".join(f"{c} = daily_usage.{c} + excluded.{c}" for c in ROLLUP_COLUMNS.split(", ")[4:])


#: What the baseline table carries besides its integer key: nothing, ingest's unique key
#: (source, event_id) with ON CONFLICT DO NOTHING, or that key and the event table's indexes.
KEYS = ("none", "unique", "indexes")
#: The issue 11 target: HTTP at least this share of the "unique" baseline's events/s.
TARGET = 0.30


def raw_sql(dialect: str, keys: str) -> tuple[list[str], str]:
    """DDL and INSERT of the baseline table with `keys` (one of KEYS)."""
    ddl = [RAW_TABLE[dialect]]
    insert = f"INSERT INTO event ({COLUMNS}) VALUES ({PLACEHOLDERS[dialect]})"
    if keys != "none":
        ddl.append("CREATE UNIQUE INDEX uq_raw ON event (source, event_id)")
        insert += " ON CONFLICT (source, event_id) DO NOTHING"
    if keys == "indexes":
        for index in Event.__table__.indexes:
            ddl.append(f"CREATE INDEX {index.name} ON event ({', '.join(index.columns.keys())})")
    return ddl, insert


def floor_sql(dialect: str) -> tuple[str, str, str]:
    """The key insert, the event insert and the rollup upsert of the floor, on the app's own
    tables: a key that is new lands in `event_key`, then its event in `event`."""
    keys = (
        f"INSERT INTO event_key (source, event_id) VALUES ({MARK[dialect]}, {MARK[dialect]}) "
        "ON CONFLICT (source, event_id) DO NOTHING"
    )
    events = f"INSERT INTO event ({COLUMNS}) VALUES ({PLACEHOLDERS[dialect]})"
    rollups = (
        f"INSERT INTO daily_usage ({ROLLUP_COLUMNS}) VALUES ({', '.join([MARK[dialect]] * 8)}) "
        f"ON CONFLICT (employee_id, site_id, feature_id, local_day) DO UPDATE SET {ADDED}"
    )
    return keys, events, rollups


class SqliteBackend:
    name = "sqlite"

    def __init__(self, workdir: str, pragmas: tuple[str, ...] = ()):
        self.workdir = workdir
        self.pragmas = pragmas  # what-if settings, run on every connection of every path
        self.template = os.path.join(workdir, "template.sqlite3")
        self.template_url = f"sqlite:///{self.template}"

    def _path(self, kind: str) -> str:
        return os.path.join(self.workdir, f"{kind}-{uuid.uuid4().hex[:8]}.sqlite3")

    def seal_template(self, engine) -> None:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    @contextmanager
    def fresh_app_db(self):
        path = self._path("app")
        shutil.copy(self.template, path)
        try:
            yield f"sqlite:///{path}"
        finally:
            _remove_sqlite(path)

    @contextmanager
    def raw_writer(self, keys: str):
        """sqlite3 on a new file with the app's pragmas (WAL, synchronous=NORMAL)."""
        path = self._path("raw")
        conn = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", *self.pragmas):
            conn.execute(f"PRAGMA {pragma}")
        ddl, insert = raw_sql("sqlite", keys)
        for statement in ddl:
            conn.execute(statement)

        def write(rows):
            conn.execute("BEGIN")
            conn.executemany(insert, rows)
            conn.execute("COMMIT")

        try:
            yield write
        finally:
            conn.close()
            _remove_sqlite(path)

    @contextmanager
    def app_writer(self):
        """sqlite3 on a fresh copy of the app's database, with the app's pragmas (foreign keys
        on); `write` runs [(sql, rows), …] by executemany in one transaction."""
        with self.fresh_app_db() as url:
            conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
            for pragma in (
                "journal_mode=WAL",
                "foreign_keys=ON",
                "synchronous=NORMAL",
                *self.pragmas,
            ):
                conn.execute(f"PRAGMA {pragma}")

            def write(statements):
                conn.execute("BEGIN")
                for sql, rows in statements:
                    conn.executemany(sql, rows)
                conn.execute("COMMIT")

            try:
                yield write
            finally:
                conn.close()

    def configure(self, engine) -> None:
        """Run the what-if pragmas on every new connection of an app engine."""
        if self.pragmas:

            @sqlalchemy.event.listens_for(engine, "connect")
            def _on_connect(dbapi_conn, _record):
                for pragma in self.pragmas:
                    dbapi_conn.execute(f"PRAGMA {pragma}")

            engine.dispose()  # a connection opened before the listener would miss them

    def describe(self) -> str:
        extra = "".join(f", PRAGMA {pragma}" for pragma in self.pragmas)
        return f"SQLite {sqlite3.sqlite_version}{extra}"

    def close(self) -> None:
        pass


class PostgresBackend:
    name = "postgresql"

    def __init__(self, server_url: str):
        self.server = make_engine(server_url, isolation_level="AUTOCOMMIT")
        self.prefix = f"uptake_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.created: list[str] = []
        self.template = self._create()
        self.template_url = self._url(self.template)

    def _create(self, template: str | None = None) -> str:
        name = f"{self.prefix}_{len(self.created)}"
        suffix = f' TEMPLATE "{template}"' if template else ""
        self.created.append(name)
        with self.server.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"{suffix}')
        return name

    def _drop(self, name: str) -> None:
        with self.server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _url(self, name: str) -> str:
        return self.server.url.set(database=name).render_as_string(hide_password=False)

    def seal_template(self, engine) -> None:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")

    @contextmanager
    def fresh_app_db(self):
        name = self._create(self.template)
        try:
            yield self._url(name)
        finally:
            self._drop(name)

    @contextmanager
    def raw_writer(self, keys: str):
        """psycopg 3 executemany (it pipelines) on a new database."""
        import psycopg

        name = self._create()
        url = self.server.url.set(database=name, drivername="postgresql")
        conn = psycopg.connect(url.render_as_string(hide_password=False))
        ddl, insert = raw_sql("postgresql", keys)
        for statement in ddl:
            conn.execute(statement)
        conn.commit()

        def write(rows):
            with conn.cursor() as cur:
                cur.executemany(insert, rows)
            conn.commit()

        try:
            yield write
        finally:
            conn.close()
            self._drop(name)

    @contextmanager
    def app_writer(self):
        """psycopg 3 on a fresh copy of the app's database; `write` runs [(sql, rows), …] by
        executemany in one transaction."""
        import psycopg

        with self.fresh_app_db() as url:
            plain = sqlalchemy.make_url(url).set(drivername="postgresql")
            conn = psycopg.connect(plain.render_as_string(hide_password=False))

            def write(statements):
                with conn.cursor() as cur:
                    for sql, rows in statements:
                        cur.executemany(sql, rows)
                conn.commit()

            try:
                yield write
            finally:
                conn.close()

    def configure(self, engine) -> None:
        pass

    def describe(self) -> str:
        with self.server.connect() as conn:
            version = conn.exec_driver_sql("SHOW server_version").scalar()
        return f"PostgreSQL {version.split()[0]} (psycopg)"

    def close(self) -> None:
        for name in reversed(self.created):  # whatever an interrupted run left behind
            self._drop(name)
        self.server.dispose()


def _remove_sqlite(path: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


def build_template(backend, data: Dataset) -> str:
    """Migrate through Alembic; sites, roster, features and an ingest token; returns the token."""
    engine = make_engine(backend.template_url)
    schema.upgrade(engine)
    now = datetime.now(UTC)
    with make_sessionmaker(engine)() as session:
        for code, tz in data.sites:
            values = {"name": f"Store {code}", "timezone": tz}
            records.put_site(session, code, values, now=now, actor="bench", default_tz="UTC")
        for user_id, site in data.employees:
            values = {"display_name": f"Person {user_id}", "site_id": site}
            records.put_employee(session, user_id, values, now=now)
        for action, values in data.features:
            feature_records.put_feature(session, action, values, now=now)
        _, token = credentials.create_token(session, role="ingest", name=SOURCE, now=now)
        session.commit()
    backend.seal_template(engine)
    engine.dispose()
    return token


class Clock:
    """Wall time and this process's CPU time since it was made."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def read(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


@dataclass
class Measured:
    """One way of storing the events, and what each repeat measured."""

    name: str
    run: Callable[[], tuple[tuple[float, float], tuple]]
    target: float | None = None  # least share of the unique-key baseline's events/s
    rates: list[float] = field(default_factory=list)
    cpu_rates: list[float] = field(default_factory=list)  # events per second of CPU
    outcome: tuple | None = None


def baseline(backend, data: Dataset, batch: int, keys: str):
    """The prepared rows, one transaction per batch: no validation, no dedup, no rollup."""
    rows = data.raw_rows[backend.name]
    with backend.raw_writer(keys) as write:
        clock = Clock()
        for i in range(0, len(rows), batch):
            write(rows[i : i + batch])
        return clock.read(), ()


def floor(backend, data: Dataset, batch: int):
    """The app's own tables (keys, indexes, foreign keys) fed the prepared rows, the new ones
    among them and their rollup deltas, each by executemany, one transaction per batch: what
    the database alone costs. Which rows are new is worked out before the clock starts."""
    rows = data.raw_rows[backend.name]
    keys, insert, upsert = floor_sql(backend.name)
    seen: set[str] = set()
    batches = []
    for i in range(0, len(rows), batch):
        part = rows[i : i + batch]
        new = []
        for row in part:
            if row[1] not in seen:
                seen.add(row[1])
                new.append(row)
        batches.append(
            [(keys, [row[:2] for row in part]), (insert, new), (upsert, _rollup_deltas(new))]
        )
    with backend.app_writer() as write:
        write(_newcomers(backend.name, data, rows[0][10]))
        clock = Clock()
        for statements in batches:
            write(statements)
        return clock.read(), ()


def _rollup_deltas(rows: list[tuple]) -> list[tuple]:
    """daily_usage deltas of new rows (aliases ignored)."""
    cells: dict[tuple, list] = {}
    for row in rows:
        cell = cells.setdefault((row[2], row[3], row[4], row[6]), [0, 0, 0, 0.0])
        if row[7] == "error":
            cell[1] += 1
        else:
            cell[0] += 1
            if row[8] is not None:
                cell[2] += 1
                cell[3] += math.log(max(row[8], 1))
    return [(*key, *counts) for key, counts in cells.items()]


def _newcomers(dialect: str, data: Dataset, stamp) -> list[tuple[str, list[tuple]]]:
    """Insert the users and actions only events name, with the ids the prepared rows give them
    (the app registers them as it goes; the floor needs them up front for its foreign keys)."""
    users = [(i, key, key, key, site, "staff", False, False, stamp, stamp)
             for key, (i, site) in data.newcomers.items() if site is not None]  # fmt: skip
    actions = [(i, key, key.split(".")[0], False, 0, False, stamp, stamp)
               for key, (i, site) in data.newcomers.items() if site is None]  # fmt: skip
    mark = MARK[dialect]
    return [
        (
            "INSERT INTO employee (id, external_id, external_key, display_name, site_id, role, "
            f"rostered, public_opt_out, created_at, updated_at) VALUES ({', '.join([mark] * 10)})",
            users,
        ),
        (
            "INSERT INTO feature (id, action, module, is_core, points, mapped, created_at, "
            f"updated_at) VALUES ({', '.join([mark] * 8)})",
            actions,
        ),
    ]


def domain(backend, data: Dataset, batch: int):
    """`ingest_batch` and a commit per batch, on the events as JSON would decode them."""
    with backend.fresh_app_db() as url:
        engine = make_engine(url)
        backend.configure(engine)
        sessions = make_sessionmaker(engine)
        counts = [0, 0, 0]
        clock = Clock()
        for chunk in data.batches(batch):
            with sessions() as session:
                result = ingest_batch(session, source=SOURCE, events=chunk, now=datetime.now(UTC))
                session.commit()
            _count(counts, result.accepted, result.duplicates, result.quarantined)
        elapsed = clock.read()
        engine.dispose()
    return elapsed, tuple(counts)


def http(backend, data: Dataset, batch: int, token: str, gzipped: bool, workdir: str):
    """POST /api/v1/events through Flask's test client, JSON encoding (and gzip) included."""
    headers = {"Authorization": f"Bearer {token}"}
    return post_batches(backend, "/api/v1/events", headers, data.batches(batch), gzipped, workdir)


def post_batches(backend, path: str, headers: dict, bodies, gzipped: bool, workdir: str):
    """POST each of `bodies` (JSON-able) to `path` on a fresh app database through Flask's test
    client, JSON encoding (and gzip) timed with it; the summed accepted, duplicates and
    quarantined counts of the answers."""
    with backend.fresh_app_db() as url:
        app = create_app(Settings(url, secret_key="bench", instance_path=pathlib.Path(workdir)))
        backend.configure(app.extensions["uptake"].engine)
        client = app.test_client()
        headers = {**headers, "Content-Type": "application/json"}
        if gzipped:
            headers["Content-Encoding"] = "gzip"
        counts = [0, 0, 0]
        clock = Clock()
        for chunk in bodies:
            body = json.dumps(chunk).encode()
            if gzipped:
                body = gzip.compress(body, compresslevel=6)
            response = client.post(path, data=body, headers=headers)
            if response.status_code != 200:
                raise SystemExit(f"HTTP {response.status_code}: {response.get_data(as_text=True)}")
            got = response.json
            _count(counts, got["accepted"], got["duplicates"], got["quarantined"])
        elapsed = clock.read()
        app.extensions["uptake"].engine.dispose()
    return elapsed, tuple(counts)


def _count(counts: list[int], *values: int) -> None:
    for i, value in enumerate(values):
        counts[i] += value


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000, help="events per request (≤ 10,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each path; medians shown")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("UPTAKE_TEST_POSTGRES_URL"))
    parser.add_argument("--gzip", action="store_true", help="gzip the HTTP request bodies")
    parser.add_argument("--seed", type=int, default=7, help="of the generated events")
    parser.add_argument("--no-domain", action="store_true", help="skip ingest_batch without HTTP")
    parser.add_argument(
        "--no-indexed", action="store_true", help="skip the baseline with the event indexes"
    )
    parser.add_argument(
        "--no-floor", action="store_true", help="skip the app's tables fed prepared rows"
    )
    parser.add_argument("--profile", action="store_true", help="profile one HTTP run instead")
    parser.add_argument(
        "--sqlite-pragma",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="what if: run PRAGMA NAME=VALUE on every SQLite connection of every path",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.batch <= 10_000:
        parser.error("--batch must be between 1 and 10,000 (the API's limit)")
    if args.database == "postgresql" and not args.pg_url:
        parser.error("--database postgresql needs --pg-url or UPTAKE_TEST_POSTGRES_URL")
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    data = generate(args.events, seed=args.seed, now=datetime.now(UTC))
    with ExitStack() as stack:
        workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="uptake-bench-"))
        if args.database == "sqlite":
            backend = SqliteBackend(workdir, tuple(args.sqlite_pragma))
        else:
            backend = PostgresBackend(args.pg_url)
        stack.callback(backend.close)
        token = build_template(backend, data)
        freeze_heap()
        post = functools.partial(http, backend, data, args.batch, token, args.gzip, workdir)
        if args.profile:
            return profile(post, len(data.events))
        raw = functools.partial(baseline, backend, data, args.batch)
        paths = [
            Measured("baseline: raw executemany", functools.partial(raw, keys="none")),
            Measured("  same, unique key", functools.partial(raw, keys="unique")),
        ]
        if not args.no_indexed:
            paths.append(
                Measured("  same, event's indexes", functools.partial(raw, keys="indexes"))
            )
        if not args.no_floor:
            run = functools.partial(floor, backend, data, args.batch)
            paths.append(Measured("floor: app tables, prepared", run))
        if not args.no_domain:
            run = functools.partial(domain, backend, data, args.batch)
            paths.append(Measured("domain: ingest_batch", run))
        paths.append(Measured("HTTP: POST /api/v1/events", post, target=TARGET))
        measure(paths, args.repeat, len(data.events))
        report(backend, data, args, paths)


def freeze_heap() -> None:
    """Keep the run's own data (every event, in three forms) out of the garbage collector's
    full passes: a server or an import holds one batch, not the whole run, and would not pay
    for scanning them."""
    gc.collect()
    gc.freeze()


def measure(paths: list[Measured], repeat: int, events: int) -> None:
    for i in range(repeat):
        turn = i % len(paths)  # rotate, so drift on a noisy machine is not always on one path
        for path in paths[turn:] + paths[:turn]:
            (elapsed, cpu), outcome = path.run()
            path.rates.append(events / elapsed)
            path.cpu_rates.append(events / cpu)
            if path.outcome is not None and outcome != path.outcome:
                print(f"warning: {path.name} counted {outcome}, before {path.outcome}")
            path.outcome = outcome


def report(backend, data: Dataset, args, paths: list[Measured]) -> None:
    print(
        f"Uptake ingest: {len(data.events):,} events in batches of {args.batch:,} on "
        f"{args.database}{', gzip' if args.gzip else ''}; median of {args.repeat} run(s)"
    )
    print(
        f"machine: {os.cpu_count()} CPU(s), {platform.system()} {platform.machine()}, Python "
        f"{platform.python_version()}, {backend.describe()}, SQLAlchemy {sqlalchemy.__version__}"
    )
    for path in paths:
        if path.outcome:
            accepted, duplicates, quarantined = path.outcome
            print(
                f"{path.name.split(':')[0]}: {accepted:,} accepted, {duplicates:,} duplicates, "
                f"{quarantined:,} quarantined"
            )
    # On SQLite all the work is this process's, so its CPU time is a second measure that other
    # programs on the machine disturb far less than wall time; on PostgreSQL the server's is not.
    cpu = args.database == "sqlite"
    cpu_head = f" {'CPU ÷ uk':>9}" if cpu else ""
    print(
        f"\n{'path':<27} {'events/s':>10} {'÷ baseline':>11} {'÷ unique key':>13} "
        f"{'target':>7} {'met':>4}{cpu_head}   each run (events/s)"
    )
    base, unique = paths[0].rates, paths[1].rates
    for path in paths:
        # the ratio of each repeat (both measured in it), then the median of those ratios
        ratio = statistics.median(r / b for r, b in zip(path.rates, base, strict=True))
        share = statistics.median(r / u for r, u in zip(path.rates, unique, strict=True))
        target, met = "", ""
        if path.target is not None:
            target, met = f"≥ {path.target:.2f}", "yes" if share >= path.target else "no"
        cpu_share = ""
        if cpu:
            pairs = zip(path.cpu_rates, paths[1].cpu_rates, strict=True)
            cpu_share = f" {statistics.median(r / u for r, u in pairs):>9.4f}"
        runs = ", ".join(f"{rate:,.0f}" for rate in path.rates)
        print(
            f"{path.name:<27} {statistics.median(path.rates):>10,.0f} {ratio:>11.4f} "
            f"{share:>13.4f} {target:>7} {met:>4}{cpu_share}   {runs}"
        )


def profile(post: Callable, events: int) -> None:
    """pyinstrument when installed (`pip install pyinstrument`), else cProfile; no timings."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        (elapsed, _), _ = profiler.runcall(post)
        pstats.Stats(profiler).strip_dirs().sort_stats("cumulative").print_stats(45)
    else:
        profiler = Profiler(interval=0.001)
        with profiler:
            (elapsed, _), _ = post()
        print(profiler.output_text(color=False, show_all=False))
    print(f"under the profiler: {events / elapsed:,.0f} events/s (the profiler slows it)")


if __name__ == "__main__":
    main()
