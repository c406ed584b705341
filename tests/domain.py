"""The `session` of domain tests: a plain SQLAlchemy session on the test database, no Flask app.

A test folder whose tests call the domain directly re-exports it from its conftest.py.
"""

from __future__ import annotations

import pytest

from adoption.db import make_engine, make_sessionmaker, reader_session


@pytest.fixture
def session(database_url):
    engine = make_engine(database_url)
    db = reader_session(make_sessionmaker(engine))  # deferred on SQLite, as tests/conftest.py says
    yield db
    db.rollback()
    db.close()
    engine.dispose()
