"""Engine and session factory, SQLite pragmas, and dialect helpers for set-based writes."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_S = 5


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
    """WAL, foreign keys and a busy timeout; let SQLAlchemy, not pysqlite, begin transactions."""

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
        conn.exec_driver_sql("BEGIN")


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
    people, sites or features (`adoption.generations`)."""
    from adoption.generations import watch_master_data  # it needs the models, which need this

    factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
    watch_master_data(factory)
    return factory


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
