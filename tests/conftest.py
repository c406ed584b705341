"""Fixtures: an app on SQLite (always) and PostgreSQL (when UPTAKE_TEST_POSTGRES_URL is set).

Each run migrates once per back end through Alembic; each test then gets an empty database:
a copy of the migrated SQLite file, or the PostgreSQL tables emptied (`empty_postgres`).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, text

from adoption import schema
from adoption.config import Settings
from adoption.db import make_engine, reader_session, scratch_postgres
from adoption.identity import credentials
from adoption.masterdata import records
from api import create_app
from rewards.board_cache import BOARDS

PG_SERVER_URL = os.environ.get("UPTAKE_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", *(["postgresql"] if PG_SERVER_URL else [])]
SEEDED_TABLES = {"scoring_config", "points_config"}


def pytest_report_header(config):
    return f"uptake back ends: {', '.join(BACKENDS)}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "uptake.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh database for this run, migrated once, dropped at the end."""
    if not PG_SERVER_URL:
        pytest.skip("UPTAKE_TEST_POSTGRES_URL is not set")
    with scratch_postgres(PG_SERVER_URL, "uptake_test") as url:
        engine = make_engine(url)
        with engine.connect() as conn:  # a test's commit need not wait for the disk
            name = engine.url.database
            conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
            conn.commit()
        schema.upgrade(engine)
        engine.dispose()
        try:
            yield url
        finally:
            _forget_emptying(url)


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    BOARDS.clear()  # boards cached from the previous test's database (emptied, never in production)
    if request.param == "sqlite":
        path = tmp_path / "uptake.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    empty_postgres(url)
    return url


# Emptying PostgreSQL between tests: DELETE, not TRUNCATE. A TRUNCATE gives each table, partition
# and index a new file and drops the old ones, and a commit that drops files waits for the WAL to
# reach the disk whatever synchronous_commit says: 0.25-0.7 s a test on a busy disk (one table
# with CASCADE, or all of them). DELETE of the few rows a test leaves, children before parents,
# and setval of the id sequences it drew from are ordinary writes: ~5 ms, one round trip, and a
# commit that does not wait (synchronous_commit = off). The rows left and the next ids are those
# TRUNCATE ... RESTART IDENTITY left.
_TABLES = """
SELECT c.oid::regclass::text, c.relname,
       array(SELECT f.confrelid::regclass::text FROM pg_constraint f
             WHERE f.conrelid = c.oid AND f.contype = 'f' AND f.confrelid <> c.oid)
FROM pg_class c
WHERE c.relnamespace = to_regnamespace(current_schema()) AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition AND c.relname <> 'alembic_version'
"""
# The id sequences of the tables emptied that a test drew from, back to their start.
_RESTART_SEQUENCES = """
SELECT setval(s.oid, q.start_value, false) FROM pg_class s
JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
JOIN pg_class t ON t.oid = d.refobjid
JOIN pg_sequences q ON q.schemaname = current_schema() AND q.sequencename = s.relname
WHERE s.relkind = 'S' AND q.last_value IS NOT NULL AND t.relname <> ALL(ARRAY[{seeded}])
"""
_emptying: dict[str, tuple[Engine, str]] = {}


def _emptying_script(conn) -> str:
    """DELETE from every table of the schema, children before the tables they reference (what
    the migrations seed stays, see `empty_postgres`), then restart the sequences used."""
    rows = conn.execute(text(_TABLES))
    tables = {name: (relname, set(parents)) for name, relname, parents in rows}
    done: list[str] = []
    while len(done) < len(tables):  # referencing tables first: those no table left references
        left = [name for name in tables if name not in done]
        free = [n for n in left if not any(n in tables[m][1] for m in left if m != n)]
        if not free:
            raise RuntimeError(f"foreign keys form a cycle among {sorted(left)}")
        done.extend(sorted(free))
    seeded = ", ".join(f"'{name}'" for name in sorted(SEEDED_TABLES))
    deletes = [
        f"DELETE FROM {name}" + (" WHERE version > 1" if tables[name][0] in SEEDED_TABLES else "")
        for name in done
    ]
    return ";\n".join([*deletes, _RESTART_SEQUENCES.format(seeded=seeded).strip()])


def empty_postgres(url: str) -> None:
    """Empty the run's PostgreSQL database: no rows, ids restarted; what the migrations seed
    (scoring_config and points_config version 1) survives. One connection per process and
    database, kept between tests (pre-pinged, so a test that ends it costs a reconnect)."""
    if url not in _emptying:
        engine = make_engine(url, pool_size=1)
        with engine.connect() as conn:
            _emptying[url] = (engine, _emptying_script(conn))
    engine, script = _emptying[url]
    with engine.begin() as conn:
        conn.connection.driver_connection.execute(script)  # several statements: simple protocol


def _forget_emptying(url: str) -> None:
    engine, _ = _emptying.pop(url, (None, None))
    if engine is not None:
        engine.dispose()


@pytest.fixture
def backend(database_url) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    # min_group 1: the test worlds are a handful of people; tests/*/test_privacy*.py set 5.
    return Settings(
        database_url=database_url,
        secret_key="test-secret",
        instance_path=tmp_path / "instance",
        min_group=1,
    )


@pytest.fixture
def app(settings):
    app = create_app(settings)
    app.config["TESTING"] = True
    yield app
    app.extensions["uptake"].engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session(app):
    # Deferred on SQLite, like a reader's: a writer's session would hold the write lock from its
    # first read on, and the app's requests would wait for it (adoption.db.make_sessionmaker).
    db = reader_session(app.extensions["uptake"].sessions)
    yield db
    db.rollback()
    db.close()


@pytest.fixture
def runner(settings, monkeypatch):
    monkeypatch.setenv("UPTAKE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("UPTAKE_INSTANCE_PATH", str(settings.instance_path))
    return CliRunner()


NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def make_site(session):
    def make(code="S001", timezone="UTC", **values):
        values.setdefault("name", f"Store {code}")
        site, _ = records.put_site(
            session, code, {"timezone": timezone, **values}, now=NOW, actor="test", default_tz="UTC"
        )
        session.commit()
        return site

    return make


@pytest.fixture
def make_employee(session):
    def make(user_id="E001", site_id="S001", **values):
        values.setdefault("display_name", f"Person {user_id}")
        emp, _ = records.put_employee(session, user_id, {"site_id": site_id, **values}, now=NOW)
        session.commit()
        return emp

    return make


@pytest.fixture
def make_token(session):
    """Bearer headers for a new token of the role."""

    def make(role="ingest", name=None, sites=(), user_id=None, expires_days=None):
        _, plain = credentials.create_token(
            session,
            role=role,
            name=name or f"{role}-token",
            now=datetime.now(UTC),
            sites=list(sites),
            user_id=user_id,
            expires_days=expires_days,
        )
        session.commit()
        return {"Authorization": f"Bearer {plain}"}

    return make


@pytest.fixture
def ingest_headers(make_token):
    return make_token("ingest", name="pos")


@pytest.fixture
def send_events(client, ingest_headers):
    """POST a batch as the `pos` ingest token (or `auth`); `raw` sends bytes as they are."""

    def send(events=None, *, auth=None, extra=None, gzipped=False, raw: bytes | None = None):
        headers = {**(ingest_headers if auth is None else auth), **(extra or {})}
        body = raw if raw is not None else json.dumps(events).encode()
        if gzipped:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        headers.setdefault("Content-Type", "application/json")
        return client.post("/api/v1/events", data=body, headers=headers)

    return send


class AppClock:
    """The app's clock (`api.clock.utcnow`), standing still until a test moves it."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def app_clock(monkeypatch) -> AppClock:
    """Every `api.clock.utcnow()` of the web layer answers `app_clock.now` (NOW at first)."""
    clock = AppClock(NOW)
    monkeypatch.setattr("api.clock.utcnow", clock)
    return clock
