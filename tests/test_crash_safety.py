"""Crash safety: `uptake serve` killed (SIGKILL) mid-batch, `uptake import events` killed
mid-import and HR's month close (`uptake jobs run close-month --month`) killed mid-way.

After a restart and a resend or re-run, every event is stored exactly once, the rollups equal a
recount of the stored events, the points ledger (after the points job runs again) equals a full
re-derivation from the events, and no month is half closed.

Real processes on a real database: a SQLite file upgraded by Alembic, and a scratch PostgreSQL
database when UPTAKE_TEST_POSTGRES_URL is set. Each module run builds one demo world per back end
(`uptake demo`, in this process) and each test works on a copy of it. Instead of sleeping a
guessed time, a test polls the database until the process it kills is inside a write
transaction, then kills it at once. When the process finished before that could be seen, the
same checks still hold (the batch, import or close is then whole).
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from adoption import schema
from adoption.calendar import Month
from adoption.config import Settings
from adoption.db import make_engine, make_sessionmaker, scratch_postgres, unit_of_work
from adoption.identity import credentials
from adoption.ingest.batch import ingest_batch
from adoption.jobs.models import JobRun
from adoption.models import Employee, Event, EventKey, Feature, Site
from api import create_app
from api.cli.main import main
from api.jobs import run_job
from rewards.champions.months import compute_month
from rewards.models import ChampionEntry, ChampionPeriod
from rewards.points import booked_points, desired_points, pairs_between
from tests.conftest import BACKENDS, PG_SERVER_URL
from tests.helpers import assert_rollups_recount

pytestmark = pytest.mark.slow

UPTAKE = str(Path(sys.executable).with_name("uptake"))
ROOT = Path(__file__).resolve().parent.parent
BATCH = 10_000  # the API's largest batch
IMPORT_EVENTS, IMPORT_BATCH = 20_000, 5_000  # four batches, each its own unit of work
DEADLINE_S = 90  # a process that never reaches the awaited state fails the test by then
POLL_S = 0.005


@dataclass(frozen=True)
class World:
    url: str  # the demo world; every test works on a copy
    people: list[tuple[str, str]]  # (user id, home site code) of rostered people
    actions: list[str]
    month: str  # the month before last: over at every site, whatever today is
    ingest_token: str  # source "crash-pos"
    hr_token: str


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    directory = tmp_path_factory.mktemp("crash-world")
    if request.param == "sqlite":
        yield _build_world(f"sqlite:///{directory / 'world.sqlite3'}", directory)
        return
    with scratch_postgres(PG_SERVER_URL, "uptake_crash") as url:
        yield _build_world(url, directory)


def _build_world(url: str, directory: Path) -> World:
    engine = make_engine(url)
    schema.upgrade(engine)
    env = {"UPTAKE_DATABASE_URL": url, "UPTAKE_INSTANCE_PATH": str(directory / "instance")}
    demo = CliRunner().invoke(main, ["demo", "--sites", "5", "--weeks", "9"], env=env)
    assert demo.exit_code == 0, demo.output
    now = datetime.now(UTC)
    with unit_of_work(make_sessionmaker(engine)) as session:
        people = session.execute(
            select(Employee.external_id, Site.code)
            .join(Site, Site.id == Employee.site_id)
            .where(Employee.rostered)
            .order_by(Employee.external_id)
        ).all()
        actions = session.scalars(
            select(Feature.action).where(Feature.alias_of.is_(None)).order_by(Feature.action)
        ).all()
        _, ingest = credentials.create_token(session, role="ingest", name="crash-pos", now=now)
        _, hr = credentials.create_token(session, role="hr", name="crash-hr", now=now)
    engine.dispose()
    month = str(Month.of(now.date()).previous().previous())
    return World(url, [tuple(p) for p in people], list(actions), month, ingest, hr)


@pytest.fixture
def db(world, tmp_path):
    """A copy of the world: the file, or a database made from it as a template."""
    if world.url.startswith("sqlite"):
        path = tmp_path / "uptake.sqlite3"
        with sqlite3.connect(make_url(world.url).database) as source, sqlite3.connect(path) as to:
            source.backup(to)
        yield f"sqlite:///{path}"
        return
    server = make_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
    template, name = make_url(world.url).database, f"crash_{uuid.uuid4().hex[:10]}"
    with server.connect() as conn:
        conn.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
            f"'{template}' AND pid <> pg_backend_pid()"  # the demo's pooled connections
        )
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield make_url(world.url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


@pytest.fixture
def engine(db):
    engine = make_engine(db)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine):
    return make_sessionmaker(engine)


def scalar(engine, statement):
    """One read on a plain connection, which on SQLite begins DEFERRED: it never waits for the
    writer being watched (the app's sessions begin IMMEDIATE there)."""
    with engine.connect() as conn:
        return conn.scalar(statement)


# ---------------------------------------------------------------- processes


def child_env(db: str, tmp_path: Path) -> dict:
    return {
        **os.environ,
        "UPTAKE_DATABASE_URL": db,
        "UPTAKE_INSTANCE_PATH": str(tmp_path / "instance"),
        "UPTAKE_SCHEDULER": "off",
    }


def start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    """`uptake ARGS` in a process group of its own, so one SIGKILL reaches all its processes."""
    with log.open("ab") as err:
        return subprocess.Popen(
            [UPTAKE, *args],
            env=env,
            cwd=ROOT,
            stdout=err,
            stderr=err,
            start_new_session=True,
        )


def kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def wait_for(
    condition: Callable[[], bool], finished: Callable[[], bool], every: float = POLL_S
) -> bool:
    """Poll until `condition` holds (True), or until `finished` says the process being watched
    is done (False). The pause between polls leaves the CPU to that process."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if condition():
            return True
        if finished():
            return False
        time.sleep(every)
    raise AssertionError("the process never reached the awaited state")


@contextmanager
def server(env: dict, log: Path):
    """`uptake serve` (one worker) on a free port; yields the port; killed at the end."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = start(["serve", "--port", str(port), "--workers", "1"], env, log)
    try:
        wait_for(lambda: _ready(port), lambda: proc.poll() is not None, every=0.1)
        assert proc.poll() is None, log.read_text()[-3000:]
        yield port, proc
    finally:
        kill(proc)


def _ready(port: int) -> bool:
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2).status == 200
    except OSError:
        return False


@contextmanager
def write_probe(db: str):
    """Yields a probe: is another connection inside a write transaction on the database now?
    SQLite: our own `BEGIN IMMEDIATE` is refused at once (and rolled back when it is not);
    PostgreSQL: another client backend of the database holds a transaction id."""
    if db.startswith("sqlite"):
        conn = sqlite3.connect(make_url(db).database, timeout=0, isolation_level=None)

        def probe() -> bool:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                assert "locked" in str(exc)
                return True
            conn.execute("ROLLBACK")
            return False

        try:
            yield probe
        finally:
            conn.close()
        return
    engine = make_engine(db, isolation_level="AUTOCOMMIT")
    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
        "pid <> pg_backend_pid() AND backend_type = 'client backend' AND backend_xid IS NOT NULL"
    )
    with engine.connect() as conn:
        yield lambda: conn.exec_driver_sql(query).scalar() > 0
    engine.dispose()


def kill_when_writing(proc: subprocess.Popen, db: str, log: Path, ready=lambda: True) -> None:
    """SIGKILL `proc` once `ready()` holds and a write transaction is open on the database, or
    let it end by itself first, successfully."""
    try:
        with write_probe(db) as probe:
            wait_for(lambda: ready() and probe(), lambda: proc.poll() is not None)
    finally:
        kill(proc)
    assert proc.returncode in (0, -signal.SIGKILL), log.read_text()[-3000:]


# ---------------------------------------------------------------- events and checks


def new_events(world: World, count: int, start: datetime, days: int) -> list[dict]:
    """`count` valid events in the `days` days from `start`, every event_id new, of rostered
    people at their home sites; 5 % errors, most with a duration."""
    rng, tag = random.Random(count), uuid.uuid4().hex[:8]
    events = []
    for i in range(count):
        user, site = rng.choice(world.people)
        at = start + timedelta(seconds=rng.uniform(0, days * 86_400))
        event = {"event_id": f"{tag}-{i}", "user_id": user, "site_id": site,
                 "action": rng.choice(world.actions), "occurred_at": at.isoformat(),
                 "outcome": "error" if rng.random() < 0.05 else "success"}  # fmt: skip
        if rng.random() < 0.8:
            event["duration_ms"] = rng.randrange(0, 60_000)
        events.append(event)
    return events


def assert_stored_once(session, source: str, events: list[dict]) -> None:
    """Every event of `source` is stored exactly once, with its key, and nothing else."""
    stored = session.scalars(select(Event.event_id).where(Event.source == source)).all()
    assert sorted(stored) == sorted(e["event_id"] for e in events)
    keys = session.scalar(select(func.count()).where(EventKey.source == source))
    assert keys == len(events)
    assert session.scalar(select(func.count()).select_from(Event)) == session.scalar(
        select(func.count()).select_from(EventKey)
    )


def assert_points_rederive(sessions) -> None:
    """After the points job runs again, the ledger's feature points equal a derivation from
    every event (no event arrives after a close here, so closed months agree too)."""
    result = run_job(sessions, "points")
    assert result.run is not None and result.run.outcome == "ok"
    with sessions() as session:
        pairs = pairs_between(session)
        want = {k: b.points for k, b in desired_points(session, pairs).items() if b.points}
        have = {k: b.points for k, b in booked_points(session, pairs).items() if b.points}
    assert have == want


def month_state(session, month: str) -> str:
    """'open' (no version, or a draft without frozen rows) or 'closed' with every site's
    champion and the month's first-proficient awards frozen; anything else fails."""
    periods = session.scalars(select(ChampionPeriod).where(ChampionPeriod.month == month)).all()
    entries = session.scalars(
        select(ChampionEntry)
        .join(ChampionPeriod, ChampionPeriod.id == ChampionEntry.period_id)
        .where(ChampionPeriod.month == month)
    ).all()
    if not periods or max(periods, key=lambda p: p.version).status == "draft":
        assert entries == [] and all(p.status == "draft" for p in periods)
        return "open"
    assert [p.status for p in periods] == ["closed"]
    live = compute_month(session, month, now=datetime.now(UTC))
    frozen = {(e.kind, e.site_code, e.user_id) for e in entries}
    assert frozen == {("champion", c["site_id"], c["user_id"]) for c in live["champions"]} | {
        ("first_proficient", f["site_id"], f["user_id"]) for f in live["first_proficient"]
    }
    assert len(entries) == len(frozen)
    assert len(live["champions"]) == session.scalar(select(func.count()).select_from(Site))
    return "closed"


# ---------------------------------------------------------------- the tests


def test_server_killed_mid_batch_stores_the_resent_batch_exactly_once(
    world, db, engine, sessions, tmp_path
):
    env, log = child_env(db, tmp_path), tmp_path / "serve.log"
    events = new_events(world, BATCH, datetime.now(UTC) - timedelta(days=2), 1)
    body = gzip.compress(json.dumps(events).encode())
    headers = {"Authorization": f"Bearer {world.ingest_token}", "Content-Encoding": "gzip",
               "Content-Type": "application/json"}  # fmt: skip

    def post(port: int) -> tuple[int, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE_S)
        try:
            conn.request("POST", "/api/v1/events", body, headers)
            response = conn.getresponse()
            return response.status, json.loads(response.read())
        finally:
            conn.close()

    with server(env, log) as (port, proc), ThreadPoolExecutor(1) as pool, write_probe(db) as probe:
        sending = pool.submit(post, port)
        wait_for(probe, sending.done)
        kill(proc)
        answered = sending.exception() is None  # only when the batch beat the probe
    landed = scalar(engine, select(func.count()).where(Event.source == "crash-pos"))
    assert landed in (0, BATCH)  # a batch killed after its commit lands without an answer
    assert landed == BATCH or not answered

    with server(env, log) as (port, _proc):
        status, result = post(port)
    assert status == 200
    assert (result["accepted"], result["duplicates"]) == (BATCH - landed, landed)
    with sessions() as session:
        assert_stored_once(session, "crash-pos", events)
        assert_rollups_recount(session)
    assert_points_rederive(sessions)


def test_import_killed_mid_way_is_resumed_by_running_it_again(
    world, db, engine, sessions, tmp_path
):
    env, log = child_env(db, tmp_path), tmp_path / "import.log"
    events = new_events(world, IMPORT_EVENTS, datetime.now(UTC) - timedelta(days=2), 1)
    file = tmp_path / "events.jsonl"
    file.write_text("".join(json.dumps(e) + "\n" for e in events))
    args = ["import", "events", str(file), "--source", "crash-import"]

    def stored() -> int:
        return scalar(engine, select(func.count()).where(Event.source == "crash-import"))

    # Killed once a batch has committed and the next one is being written.
    kill_when_writing(start(args, env, log), db, log, lambda: stored() > 0)
    landed = stored()
    with sessions() as session:
        ids = set(session.scalars(select(Event.event_id).where(Event.source == "crash-import")))
    assert landed % IMPORT_BATCH == 0  # whole batches, the file's first ones
    assert ids == {e["event_id"] for e in events[:landed]}

    again = subprocess.run([UPTAKE, *args], env=env, cwd=ROOT, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr[-3000:]
    summary = json.loads(again.stdout.strip().splitlines()[-1])
    assert (summary["accepted"], summary["duplicates"]) == (IMPORT_EVENTS - landed, landed)
    with sessions() as session:
        assert_stored_once(session, "crash-import", events)
        assert_rollups_recount(session)
    assert_points_rederive(sessions)


def kill_close_mid_way(world: World, db: str, engine, tmp_path: Path) -> None:
    """Late events in the month (so the close books points first, inside its transaction),
    then `uptake jobs run close-month --month` killed once its work writes."""
    month = Month.parse(world.month)
    first = datetime.combine(month.first_day, datetime.min.time(), UTC)
    with unit_of_work(make_sessionmaker(engine)) as session:
        late = new_events(world, 3_000, first, 27)
        ingest_batch(session, source="late", events=late, now=datetime.now(UTC))
    args = ["jobs", "run", "close-month", "--month", world.month]

    def running() -> bool:  # past the run's bookkeeping transaction, so inside the work's
        return scalar(engine, select(func.count()).where(JobRun.outcome == "running")) > 0

    log = tmp_path / "close.log"
    kill_when_writing(start(args, child_env(db, tmp_path), log), db, log, running)


def test_month_close_killed_mid_way_leaves_the_month_open_or_wholly_closed(
    world, db, engine, sessions, tmp_path
):
    kill_close_mid_way(world, db, engine, tmp_path)
    with sessions() as session:
        assert month_state(session, world.month) in ("open", "closed")

    app = create_app(Settings(database_url=db, secret_key="t", instance_path=tmp_path / "app"))
    response = app.test_client().post(
        f"/api/v1/champions/{world.month}/close",
        headers={"Authorization": f"Bearer {world.hr_token}"},
    )
    app.extensions["uptake"].engine.dispose()
    assert response.status_code == 200 and response.json["status"] == "closed"
    with sessions() as session:
        assert month_state(session, world.month) == "closed"
    assert_points_rederive(sessions)


def test_close_job_killed_mid_way_runs_again_from_the_command_line(
    world, db, engine, sessions, tmp_path
):
    """On SQLite the run-once lock is a `job_lock` row that the killed process never deletes; the
    re-run takes it over because its holder's process is gone (adoption/jobs/locks.py), and
    closes the killed run's "running" record as failed. On PostgreSQL the advisory lock ends
    with the killed connection."""
    kill_close_mid_way(world, db, engine, tmp_path)
    again = subprocess.run(
        [UPTAKE, "jobs", "run", "close-month", "--month", world.month],
        env=child_env(db, tmp_path),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0, again.stderr[-3000:]
    with sessions() as session:
        assert month_state(session, world.month) == "closed"
        outcomes = session.scalars(
            select(JobRun.outcome).where(JobRun.job == "close-month").order_by(JobRun.id)
        ).all()
    assert outcomes[-2:] == ["failed", "ok"]  # the killed run, closed by the re-run; the re-run
    assert "running" not in outcomes
    assert_points_rederive(sessions)
