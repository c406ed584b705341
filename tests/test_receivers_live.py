"""The published clients against a live `uptake serve`: Segment's analytics-python, RudderStack's
rudder-sdk-python and posthog-python, pointed at Uptake with a write key of each format.

Each sends a few messages (sync mode: one request each, no retries or backoff), then the same
messages again; every event is stored exactly once and the malformed one is quarantined, once.
One server per back end (SQLite, and PostgreSQL when UPTAKE_TEST_POSTGRES_URL is set), on the
run's migrated databases (tests/conftest.py).
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from adoption.db import make_engine, make_sessionmaker, unit_of_work
from adoption.identity import credentials
from adoption.masterdata import records
from adoption.models import Employee, Event, Quarantine
from tests.conftest import BACKENDS, empty_postgres

UPTAKE = str(Path(sys.executable).with_name("uptake"))
ROOT = Path(__file__).resolve().parent.parent
NOW = datetime.now(UTC)
SALES = 3


@pytest.fixture(scope="module", params=BACKENDS)
def live(request, tmp_path_factory):
    """(base URL, engine, {format: write key}) of a server on a migrated database: a copy of
    the run's migrated SQLite file, or the run's PostgreSQL database emptied."""
    directory = tmp_path_factory.mktemp("receivers-live")
    if request.param == "sqlite":
        path = directory / "uptake.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield from _serve(f"sqlite:///{path}", directory)
        return
    url = request.getfixturevalue("postgres_url")
    empty_postgres(url)
    yield from _serve(url, directory)


def _serve(url: str, directory: Path):
    engine = make_engine(url)
    keys = {}
    with unit_of_work(make_sessionmaker(engine)) as session:
        for code in ("S001", "S002"):
            records.put_site(
                session,
                code,
                {"name": code, "timezone": "UTC"},
                now=NOW,
                actor="t",
                default_tz="UTC",
            )
        for fmt in ("segment", "posthog"):
            _, keys[fmt] = credentials.create_token(
                session, role="ingest", name=f"live-{fmt}", now=NOW, format=fmt
            )
        _, keys["rudder"] = credentials.create_token(
            session, role="ingest", name="live-rudder", now=NOW, format="segment"
        )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "UPTAKE_DATABASE_URL": url,
        "UPTAKE_INSTANCE_PATH": str(directory / "instance"),
        "UPTAKE_SCHEDULER": "off",
    }
    log = directory / "serve.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [UPTAKE, "serve", "--port", str(port), "--workers", "1"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    try:
        _wait_ready(port, proc, log)
        yield f"http://127.0.0.1:{port}", engine, keys
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # its whole group: gunicorn and its worker
        proc.wait()
        engine.dispose()


def _wait_ready(port: int, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("uptake serve did not become ready: " + log.read_text()[-3000:])


def counts(engine, source: str) -> tuple[int, int]:
    with engine.connect() as conn:
        events = conn.scalar(select(func.count()).where(Event.source == source))
        held = conn.scalar(select(func.count()).where(Quarantine.source == source))
    return events, held


def when(minutes: int) -> datetime:
    return NOW - timedelta(minutes=minutes)


def test_segment_client(live):
    from segment.analytics import Client

    base, engine, keys = live
    client = Client(keys["segment"], host=base, sync_mode=True, gzip=True, max_retries=0)
    ids = [str(uuid.uuid4()) for _ in range(SALES)]
    for _ in range(2):  # the second round is a resend of the same messages
        client.identify("SEG1", {"name": "Sam Segment", "site_id": "S001"}, message_id="seg-i")
        for n, message_id in enumerate(ids):
            client.track(
                "SEG1",
                "Sale Completed",
                {"site_id": "S001", "duration_ms": 900 + n},
                timestamp=when(n + 1),
                message_id=message_id,
            )
        client.track(None, "Sale Completed", {"site_id": "S001"}, anonymous_id="anon-1",
                     timestamp=when(9), message_id="seg-anon")  # fmt: skip
    assert counts(engine, "live-segment") == (SALES, 1)
    with engine.connect() as conn:
        name = conn.scalar(select(Employee.display_name).where(Employee.external_id == "SEG1"))
    assert name == "Sam Segment"


def test_rudderstack_client(live):
    from rudderstack.analytics.client import Client

    base, engine, keys = live
    client = Client(keys["rudder"], host=base, sync_mode=True, gzip=True, max_retries=0)
    for _ in range(2):
        client.identify("RUD1", {"name": "Rita Rudder", "site_id": "S002"}, message_id="rud-i")
        for n in range(SALES):
            client.track(
                "RUD1",
                "Return Processed",
                {"site_id": "S002", "outcome": "error" if n else "success"},
                timestamp=when(n + 1),
                message_id=f"rud-{n}",
            )
        client.track(  # an unknown site: quarantined
            "RUD1", "Return Processed", {"site_id": "NOPE"}, timestamp=when(9), message_id="rud-x"
        )
    assert counts(engine, "live-rudder") == (SALES, 1)
    with engine.connect() as conn:
        name = conn.scalar(select(Employee.display_name).where(Employee.external_id == "RUD1"))
    assert name == "Rita Rudder"


def test_posthog_client(live):
    from posthog import Posthog

    base, engine, keys = live
    logging.getLogger("posthog").setLevel(logging.CRITICAL)
    client = Posthog(keys["posthog"], host=base, sync_mode=True, gzip=True, max_retries=0)
    ids = [str(uuid.uuid4()) for _ in range(SALES)]
    try:
        for _ in range(2):
            for n, event_id in enumerate(ids):
                client.capture(
                    "Sale Completed",
                    distinct_id="PH1",
                    properties={"site_id": "S001", "duration_ms": 700},
                    timestamp=when(n + 1),
                    uuid=event_id,
                )
            client.capture("$pageview", distinct_id="PH1", properties={"site_id": "S001"})
            client.capture(  # no site anywhere: quarantined naming properties.site_id
                "Sale Completed", distinct_id="PH1", timestamp=when(9),
                uuid="00000000-0000-4000-8000-000000000001",
            )  # fmt: skip
    finally:
        client.shutdown()
    assert counts(engine, "live-posthog") == (SALES, 1)
    with engine.connect() as conn:
        reasons = conn.scalar(select(Quarantine.reasons).where(Quarantine.source == "live-posthog"))
    assert "properties.site_id" in reasons
