"""Engine and session factory, SQLite pragmas, and dialect helpers for set-based writes."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_S = 5
#: The connection execution option that says how a transaction begins on SQLite (`_on_begin`).
SQLITE_BEGIN = "uptake_sqlite_begin"
IMMEDIATE, DEFERRED = "IMMEDIATE", "DEFERRED"


def normalise_url(url: str) -> str:
    """Point plain postgresql:// URLs at psycopg 3, the driver we ship."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, **kwargs) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return _postgres_engine(url, **kwargs)
    if parsed.get_backend_name() != "sqlite":
        raise ValueError(
            f"unsupported database {parsed.get_backend_name()!r}: use SQLite or PostgreSQL"
        )
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}, **kwargs
    )
    _configure_sqlite(engine)
    return engine


def _postgres_engine(url: str, **kwargs) -> Engine:
    """psycopg's raw cursors take $1 placeholders as they are: psycopg otherwise rewrites them in
    Python on every call, which was about a third of bulk ingest time (bench/ingest.py)."""
    import psycopg

    engine = create_engine(
        url,
        pool_pre_ping=True,
        paramstyle="numeric_dollar",
        connect_args={"cursor_factory": psycopg.RawCursor},
        **kwargs,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.server_cursor_factory = psycopg.RawServerCursor

    return engine


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys and a busy timeout; SQLAlchemy, not pysqlite, begins transactions (the
    recipe of SQLAlchemy's SQLite dialect documentation), so that a writer can begin IMMEDIATE.

    Why IMMEDIATE: a DEFERRED transaction takes the write lock at its first write. When it has
    read before (a request reads its token first), SQLite does not wait for the lock, busy
    timeout or not, and answers SQLITE_BUSY at once: waiting could deadlock two readers that
    both want to write, and a snapshot older than the last commit cannot be written on anyway.
    BEGIN IMMEDIATE takes the write lock before anything is read, and waits for it up to the
    busy timeout. Readers (DEFERRED) never wait in WAL mode, nor make writers wait.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = conn.get_execution_options().get(SQLITE_BEGIN, DEFERRED)
        if mode not in (IMMEDIATE, DEFERRED):
            raise ValueError(f"{SQLITE_BEGIN} must be {IMMEDIATE} or {DEFERRED}, not {mode!r}")
        conn.exec_driver_sql(f"BEGIN {mode}")


def is_locked(exc: BaseException) -> bool:
    """Whether `exc` is SQLite's "database is locked": its write lock could not be had (within
    the busy timeout for a transaction begun IMMEDIATE, at once for a DEFERRED one that has
    read, or whose snapshot an other connection's commit made stale)."""
    orig = getattr(exc, "orig", exc)
    return isinstance(orig, sqlite3.OperationalError) and "database is locked" in str(orig)


@contextmanager
def scratch_postgres(server_url: str, prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on that server for a test run or a benchmark; its URL is
    yielded and the database is dropped afterwards, whatever happened."""
    server = make_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with server.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions of the app, jobs and CLI; each raises the master data generation when it writes
    people, sites or features (`adoption.generations`).

    Its sessions are writers: on SQLite each of their transactions begins IMMEDIATE (it waits
    up to the busy timeout for the write lock, then holds it until it ends). A unit of work
    that only reads takes `reader_session` instead. The engine's own connections (a readiness
    probe, a migration) begin DEFERRED.
    """
    from adoption.generations import watch_master_data  # it needs the models, which need this

    if engine is not None and engine.dialect.name == "sqlite":
        engine = engine.execution_options(**{SQLITE_BEGIN: IMMEDIATE})
    factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
    watch_master_data(factory)
    return factory


def reader_session(factory: sessionmaker[Session]) -> Session:
    """A session of `factory` for a unit of work that reads (a GET request): on SQLite its
    transactions begin DEFERRED, take no lock that writers wait for and never wait themselves.
    It may still write, but on SQLite a write after a read cannot wait for the lock: under
    contention it fails at once with "database is locked"."""
    bind = factory.kw["bind"]
    if bind.dialect.name != "sqlite":
        return factory()
    return factory(bind=bind.execution_options(**{SQLITE_BEGIN: DEFERRED}))


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit when the block ends cleanly, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def dialect_insert(session: Session, table: Table):
    """The dialect's INSERT, which knows ON CONFLICT; plain Core, for set-based writes."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database dialect: {name}")
