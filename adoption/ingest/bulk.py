"""Multi-row statements sent as driver SQL: the hot path of ingest and of the rollups it feeds.

SQLAlchemy's executemany builds a parameter dict per row and runs every bind processor through
its own machinery, which cost more than the database's own work on a batch of events
(bench/ingest.py). A `Writer` takes rows as tuples in its column order, and `convert` hands out
each column's bind processor for the dialect, so what is stored is exactly what SQLAlchemy
stores (a JSON None is 'null', a UTC datetime is naive text on SQLite). The statements run on the
session's connection, inside its transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from functools import lru_cache
from itertools import chain

from sqlalchemy import Dialect, Table
from sqlalchemy.orm import Session

#: Rows per INSERT statement at most; fewer when the dialect's parameter limit says so.
PAGE_ROWS = 1000
_MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


class Writer:
    """INSERT INTO `table` (`names`) VALUES … `tail`, written for one dialect; `tail` is the
    ON CONFLICT clause and a RETURNING clause, if any."""

    def __init__(self, dialect: Dialect, table: Table, names: Sequence[str], tail: str = ""):
        quote = dialect.identifier_preparer.quote
        self.dialect = dialect
        self.table = table
        self.names = tuple(names)
        self.head = f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, self.names))}) VALUES "
        self.tail = tail
        limit = dialect.insertmanyvalues_max_parameters // len(self.names)
        self.page = max(1, min(PAGE_ROWS, limit))
        self._sql: dict[int, str] = {}

    def convert(self, name: str) -> Callable[[object], object]:
        """Column `name`'s bind processor; a None skips it unless the type stores None (JSON)."""
        column = self.table.c[name]
        process = column.type.dialect_impl(self.dialect).bind_processor(self.dialect)
        if process is None:
            return _as_is
        if column.type.should_evaluate_none:
            return process
        return lambda value: None if value is None else process(value)

    def insert(self, session: Session, rows: Sequence[tuple]) -> list[tuple]:
        """Insert converted rows, a page of them per statement; returns what `tail` RETURNs."""
        connection = session.connection()
        returned: list[tuple] = []
        for start, size in pages(len(rows), self.page):
            params = tuple(chain.from_iterable(rows[start : start + size]))
            result = connection.exec_driver_sql(self._statement(size), params)
            if result.returns_rows:
                returned.extend(result.all())
        return returned

    def insert_each(self, session: Session, rows: Sequence[tuple]) -> None:
        """Run the one-row statement for every converted row (DBAPI executemany)."""
        if rows:
            session.connection().exec_driver_sql(self._statement(1), list(rows))

    def _statement(self, count: int) -> str:
        sql = self._sql.get(count)
        if sql is None:
            width = len(self.names)
            groups = (f"({_marks(self.dialect, row * width, width)})" for row in range(count))
            sql = self._sql[count] = f"{self.head}{', '.join(groups)}{self.tail}"
        return sql


@lru_cache(maxsize=64)
def writer(dialect: Dialect, table: Table, names: tuple[str, ...], tail: str = "") -> Writer:
    """The Writer of a dialect, table, columns and tail, kept: its statements are written once."""
    return Writer(dialect, table, names, tail)


def select_in(
    session: Session, table: Table, names: Sequence[str], key: str, values: Collection[str]
) -> list[tuple]:
    """`names` of the rows whose `key` is one of `values`; for text and integer columns, whose
    values need no bind or result processing."""
    dialect = session.get_bind().dialect
    quote = dialect.identifier_preparer.quote
    head = f"SELECT {', '.join(map(quote, names))} FROM {quote(table.name)} WHERE {quote(key)} IN "
    connection = session.connection()
    values = list(values)
    found: list[tuple] = []
    page = dialect.insertmanyvalues_max_parameters  # the most parameters one statement takes
    for start, size in pages(len(values), page):
        chunk = tuple(values[start : start + size])
        sql = f"{head}({_marks(dialect, 0, len(chunk))})"
        found.extend(connection.exec_driver_sql(sql, chunk).all())
    return found


def pages(count: int, page: int) -> Iterator[tuple[int, int]]:
    """(start, size) of `count` rows in statements: full pages of `page` rows, then the rest in
    descending powers of two. A batch of any size thus runs a few statement shapes that recur
    from batch to batch, so each is compiled once per connection (SQLite's statement cache,
    psycopg's prepared statements) instead of once per batch: compiling a 1,000-row VALUES
    statement cost SQLite about as much as running it."""
    start = 0
    while start < count:
        left = count - start
        size = page if left >= page else 1 << (left.bit_length() - 1)
        yield start, size
        start += size


def memo(convert: Callable[[object], object]) -> Callable[[object], object]:
    """`convert` computed once per distinct value (a batch's events fall on a few local days)."""
    return lru_cache(maxsize=None)(convert)


def _marks(dialect: Dialect, before: int, count: int) -> str:
    """`count` placeholders in the DBAPI's style; `before` parameters precede them."""
    if dialect.paramstyle == "numeric_dollar":  # psycopg's raw cursor (adoption.db)
        return ", ".join(f"${before + i}" for i in range(1, count + 1))
    if dialect.paramstyle not in _MARKS:
        raise RuntimeError(f"unsupported DBAPI paramstyle: {dialect.paramstyle}")
    return ", ".join([_MARKS[dialect.paramstyle]] * count)


def _as_is(value: object) -> object:
    return value
