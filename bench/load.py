"""Load on loopback: ingestion and board reads at once against `uptake serve --workers 2`.

    .venv/bin/python bench/load.py                       # SQLite (no --pg-url, no env)
    .venv/bin/python bench/load.py --pg-url postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/load.py --duration 30 --ingest-users 4 --board-users 8 --batch 200

The load is driven by locust used as a library (`locust.env.Environment`, a local runner, its
request statistics), headless, in this one process. For each database a world is built the way
an operator builds it (`uptake db upgrade`, `uptake demo`; SQLite reuses `scale.py`'s kept
worlds, on a copy; PostgreSQL builds one in a scratch database, dropped at the end), tokens are
made for an ingest source, HR and a store manager, and `uptake serve --workers 2` (scheduler
off) starts on a free port. Then, for `--duration` seconds:

- `--ingest-users` connectors each post gzip batches of `--batch` new events, one after the
  other without pause; a 503 is sent again after its Retry-After (at most 1 s), as the API asks;
- `--board-users` people each read a leaderboard (`GET /api/v1/leaderboards`, HR's 27 boards
  and the manager's 9 of its site, chosen at random), pausing `--board-wait` seconds between.

It prints, per database: requests, req/s and events/s, p50 and p99 latency per kind (locust's
histogram keeps 2 significant digits above 100 ms), errors (status ≥ 500 other than 503, and
connection errors; the target is none), and 503s, split by whether they came at once or after
SQLite's busy timeout. Nothing is asserted. The whole script stops itself within `--budget`
seconds (default 180): each run is shortened to what the budget has left, and every request loop
is bounded by `--max-requests` too.
"""
# ruff: noqa: E402  (gevent must patch the standard library before anything else imports it)

from __future__ import annotations

import time

from gevent import monkey

STARTED = time.monotonic()  # --budget counts from here
monkey.patch_all()

import argparse
import gzip
import itertools
import json
import os
import platform
import random
import subprocess
import tempfile
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import gevent
from locust import FastHttpUser, between, constant, events, task
from locust.env import Environment
from locust.exception import StopUser
from scale import ROOT, UPTAKE, World, schema_head
from serve_workers import Chain, Postgres, Serve, Sqlite, read_chain
from sqlalchemy import select

from adoption.db import SQLITE_BUSY_TIMEOUT_S, make_engine, make_sessionmaker, unit_of_work
from adoption.identity import credentials
from adoption.models import Site

TEMPLATES = 32  # distinct event bodies; each request renumbers one, so every event is new
MARK = b"@N@"
METRICS = ("points", "proficiency", "improvement")


# ---------------------------------------------------------------- what the users send


@dataclass
class Plan:
    """What the users share: the bodies to send, the boards to read, and the tallies."""

    base: str
    ingest_headers: dict
    boards: list[tuple[dict, str]]  # (headers, path)
    templates: list[bytes]
    batch: int
    max_requests: int
    numbers: itertools.count = field(default_factory=itertools.count)
    sent: int = 0  # ingest batches taken
    reads: int = 0  # board reads started
    events_accepted: int = 0
    outcomes: dict[tuple[str, str], int] = field(default_factory=dict)

    def next_body(self) -> bytes | None:
        """A new gzip batch (its events renumbered), or None when the request bound is met."""
        if self.sent >= self.max_requests:
            return None
        self.sent += 1
        raw = self.templates[self.sent % len(self.templates)]
        return gzip.compress(raw.replace(MARK, str(next(self.numbers)).encode()), compresslevel=1)

    def count(self, kind: str, outcome: str) -> None:
        self.outcomes[kind, outcome] = self.outcomes.get((kind, outcome), 0) + 1


PLAN: Plan  # set by run_load() before the users start


def templates(chain: Chain, batch: int, seed: int) -> list[bytes]:
    """Raw JSON bodies of `batch` events: rostered people at their home sites, the last three
    days, 5 % errors, durations; event ids carry MARK, replaced per request."""
    rng = random.Random(seed)
    senders = [(user, site) for site, users in chain.people.items() for user in users]
    now, tag = datetime.now(UTC), f"ld{os.getpid()}"
    bodies = []
    for number in range(TEMPLATES):
        body = []
        for i in range(batch):
            user, site = rng.choice(senders)
            occurred = now - timedelta(seconds=rng.randrange(60, 259_200))
            body.append(
                {
                    "event_id": f"{tag}-@N@-{number}-{i}",
                    "user_id": user,
                    "site_id": site,
                    "action": rng.choice(chain.actions),
                    "occurred_at": occurred.isoformat(),
                    "outcome": "error" if rng.random() < 0.05 else "success",
                    "duration_ms": rng.randrange(300, 12_000),
                }
            )
        bodies.append(json.dumps(body, separators=(",", ":")).encode())
    return bodies


def board_paths(region: str, site: str) -> list[tuple[str, str]]:
    """(who, path): HR's 27 boards (chain, region, site × month, week, all × metric) and the
    manager's 9 of its own site."""
    today = datetime.now(UTC).date()
    periods = (f"{today:%Y-%m}", f"{today:%G-W%V}", "all")
    scopes = ("chain", f"region:{region}", f"site:{site}")
    paths = []
    for who, scope_list in (("hr", scopes), ("manager", scopes[2:])):
        for scope, period, metric in itertools.product(scope_list, periods, METRICS):
            query = urllib.parse.urlencode({"scope": scope, "period": period, "metric": metric})
            paths.append((who, f"/api/v1/leaderboards?{query}"))
    return paths


# ---------------------------------------------------------------- the users


def classify(response, kind: str) -> str:
    """Mark a locust response ok or failed; return its outcome: ok, error (≥ 500 other than
    503, or no answer), 503-at-once, 503-after-timeout, or 4xx."""
    status = response.status_code
    if status == 200:
        response.success()
        return "ok"
    if status == 503:
        slow = response.request_meta["response_time"] >= SQLITE_BUSY_TIMEOUT_S * 1000
        outcome = "503-after-timeout" if slow else "503-at-once"
    elif status == 0 or status >= 500:
        outcome = "error"
    else:
        outcome = "4xx"
    detail = response.error if status == 0 else f"HTTP {status}"
    response.failure(f"{outcome}: {detail}")
    PLAN.count(kind, outcome)
    return outcome


class Connector(FastHttpUser):
    """A store group's connector: posts batches back to back; resends a batch refused by 503."""

    wait_time = constant(0)
    network_timeout = connection_timeout = 120.0

    @task
    def send(self) -> None:
        body = PLAN.next_body()
        if body is None:
            raise StopUser()
        while True:
            with self.client.post(
                "/api/v1/events",
                data=body,
                headers=PLAN.ingest_headers,
                name="ingest",
                catch_response=True,
            ) as response:
                outcome = classify(response, "ingest")
                if outcome == "ok":
                    PLAN.events_accepted += json.loads(response.content)["accepted"]
                    return
                retry = response.headers.get("Retry-After") if response.headers else None
            if not outcome.startswith("503"):
                return
            gevent.sleep(min(float(retry or 1), 1.0))


class Reader(FastHttpUser):
    """A manager or HR looking at a leaderboard now and then."""

    network_timeout = connection_timeout = 120.0

    @task
    def read(self) -> None:
        if PLAN.reads >= PLAN.max_requests:
            raise StopUser()
        PLAN.reads += 1
        headers, path = random.choice(PLAN.boards)
        with self.client.get(path, headers=headers, name="board", catch_response=True) as r:
            classify(r, "board")


# ---------------------------------------------------------------- one database


def make_tokens(url: str) -> tuple[dict[str, str], str, str]:
    """Bearer tokens for an ingest source ("load-ingest"), HR and a manager of the first site; that
    site's code and region."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    with unit_of_work(make_sessionmaker(engine)) as session:
        site = session.scalars(select(Site).order_by(Site.code_key)).first()
        code, region = site.code, site.region or ""
        made = {
            role: credentials.create_token(
                session, role=role, name=f"load-{role}", now=now, sites=sites
            )[1]
            for role, sites in (("ingest", []), ("hr", []), ("manager", [code]))
        }
    engine.dispose()
    return made, code, region


def run_load(label: str, url: str, env: dict, args, ends: float) -> dict | None:
    """Serve `url` with two workers and load it for `--duration` seconds, or until `ends` (on
    the monotonic clock); the figures, or None when no time was left once the server answered."""
    global PLAN
    tokens, site, region = make_tokens(url)
    chain = read_chain(url)
    auth = {role: {"Authorization": f"Bearer {token}"} for role, token in tokens.items()}
    server = Serve(env | {"UPTAKE_DATABASE_URL": url}, 2, args.logdir)
    try:
        seconds = min(args.duration, ends - time.monotonic())
        if seconds < MIN_RUN_S:
            return None
        PLAN = Plan(
            base=f"http://127.0.0.1:{server.port}",
            ingest_headers=auth["ingest"]
            | {"Content-Type": "application/json", "Content-Encoding": "gzip"},
            boards=[(auth[who], path) for who, path in board_paths(region, site)],
            templates=templates(chain, args.batch, seed=7),
            batch=args.batch,
            max_requests=args.max_requests,
        )
        Connector.fixed_count, Reader.fixed_count = args.ingest_users, args.board_users
        low, high = args.board_wait
        Reader.wait_time = between(low, high)
        environment = Environment(user_classes=[Connector, Reader], host=PLAN.base, events=events)
        runner = environment.create_local_runner()
        users = args.ingest_users + args.board_users
        started = time.perf_counter()
        runner.start(users, spawn_rate=users)
        gevent.spawn_later(seconds, runner.quit)
        runner.greenlet.join()
        elapsed = time.perf_counter() - started
    finally:
        server.stop()
    return {
        "label": label,
        "seconds": elapsed,
        "stats": {kind: _entry(environment, kind) for kind in ("ingest", "board")},
        "outcomes": dict(PLAN.outcomes),
        "events": PLAN.events_accepted,
        "stored": _stored(url),
    }


def _entry(environment: Environment, kind: str) -> dict:
    entry = environment.stats.get(kind, "POST" if kind == "ingest" else "GET")
    return {
        "requests": entry.num_requests,
        "p50": entry.get_response_time_percentile(0.5) if entry.num_requests else None,
        "p99": entry.get_response_time_percentile(0.99) if entry.num_requests else None,
    }


def _stored(url: str) -> int:
    """Events of the run's source in the database (requests cut off at the end may add some)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        count = conn.exec_driver_sql("SELECT count(*) FROM event_key WHERE source = 'load-ingest'")
        stored = count.scalar()
    engine.dispose()
    return stored


# ---------------------------------------------------------------- the report


def report(figures: dict, describe: str, args) -> None:
    seconds = figures["seconds"]
    print(f"\n### {figures['label']}: {describe}\n")
    print(
        f"`uptake serve --workers 2`, {seconds:.1f} s: {args.ingest_users} connectors (batches of "
        f"{args.batch:,} events, gzip), {args.board_users} board readers "
        f"(pause {args.board_wait[0]}–{args.board_wait[1]} s)\n"
    )
    print(
        "| kind | requests | req/s | events/s | p50 ms | p99 ms | errors | 503 at once | "
        "503 after busy timeout | other 4xx |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    total_errors = 0
    for kind, stat in figures["stats"].items():
        got = {o: figures["outcomes"].get((kind, o), 0) for o in _OUTCOMES}
        total_errors += got["error"]
        rate = f"{figures['events'] / seconds:,.0f}" if kind == "ingest" else "–"
        p50, p99 = (f"{v:,}" if v is not None else "–" for v in (stat["p50"], stat["p99"]))
        print(
            f"| {kind} | {stat['requests']:,} | {stat['requests'] / seconds:,.1f} | {rate} | "
            f"{p50} | {p99} | {got['error']} | {got['503-at-once']} | "
            f"{got['503-after-timeout']} | {got['4xx']} |"
        )
    print(
        f"\nevents answered as accepted: {figures['events']:,}; stored under the source: "
        f"{figures['stored']:,} (a batch cut off at the end may be stored unanswered)"
    )
    print(f"target, zero errors: {'met' if total_errors == 0 else f'not met ({total_errors})'}")


_OUTCOMES = ("error", "503-at-once", "503-after-timeout", "4xx")


# ---------------------------------------------------------------- main


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=os.environ.get("UPTAKE_TEST_POSTGRES_URL"))
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument(
        "--world", type=World.parse, default=World(20, 0, 2), help="SITES:PEOPLE:WEEKS"
    )
    parser.add_argument("--duration", type=float, default=45.0, help="seconds of load per db")
    parser.add_argument("--budget", type=float, default=180.0, help="seconds for everything")
    parser.add_argument("--ingest-users", type=int, default=4)
    parser.add_argument("--board-users", type=int, default=8)
    parser.add_argument("--board-wait", default="0.1:0.5", help="MIN:MAX seconds between reads")
    parser.add_argument("--batch", type=int, default=500, help="events per ingest request")
    parser.add_argument(
        "--max-requests",
        type=int,
        default=20_000,
        help="ingest batches, and board reads, at most per database",
    )
    parser.add_argument("--worlds", type=Path, default=ROOT / "bench" / ".worlds")
    args = parser.parse_args(argv)
    args.board_wait = tuple(float(part) for part in args.board_wait.split(":"))
    if not 1 <= args.batch <= 10_000:
        parser.error("--batch must be between 1 and 10,000 (the API's limit)")
    return args


RESERVE_S = 25  # kept for stopping servers, dropping databases and printing
START_S = 15  # what `uptake serve` may take to answer /readyz on a busy machine
MIN_RUN_S = 5


def main(argv=None) -> None:
    args = parse_args(argv)
    deadline = STARTED + args.budget - RESERVE_S
    print(
        f"# bench/load.py on {platform.node()}: {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f}, Python {platform.python_version()}; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; world {args.world.name}"
    )
    with tempfile.TemporaryDirectory(prefix="uptake-load-") as tmp:
        args.logdir = Path(tmp)
        env = {**os.environ, "UPTAKE_INSTANCE_PATH": str(args.logdir / "instance")}
        databases = [] if args.no_sqlite else ["sqlite"]
        databases += ["postgresql"] if args.pg_url else []
        if not args.pg_url:
            print("no --pg-url (nor UPTAKE_TEST_POSTGRES_URL): PostgreSQL skipped")
        for number, kind in enumerate(databases):
            ends = time.monotonic() + (deadline - time.monotonic()) / (len(databases) - number)
            if kind == "sqlite":
                figures = _on_sqlite(args, env, ends)
            else:
                figures = _on_postgres(args, env, ends)
            if figures is not None:
                report(*figures, args)


def _on_sqlite(args, env: dict, ends: float) -> tuple[dict, str] | None:
    """The load on a copy of the kept SQLite world (built first when missing)."""
    kept = args.worlds / f"{args.world.name}-{schema_head()}.sqlite3"
    if not kept.exists():
        partial = kept.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        args.worlds.mkdir(parents=True, exist_ok=True)
        if not build(args.world, f"sqlite:///{partial}", env, ends - time.monotonic()):
            return None
        partial.rename(kept)
    db = Sqlite(args.world, args.worlds, args.logdir)
    url = db.copy("load")
    try:
        figures = run_load(db.label, url, env, args, ends)
    finally:
        db.discard(url)
    return _or_skipped(db, figures)


def _on_postgres(args, env: dict, ends: float) -> tuple[dict, str] | None:
    """The load on a world built in a scratch database, dropped at the end."""
    db = Postgres(args.pg_url, "uptake_load")
    try:
        if not build(args.world, db.world_url, env, ends - time.monotonic()):
            return None
        return _or_skipped(db, run_load(db.label, db.world_url, env, args, ends))
    finally:
        db.close()


def _or_skipped(db, figures: dict | None) -> tuple[dict, str] | None:
    if figures is None:
        print(f"\n### {db.label}: skipped, its share of the budget was spent before the load")
        return None
    return figures, db.describe()


def build(world: World, url: str, env: dict, timeout: float) -> bool:
    """`uptake db upgrade` and `uptake demo` into `url`, within `timeout` seconds in all (less
    what `uptake serve` and a short run need); False when that was not enough."""
    print(f"building {world.name} ({url.split(':')[0]}) …", flush=True)
    ends = time.monotonic() + timeout - START_S - MIN_RUN_S
    try:
        for command in (["db", "upgrade"], ["demo", *world.demo_args()]):
            subprocess.run(
                [UPTAKE, *command],
                env=env | {"UPTAKE_DATABASE_URL": url},
                cwd=ROOT,
                capture_output=True,
                check=True,
                timeout=max(1.0, ends - time.monotonic()),
            )
    except subprocess.TimeoutExpired:
        print(f"the world {world.name} was not built within the budget: skipped")
        return False
    return True


if __name__ == "__main__":
    main()
