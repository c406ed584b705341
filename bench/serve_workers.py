"""HTTP ingest through `uptake serve` (gunicorn) with one worker and with two, side by side.

    .venv/bin/python bench/serve_workers.py --pg-url postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/serve_workers.py                  # SQLite only (no --pg-url, no env)
    .venv/bin/python bench/serve_workers.py --workers 1,2,3 --clients 6 --batches 120 --rounds 3
    .venv/bin/python bench/serve_workers.py --mix chain       # every batch spans the whole chain

Issue 11 asks for `uptake serve --workers 2` to ingest at least 1.6 times what one worker does,
on PostgreSQL. A small world is built the way an operator builds it (`uptake db upgrade`,
`uptake demo`, `uptake tokens create --role ingest`). Each run then gets a fresh copy of it,
starts `uptake serve --workers N` on a free port and drives `POST /api/v1/events` from
`--clients` threads: gzip bodies of `--batch` events, all encoded and compressed before the
clock starts, every event new (unique event_ids), taken from one shared queue so that no client
idles while batches remain. Warm-up batches go first, until every worker holds its database
connection; the clock covers the `--batches` timed batches only. Runs alternate the worker
counts (1, 2, then 2, 1, …), so drift on a shared machine does not favour one of them.

During each timed window the script reads the CPU time of every process involved from /proc:
the gunicorn workers, the PostgreSQL backends of the run's database, PostgreSQL's other
processes (WAL writer, checkpointer, autovacuum, other databases' backends), this client, and
the whole machine. It also samples `pg_stat_activity` for what the run's backends wait on. The
ceiling lines divide the machine's cores by the CPU one worker's run spent per event: a second
worker cannot go faster than the cores left over allow. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scale import ROOT, UPTAKE, Figures, World, build_world, free_port, run_child, sqlite_world

TARGET = 1.6  # issue 11: two workers ingest at least 1.6 times what one worker does
TICK = os.sysconf("SC_CLK_TCK")
SAMPLE_EVERY_S = 0.1
NOISY_CORES = 0.1  # other processes busier than this during a run make its figures noisy
SPARE_WARMUP = 4  # rounds of one batch per client kept for workers that connect late
GROUPS = ("workers", "PostgreSQL, this database", "PostgreSQL, other", "client", "rest")


# ---------------------------------------------------------------- /proc


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(command name, parent pid, CPU seconds of user and system time) of a process, or None
    when it has gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def _processes() -> dict[int, tuple[str, int, float]]:
    found = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None:
                found[int(entry.name)] = stat
    return found


def _machine_busy() -> tuple[float, float]:
    """CPU seconds the whole machine has spent busy since boot (all cores; idle and iowait are
    not busy, nor is steal), and the seconds the hypervisor stole from it."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values
    return (user + nice + system + irq + softirq) / TICK, steal / TICK


@dataclass
class CpuSnapshot:
    at: float
    machine: float
    steal: float
    client: float
    procs: dict[int, tuple[str, int, float]]


def cpu_snapshot() -> CpuSnapshot:
    times = os.times()
    return CpuSnapshot(
        time.perf_counter(), *_machine_busy(), times.user + times.system, _processes()
    )


def cpu_shares(
    before: CpuSnapshot, after: CpuSnapshot, workers: set[int], backends: set[int]
) -> dict[str, float]:
    """Cores each group kept busy on average between two snapshots (CPU seconds ÷ wall seconds).
    A process that started in between counts from zero; one that ended is lost (none should)."""
    wall = after.at - before.at
    spent = dict.fromkeys(GROUPS, 0.0)
    for pid, (name, _ppid, cpu) in after.procs.items():
        if pid == os.getpid():
            continue
        start = before.procs[pid][2] if pid in before.procs else 0.0
        if pid in workers:
            spent["workers"] += cpu - start
        elif pid in backends:
            spent["PostgreSQL, this database"] += cpu - start
        elif name == "postgres":
            spent["PostgreSQL, other"] += cpu - start
    spent["client"] = after.client - before.client
    machine = after.machine - before.machine
    spent["rest"] = max(0.0, machine - sum(spent.values()))
    shares = {group: value / wall for group, value in spent.items()}
    shares["machine"] = machine / wall
    shares["steal"] = (after.steal - before.steal) / wall
    return shares


def wait_for_quiet(limit_s: float, busy_cores: float) -> float:
    """Wait (at most `limit_s`) for a second in which the machine keeps fewer than `busy_cores`
    cores busy: other people's work on a shared machine would otherwise run on the clock.
    Returns the cores busy in the last second measured."""
    deadline = time.perf_counter() + limit_s
    while True:
        start, busy = time.perf_counter(), _machine_busy()[0]
        time.sleep(1.0)
        cores = (_machine_busy()[0] - busy) / (time.perf_counter() - start)
        if cores < busy_cores or time.perf_counter() >= deadline:
            return cores


# ---------------------------------------------------------------- databases


class Postgres:
    """A world in a scratch database of the server; each run on a copy (CREATE DATABASE …
    TEMPLATE), dropped after the run. Everything made is dropped at the end."""

    label = "PostgreSQL"

    def __init__(self, server_url: str, prefix: str):
        import psycopg

        self.server_url = server_url.replace("postgresql+psycopg://", "postgresql://", 1)
        self.admin = psycopg.connect(self.server_url, autocommit=True)
        self.name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.made: list[str] = []
        self.world_url = self._create(self.name)

    def _url(self, name: str) -> str:
        from sqlalchemy.engine import make_url

        url = make_url(self.server_url).set(database=name)
        return url.render_as_string(hide_password=False)

    def _create(self, name: str, template: str | None = None) -> str:
        suffix = f' TEMPLATE "{template}"' if template else ""
        self.admin.execute(f'CREATE DATABASE "{name}"{suffix}')
        self.made.append(name)
        return self._url(name)

    def _drop(self, name: str) -> None:
        self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def seal(self) -> None:
        """VACUUM ANALYZE the world once, so every copy starts with the same statistics."""
        import psycopg

        with psycopg.connect(self.world_url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")

    def copy(self, tag: str) -> str:
        return self._create(f"{self.name}_{tag}", template=self.name)

    def discard(self, url: str) -> None:
        self._drop(url.rsplit("/", 1)[1])

    def backends(self, url: str) -> set[int]:
        """Backend pids connected to the run's database."""
        rows = self.admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (url.rsplit("/", 1)[1],)
        )
        return {pid for (pid,) in rows}

    def waits(self, url: str) -> list[str]:
        """What each backend of the run's database is doing right now: a wait event, running,
        or idle (waiting for the worker to send something)."""
        rows = self.admin.execute(
            "SELECT state, wait_event_type, wait_event FROM pg_stat_activity WHERE datname = %s",
            (url.rsplit("/", 1)[1],),
        )
        return [_wait_label(*row) for row in rows]

    def connected(self, url: str, workers: set[int]) -> bool:
        return len(self.backends(url)) >= len(workers)

    def describe(self) -> str:
        version = self.admin.execute("SHOW server_version").fetchone()[0]
        settings = dict(
            self.admin.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN "
                "('synchronous_commit', 'shared_buffers', 'max_connections')"
            ).fetchall()
        )
        return (
            f"PostgreSQL {version.split()[0]}, synchronous_commit={settings['synchronous_commit']}"
            f", shared_buffers={int(settings['shared_buffers']) * 8 // 1024} MB"
            f", max_connections={settings['max_connections']}"
        )

    def close(self) -> None:
        for name in reversed(self.made):
            self._drop(name)
        self.admin.close()


def _wait_label(state: str | None, kind: str | None, event: str | None) -> str:
    if kind and state != "idle":
        return f"{kind}:{event}"
    if state == "active":
        return "running (CPU)"
    return "idle (waiting for the worker)" if state == "idle" else state or "unknown"


class Sqlite:
    """The kept world of `bench/scale.py` (bench/.worlds), each run on a copy of the file."""

    label = "SQLite"

    def __init__(self, world: World, worlds: Path, workdir: Path):
        self.workdir = workdir
        path = workdir / "world.sqlite3"  # the token is made here: the kept world stays as it is
        shutil.copy(sqlite_world(world, worlds, Figures()), path)
        self.world_url = f"sqlite:///{path}"

    def seal(self) -> None:
        pass

    def copy(self, tag: str) -> str:
        path = self.workdir / f"run-{tag}.sqlite3"
        shutil.copy(self.world_url.removeprefix("sqlite:///"), path)
        return f"sqlite:///{path}"

    def discard(self, url: str) -> None:
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)

    def backends(self, url: str) -> set[int]:
        return set()

    def waits(self, url: str) -> list[str]:
        return []

    def connected(self, url: str, workers: set[int]) -> bool:
        """Every worker has the database file open."""
        path = os.path.realpath(url.removeprefix("sqlite:///"))
        for pid in workers:
            try:
                fds = os.listdir(f"/proc/{pid}/fd")
            except FileNotFoundError:
                return False
            links = set()
            for fd in fds:
                try:
                    links.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
                except OSError:
                    continue
            if path not in links:
                return False
        return True

    def describe(self) -> str:
        return f"SQLite {sqlite3.sqlite_version} (WAL, one writer at a time)"

    def close(self) -> None:
        pass


# ---------------------------------------------------------------- the events


@dataclass(frozen=True)
class Chain:
    """Who may send events: rostered people at their home sites, and the feature catalogue."""

    people: dict[str, list[str]]  # site code → external ids of its rostered people
    actions: list[str]


def read_chain(url: str) -> Chain:
    """The world's rostered people by home site, and its feature actions."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    else:
        import psycopg

        conn = psycopg.connect(url)
    rows = conn.execute(
        "SELECT e.external_id, s.code FROM employee e JOIN site s ON s.id = e.site_id "
        "WHERE e.rostered ORDER BY s.code, e.external_id"
    ).fetchall()
    actions = [row[0] for row in conn.execute("SELECT action FROM feature ORDER BY action")]
    conn.close()
    people: dict[str, list[str]] = {}
    for user, site in rows:
        people.setdefault(site, []).append(user)
    return Chain(people, actions)


def prepare_bodies(
    chain: Chain, count: int, batch: int, groups: int, mix: str, tag: str, seed: int
) -> list[bytes]:
    """`count` gzip bodies of `batch` events each, every event_id new. With mix "sites" the
    sites are split into `groups` groups and batch i holds events of group i mod `groups`, the
    way each store group's connector sends its own; with "chain" every batch spans every site."""
    rng = random.Random(seed)
    sites = sorted(chain.people)
    slices = [sites[g::groups] for g in range(groups)] if mix == "sites" else [sites]
    senders = [[(user, site) for site in part for user in chain.people[site]] for part in slices]
    now = datetime.now(UTC)
    bodies = []
    for number in range(count):
        pool = senders[number % len(senders)]
        events = []
        for i in range(batch):
            user, site = rng.choice(pool)
            occurred = now - timedelta(seconds=rng.randrange(60, 3 * 86_400))
            event = {
                "event_id": f"sw-{tag}-{number:05d}-{i:04d}",
                "user_id": user,
                "site_id": site,
                "action": rng.choice(chain.actions),
                "occurred_at": occurred.isoformat(timespec="milliseconds"),
                "duration_ms": rng.randrange(300, 12_000),
            }
            if rng.random() < 0.05:
                event["outcome"] = "error"
            if rng.random() < 0.3:
                event["properties"] = {"terminal": f"T{rng.randrange(1, 9):02d}"}
            events.append(event)
        body = json.dumps(events, separators=(",", ":")).encode()
        bodies.append(gzip.compress(body, compresslevel=6))
    return bodies


# ---------------------------------------------------------------- the server and the clients


class Serve:
    """`uptake serve --workers N` on a free port (scheduler off), until stop()."""

    def __init__(self, env: dict, workers: int, logdir: Path):
        self.port = free_port()
        self.log = logdir / f"serve-{self.port}.log"
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [UPTAKE, "serve", "--port", str(self.port), "--workers", str(workers)],
                env={**env, "UPTAKE_SCHEDULER": "off"},
                cwd=ROOT,
                stdout=subprocess.DEVNULL,  # the access log, one line per request
                stderr=log,
            )
        for _ in range(300):
            try:
                url = f"http://127.0.0.1:{self.port}/readyz"
                urllib.request.urlopen(url, timeout=2).read()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"uptake serve did not start:\n{self.log.read_text()[-3000:]}")

    def workers(self) -> set[int]:
        return {pid for pid, (_, ppid, _) in _processes().items() if ppid == self.proc.pid}

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Client:
    """`clients` threads, each with its own HTTP/1.1 connection, sending bodies from one queue.
    A connection the server closes after its answer is opened again for the next request."""

    def __init__(self, port: int, token: str, clients: int):
        self.port = port
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            "Connection": "keep-alive",
        }
        self.local = threading.local()
        self.pool = ThreadPoolExecutor(max_workers=clients)
        self.lock = threading.Lock()
        self.requests = 0
        self.closed = 0  # answers after which the server closed the connection
        self.refused: list[float] = []  # seconds each 503 (SQLite locked) took; sent again

    def _send(self, body: bytes) -> tuple[float, int]:
        """Post one body until it is stored; (seconds from the first try, events accepted).
        A 503 (SQLite stayed locked) is sent again, as the API asks (`Retry-After`)."""
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        start = time.perf_counter()
        while True:
            conn.request("POST", "/api/v1/events", body, self.headers)
            response = conn.getresponse()
            data = response.read()
            with self.lock:
                self.requests += 1
                if response.will_close:
                    self.closed += 1
            if response.will_close:
                conn.close()
            if response.status == 503:
                with self.lock:
                    self.refused.append(time.perf_counter() - start)
                time.sleep(0.05)
                continue
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}: {data[:500]!r}")
            got = json.loads(data)
            if got["duplicates"] or got["quarantined"]:
                raise RuntimeError(f"not every event landed: {got}")
            return time.perf_counter() - start, got["accepted"]

    def send_all(self, bodies: list[bytes]) -> list[tuple[float, int]]:
        return list(self.pool.map(self._send, bodies))

    def close(self) -> None:
        self.pool.shutdown()


# ---------------------------------------------------------------- one run


@dataclass
class Run:
    workers: int
    events: int
    seconds: float
    latencies: list[float]
    shares: dict[str, float]
    waits: Counter = field(default_factory=Counter)
    requests: int = 0
    closed: int = 0
    refused: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    @property
    def noise(self) -> float:
        """Cores kept busy by processes not in the run (other databases' backends included)."""
        return self.shares["rest"] + self.shares["PostgreSQL, other"]

    def cpu_ms_per_1000(self, *groups: str) -> float:
        return sum(self.shares[g] for g in groups) * self.seconds * 1000 / (self.events / 1000)


def one_run(db, env: dict, workers: int, bodies: list[bytes], token: str, args, tag: str):
    """One timed run of `uptake serve --workers N` on a fresh copy of the world."""
    url = db.copy(tag)
    try:
        server = Serve({**env, "UPTAKE_DATABASE_URL": url}, workers, args.logdir)
        client = Client(server.port, token, args.clients)
        try:
            warm, timed = bodies[: -args.batches], bodies[-args.batches :]
            # Warm-up goes on past --warmup until every worker holds its database connection:
            # gunicorn workers boot one after another, and a late one must not warm up on the
            # clock.
            sent = 0
            while True:
                if sent >= len(warm):
                    raise RuntimeError(f"not every worker connected after {sent} batches")
                client.send_all(warm[sent : sent + args.clients])
                sent += args.clients
                pids = server.workers()
                if sent >= args.warmup and len(pids) == workers and db.connected(url, pids):
                    break
            backends = db.backends(url)
            idle = wait_for_quiet(args.quiet_wait, args.quiet_cores)
            if idle >= args.quiet_cores:
                print(
                    f"  (the machine stayed busy: {idle:.2f} cores before the clock started)",
                    flush=True,
                )
            counted_before = (client.requests, client.closed, len(client.refused))
            waits: Counter = Counter()
            stop = threading.Event()
            sampler = threading.Thread(target=_sample, args=(db, url, waits, stop))
            before = cpu_snapshot()
            sampler.start()
            results = client.send_all(timed)
            after = cpu_snapshot()
            stop.set()
            sampler.join()
            if server.workers() != pids:
                raise RuntimeError("a gunicorn worker was replaced during the run")
        finally:
            client.close()
            server.stop()
    finally:
        db.discard(url)
    return Run(
        workers=workers,
        events=sum(accepted for _, accepted in results),
        seconds=after.at - before.at,
        latencies=[elapsed for elapsed, _ in results],
        shares=cpu_shares(before, after, pids, backends),
        waits=waits,
        requests=client.requests - counted_before[0],
        closed=client.closed - counted_before[1],
        refused=client.refused[counted_before[2] :],
    )


def _sample(db, url: str, waits: Counter, stop: threading.Event) -> None:
    while not stop.wait(SAMPLE_EVERY_S):
        waits.update(db.waits(url))


# ---------------------------------------------------------------- the report


def print_run(db, run: Run, number: int) -> None:
    shown = [g for g in GROUPS if isinstance(db, Postgres) or not g.startswith("PostgreSQL")]
    cores = ", ".join(f"{g} {run.shares[g]:.2f}" for g in shown)
    print(
        f"  {db.label} workers={run.workers} run {number}: {run.events:,} events in "
        f"{run.seconds:.1f} s = {run.rate:,.0f} events/s; request p50 "
        f"{statistics.median(run.latencies) * 1000:.0f} ms; cores busy: {cores}; "
        f"machine {run.shares['machine']:.2f} of {os.cpu_count()}, "
        f"stolen by the hypervisor {run.shares['steal']:.2f}",
        flush=True,
    )


def summary(db, runs: list[Run], workers: list[int]) -> dict[int, float]:
    """Print one database's table, ratios and diagnostics; its median events/s by worker count."""
    cores = os.cpu_count() or 1
    rates = {n: statistics.median(r.rate for r in runs if r.workers == n) for n in workers}
    server_groups = ("workers", "PostgreSQL, this database", "PostgreSQL, other")
    print(f"\n### {db.label}: {db.describe()}\n")
    print(
        "| workers | events/s (median) | each run | CPU ms per 1,000 events: worker / "
        "PostgreSQL / PG other / client | cores busy (machine) | request p50 |"
    )
    print("|---:|---:|---|---|---:|---:|")
    for n in workers:
        mine = [r for r in runs if r.workers == n]
        cost = " / ".join(
            f"{statistics.median(r.cpu_ms_per_1000(g) for r in mine):.0f}"
            for g in (*server_groups, "client")
        )
        busy = statistics.median(r.shares["machine"] for r in mine)
        p50 = statistics.median(statistics.median(r.latencies) for r in mine) * 1000
        each = ", ".join(f"{r.rate:,.0f}" for r in mine)
        print(f"| {n} | {rates[n]:,.0f} | {each} | {cost} | {busy:.2f} of {cores} | {p50:.0f} ms |")
    base = rates[workers[0]]
    one = [r for r in runs if r.workers == workers[0]]
    whole = statistics.median(r.cpu_ms_per_1000(*server_groups, "client") for r in one)
    server = statistics.median(r.cpu_ms_per_1000(*server_groups) for r in one)
    print()
    quiet = [r for r in runs if r.noise < NOISY_CORES]
    for n in workers[1:]:
        ratio = rates[n] / base
        print(f"**{n} workers ÷ {workers[0]}: {ratio:.2f}×** ({_verdict(db, n, ratio)})")
        mine, theirs = ([r.rate for r in quiet if r.workers == m] for m in (n, workers[0]))
        if len(quiet) < len(runs) and mine and theirs:
            ratio = statistics.median(mine) / statistics.median(theirs)
            print(
                f"  over the quiet runs only ({len(theirs)} and {len(mine)}, other processes "
                f"below {NOISY_CORES} cores): {ratio:.2f}× ({_verdict(db, n, ratio)})"
            )
    print(
        f"estimated CPU ceiling on {cores} cores, from the CPU the {workers[0]}-worker runs spent "
        f"per event: {cores * 1e6 / whole:,.0f} events/s with this client on the machine "
        f"({cores * 1e6 / whole / base:.2f}× one worker), {cores * 1e6 / server:,.0f} events/s "
        f"with the client elsewhere ({cores * 1e6 / server / base:.2f}×)"
    )
    requests = sum(r.requests for r in runs)
    closed = sum(r.closed for r in runs)
    print(
        f"connections: the server closed {closed:,} of {requests:,} after its answer "
        "(gunicorn's sync worker does not keep connections alive)"
    )
    refused = [seconds for r in runs for seconds in r.refused]
    if refused:
        print(
            f"{len(refused):,} answers were 503 (database locked), after a median "
            f"{statistics.median(refused) * 1000:.0f} ms; each batch was sent again, on the clock"
        )
    busy = [r for r in runs if r.noise >= NOISY_CORES]
    if busy:
        print(
            f"warning: other processes kept ≥ {NOISY_CORES} cores busy during {len(busy)} of "
            f"{len(runs)} runs ('rest' and 'PostgreSQL, other' above); the figures are noisy"
        )
    for n in workers:
        waits = sum((r.waits for r in runs if r.workers == n), Counter())
        total = sum(waits.values())
        if total:
            top = ", ".join(f"{name} {count / total:.0%}" for name, count in waits.most_common(6))
            print(
                f"PostgreSQL backends with {n} worker(s), sampled every "
                f"{SAMPLE_EVERY_S * 1000:.0f} ms: {top}"
            )
    return rates


def _verdict(db, workers: int, ratio: float) -> str:
    if workers != 2:
        return "no target"
    if isinstance(db, Postgres):
        return f"target ≥ {TARGET}×: {'met' if ratio >= TARGET else 'not met'}"
    return f"for information; the target ≥ {TARGET}× is PostgreSQL's"


# ---------------------------------------------------------------- main


def measure(db, env: dict, args) -> dict[int, float]:
    """Every run on one database; the summary's events/s by worker count."""
    if isinstance(db, Postgres):
        print(f"building {args.world.name} (PostgreSQL) …", flush=True)
        build_world(args.world, db.world_url, args.logdir / "instance", Figures())
    db.seal()
    world_env = {**env, "UPTAKE_DATABASE_URL": db.world_url}
    _wall, out = run_child(
        [UPTAKE, "tokens", "create", "--role", "ingest", "--name", "bench-workers"], world_env
    )
    token = out.strip().splitlines()[-1]
    chain = read_chain(db.world_url)
    total = args.warmup + SPARE_WARMUP * args.clients + args.batches
    runs: list[Run] = []
    for round_number in range(args.rounds):
        order = args.workers if round_number % 2 == 0 else list(reversed(args.workers))
        for n in order:
            tag = f"r{round_number}w{n}"
            bodies = prepare_bodies(
                chain, total, args.batch, args.clients, args.mix, tag, seed=round_number
            )
            run = one_run(db, world_env, n, bodies, token, args, tag)
            runs.append(run)
            print_run(db, run, round_number + 1)
    return summary(db, runs, args.workers)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=os.environ.get("UPTAKE_TEST_POSTGRES_URL"))
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument(
        "--world", type=World.parse, default=World(20, 0, 2), help="SITES:PEOPLE:WEEKS"
    )
    parser.add_argument(
        "--workers", default="1,2", help="worker counts to compare, the first is the base"
    )
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--batch", type=int, default=500, help="events per request")
    parser.add_argument("--batches", type=int, default=160, help="timed batches per run")
    parser.add_argument("--warmup", type=int, default=8, help="batches before the clock")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each worker count")
    parser.add_argument("--mix", choices=("sites", "chain"), default="sites")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=5.0,
        help="seconds to wait, before each timed window, for the machine to be quiet",
    )
    parser.add_argument(
        "--quiet-cores", type=float, default=0.25, help="cores busy that still count as quiet"
    )
    parser.add_argument("--worlds", type=Path, default=ROOT / "bench" / ".worlds")
    args = parser.parse_args(argv)
    args.workers = [int(n) for n in args.workers.split(",")]
    if len(args.workers) < 2:
        parser.error("--workers needs at least two counts, e.g. 1,2")
    if not 1 <= args.batch <= 10_000:
        parser.error("--batch must be between 1 and 10,000 (the API's limit)")
    args.warmup = max(args.warmup, args.clients)
    return args


def main(argv=None) -> dict[str, dict[int, float]]:
    args = parse_args(argv)
    print(
        f"# bench/serve_workers.py on {platform.node()}: {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f}, Python {platform.python_version()}; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    print(
        f"world {args.world.name}; {args.clients} client threads, batches of {args.batch:,} "
        f"events (gzip), {args.warmup} warm-up + {args.batches} timed batches per run, "
        f"{args.rounds} run(s) per worker count, mix: {args.mix}"
    )
    results = {}
    with tempfile.TemporaryDirectory(prefix="uptake-workers-") as tmp:
        args.logdir = Path(tmp)
        env = {**os.environ, "UPTAKE_INSTANCE_PATH": str(args.logdir / "instance")}
        if args.pg_url:
            db = Postgres(args.pg_url, "uptake_workers")
            try:
                results["PostgreSQL"] = measure(db, env, args)
            finally:
                db.close()
        else:
            print("no --pg-url (nor UPTAKE_TEST_POSTGRES_URL): PostgreSQL skipped")
        if not args.no_sqlite:
            results["SQLite"] = measure(Sqlite(args.world, args.worlds, args.logdir), env, args)
    return results


if __name__ == "__main__":
    main()
