"""Domain tests use a plain SQLAlchemy session on the test database: no Flask app involved."""

from tests.domain import session  # noqa: F401  (the fixture)
