"""Concurrent senders against a real `uptake serve --workers 2`, on SQLite and PostgreSQL.

Eight clients send overlapping batches at once: the same events resent by several of them,
rollup rows shared between batches, new (unrostered) people and unmapped actions named by
several batches at the same moment, in different orders. Every event must be stored exactly
once, the rollups must equal a recount of the stored events, and no answer may be a 5xx: a 503
only after SQLite's busy timeout has really elapsed (then the batch is sent again, as its
Retry-After asks); on PostgreSQL none at all (a deadlock would be one). The write lock itself is
tested in tests/test_write_lock.py.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from adoption import schema
from adoption.db import (
    SQLITE_BUSY_TIMEOUT_S,
    make_engine,
    make_sessionmaker,
    scratch_postgres,
    unit_of_work,
)
from adoption.masterdata import feature_records, records
from adoption.masterdata.cleaning import key_of
from adoption.models import Employee, Event, EventKey, Feature
from tests.conftest import BACKENDS, PG_SERVER_URL
from tests.helpers import assert_rollups_recount

ROOT = Path(__file__).resolve().parents[1]
UPTAKE = str(Path(sys.executable).parent / "uptake")
SENDERS, BATCHES, EVENTS = 8, 10, 200
ROUND = SENDERS * EVENTS // 4  # distinct events of a round: each is sent about four times
SITES = {"S001": "UTC", "S002": "America/New_York"}
ROSTER = [f"E{n:03d}" for n in range(1, 11)]
MAPPED = ["pos.sale", "pos.refund"]


def newcomers(round_: int) -> list[str]:
    """People not on the roster whom round `round_` names first: registered by its events."""
    return [f"N{round_}-{n:02d}" for n in range(30)]


def spelled_otherwise(round_: int) -> list[str]:
    """Some of the round's newcomers as other senders spell them: the same people."""
    return [user.lower() for user in newcomers(round_)[:10]]


def new_actions(round_: int) -> list[str]:
    return [f"beta.r{round_}.step{n}" for n in range(3)]


@pytest.fixture(params=BACKENDS)
def database(request, tmp_path):
    """(back end, URL) of a freshly migrated database of its own, which the server and this
    test share: a copy of the run's migrated SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        path = tmp_path / "uptake.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield "sqlite", f"sqlite:///{path}"
        return
    with scratch_postgres(PG_SERVER_URL, "uptake_concurrency") as url:
        engine = make_engine(url)
        schema.upgrade(engine)
        engine.dispose()
        yield "postgresql", url


@pytest.fixture
def env(database, tmp_path) -> dict:
    _, url = database
    return {
        **os.environ,
        "UPTAKE_DATABASE_URL": url,
        "UPTAKE_INSTANCE_PATH": str(tmp_path / "instance"),
        "UPTAKE_SECRET_KEY": "test-secret",
        "UPTAKE_SCHEDULER": "off",
    }


def uptake(env: dict, *args: str) -> str:
    done = subprocess.run(
        [UPTAKE, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def seed(url: str) -> None:
    """Two sites in two zones, ten rostered people and two mapped features."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    with unit_of_work(make_sessionmaker(engine)) as session:
        for code, zone in SITES.items():
            values = {"name": code, "timezone": zone}
            records.put_site(session, code, values, now=now, actor="t", default_tz="UTC")
        session.flush()
        for n, user in enumerate(ROSTER):
            site = list(SITES)[n % 2]
            records.put_employee(session, user, {"display_name": user, "site_id": site}, now=now)
        for action in MAPPED:
            feature_records.put_feature(session, action, {"is_core": True, "points": 1}, now=now)
    engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(env: dict, log: Path, workers: int = 2):
    """`uptake serve --workers N` on a free port until the block ends; yields the port."""
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [UPTAKE, "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=out,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5).read()
                break
            except OSError:
                assert proc.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def rounds(rng: random.Random) -> list[list[dict]]:
    """ROUND valid events for each round, over a few local days, people and actions, so that
    many share a rollup row; each round names new people and actions of its own."""
    now = datetime.now(UTC)
    pools = []
    for r in range(BATCHES):
        pool = []
        for n in range(ROUND):
            event = {
                "event_id": f"c-{r}-{n:04d}",
                "user_id": rng.choice(ROSTER + newcomers(r) + spelled_otherwise(r)),
                "site_id": rng.choice(list(SITES)),
                "action": rng.choice(MAPPED + new_actions(r)),
                "occurred_at": (now - timedelta(minutes=rng.randrange(5, 3 * 1440))).isoformat(),
                "outcome": "error" if rng.random() < 0.1 else "success",
            }
            if rng.random() < 0.8:
                event["duration_ms"] = rng.randrange(0, 20_000)
            pool.append(event)
        pools.append(pool)
    return pools


def batches(pools: list[list[dict]], rng: random.Random) -> list[list[list[dict]]]:
    """Each sender's batches, one per round: a sample of the round's events in random order,
    so the senders' batches of a round, sent at about the same time, overlap and name the same
    keys, rollup rows, new people and new actions in different orders."""
    return [[rng.sample(pool, EVENTS) for pool in pools] for _ in range(SENDERS)]


class Sender:
    """Posts its batches one after another, each round's when every sender is ready to (so
    they arrive together); a 503 is sent again after its Retry-After."""

    def __init__(self, port: int, token: str, backend: str, rounds: threading.Barrier):
        self.port, self.backend, self.rounds = port, backend, rounds
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.results: list[dict] = []
        self.problems: list[str] = []
        self.retries = 0

    def send_all(self, mine: list[list[dict]]) -> None:
        try:
            for body in [json.dumps(batch).encode() for batch in mine]:
                self.rounds.wait()
                self.results.append(self.send(body))
        except Exception as exc:  # reported by the test, not lost in the thread
            self.rounds.abort()  # the other senders stop too
            self.problems.append(f"{type(exc).__name__}: {exc}")

    def send(self, body: bytes) -> dict:
        while True:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            started = time.monotonic()
            try:
                conn.request("POST", "/api/v1/events", body, self.headers)
                response = conn.getresponse()
                data = response.read()
            finally:
                conn.close()
            waited = time.monotonic() - started
            if response.status == 200:
                return json.loads(data)
            if response.status == 503 and self.backend == "sqlite":
                if waited < SQLITE_BUSY_TIMEOUT_S:
                    self.problems.append(f"503 after {waited:.2f} s, before the busy timeout")
                self.retries += 1
                time.sleep(float(response.headers.get("Retry-After", "1")))
                continue
            raise AssertionError(f"HTTP {response.status} after {waited:.2f} s: {data[:500]!r}")


@pytest.mark.slow
def test_concurrent_overlapping_batches_are_stored_once_without_errors(database, env, tmp_path):
    backend, url = database
    seed(url)
    token = uptake(env, "tokens", "create", "--role", "ingest", "--name", "pos").splitlines()[-1]
    rng = random.Random(12)
    pools = rounds(rng)
    sent = batches(pools, rng)

    with serve(env, tmp_path / "serve.log") as port:
        together = threading.Barrier(SENDERS, timeout=300)
        senders = [Sender(port, token, backend, together) for _ in range(SENDERS)]
        threads = [
            threading.Thread(target=s.send_all, args=(mine,))
            for s, mine in zip(senders, sent, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert [p for s in senders for p in s.problems] == []
    results = [r for s in senders for r in s.results]
    assert len(results) == SENDERS * BATCHES
    assert all(r["quarantined"] == 0 and r["accepted"] + r["duplicates"] == EVENTS for r in results)
    distinct = {e["event_id"] for mine in sent for batch in mine for e in batch}
    assert sum(r["accepted"] for r in results) == len(distinct)

    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            stored = set(session.scalars(select(Event.event_id)))
            assert stored == distinct
            assert session.scalar(select(func.count()).select_from(Event)) == len(distinct)
            assert session.scalar(select(func.count()).select_from(EventKey)) == len(distinct)
            assert_rollups_recount(session)
            named = [e for mine in sent for batch in mine for e in batch]
            roster = {key_of(user) for user in ROSTER}
            unrostered = session.scalars(select(Employee.external_key).where(~Employee.rostered))
            assert sorted(unrostered) == sorted({key_of(e["user_id"]) for e in named} - roster)
            unmapped = session.scalars(select(Feature.action).where(~Feature.mapped))
            assert sorted(unmapped) == sorted({e["action"] for e in named} - set(MAPPED))
    finally:
        engine.dispose()
