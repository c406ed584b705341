"""The PostgreSQL write path for large batches (file imports): keys as one array, events by COPY.

A batch's new keys, its events and its rollup deltas are the ones the multi-row path of
`adoption.ingest.bulk` writes, in the same order and under the same locks, so both paths store
the same rows and batches of either kind wait on each other instead of deadlocking:

- the keys, sorted, go to `event_key` in one INSERT … SELECT over an array parameter, with ON
  CONFLICT DO NOTHING; the statement sends back the keys that were stored already (none, for a
  batch that is new), and only the events of the others are stored;
- the events of those keys are streamed into `event` with binary COPY, each row holding the
  values the columns' bind processors made of it (`bulk.Writer.convert`), in batch order, so
  they take their ids from the sequence in the same order;
- the rollup deltas, sorted by key, are upserted in one INSERT … SELECT over one array per column.

Every statement runs on the session's connection, inside its transaction. bench/import_events.py
sets the import against a raw COPY of the same rows and against what these statements alone cost
the server (its floor): the foreign keys and indexes of `event` and `daily_usage`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table
from sqlalchemy.orm import Session


def insert_keys(session: Session, table: Table, source: str, event_ids: list[str]) -> set[str]:
    """Insert (source, event_id) for each id, in list order (ids distinct); returns the ids that
    were stored already (a retried batch's), so that a batch of new keys sends none back."""
    if not event_ids:
        return set()
    sql = (
        "WITH sent AS (SELECT k.event_id, k.n"
        " FROM unnest($2::varchar[]) WITH ORDINALITY AS k(event_id, n)),"
        f" landed AS (INSERT INTO {_name(session, table)} (source, event_id)"
        " SELECT $1, event_id FROM sent ORDER BY n"
        " ON CONFLICT (source, event_id) DO NOTHING RETURNING event_id)"
        " SELECT event_id FROM sent EXCEPT ALL SELECT event_id FROM landed"
    )
    result = session.connection().exec_driver_sql(sql, (source, _text_array(event_ids)))
    return set(result.scalars().all())


def copy_rows(session: Session, table: Table, names: Sequence[str], rows: Sequence[tuple]) -> None:
    """Stream converted rows into `table` (`names` in row order) with binary COPY … FROM STDIN:
    the server reads each value as the column's type, without parsing text."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    quote = dialect.identifier_preparer.quote
    # binary COPY names each column's type: "VARCHAR(64)" → "varchar"
    types = [table.c[name].type.compile(dialect=dialect).split("(")[0].lower() for name in names]
    columns = ", ".join(map(quote, names))
    sql = f"COPY {_name(session, table)} ({columns}) FROM STDIN (FORMAT BINARY)"
    connection = session.connection().connection.driver_connection
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        copy.set_types(types)
        write = copy.write_row
        for row in rows:
            write(row)


def upsert_arrays(
    session: Session, table: Table, names: Sequence[tuple[str, str]], tail: str, rows: list[tuple]
) -> None:
    """INSERT INTO `table` the rows, in list order, from one array parameter per column;
    `names` pairs each column with its PostgreSQL type (integer, date or double precision
    values), `tail` is the ON CONFLICT clause."""
    if not rows:
        return
    quote = session.get_bind().dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name, _ in names)
    arrays = ", ".join(f"${i}::{kind}[]" for i, (_, kind) in enumerate(names, 1))
    aliases = ", ".join(f"c{i}" for i in range(len(names)))
    sql = (
        f"INSERT INTO {_name(session, table)} ({columns})"
        f" SELECT {aliases} FROM unnest({arrays}) WITH ORDINALITY AS r({aliases}, n)"
        f" ORDER BY n{tail}"
    )
    params = tuple(_plain_array(column) for column in zip(*rows, strict=True))
    session.connection().exec_driver_sql(sql, params)


def _text_array(values: Sequence[str]) -> str:
    """The array literal of `values`, each quoted (a backslash escapes quotes and backslashes).
    Written here because the driver's list adapter runs Python for every element, and that was
    the import's largest cost on the client."""
    quoted = (value.replace("\\", "\\\\").replace('"', '\\"') for value in values)
    return "{" + ",".join(f'"{value}"' for value in quoted) + "}"


def _plain_array(values: Sequence[object]) -> str:
    """The array literal of ints, floats (`str` gives the shortest text that reads back as the
    same float) or dates (ISO text): values whose text needs no quoting."""
    return "{" + ",".join(map(str, values)) + "}"


def _name(session: Session, table: Table) -> str:
    return session.get_bind().dialect.identifier_preparer.quote(table.name)
