"""event_key dedup table, storage horizon, unused-person snapshot states; monthly partitions

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 00:00:00

Deduplication of events moves from a unique key on `event` to the narrow table `event_key`, so
that `event` can be partitioned (a partitioned table's unique keys must hold the partition key)
and its old months dropped without forgetting their keys. On PostgreSQL, `event`, `daily_usage`
and `points_ledger` are rebuilt as tables range-partitioned by month of `local_day`: one
partition per month from the oldest stored day to three months ahead, and a default partition
(see adoption/partitions.py). Their indexes, foreign keys and sequences carry over; the primary
keys of `event` and `points_ledger` gain `local_day`. The downgrade rebuilds plain tables.
`snapshot_state.first_day` may now be null: the snapshot job found no usage for the person.
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTITIONED = ("event", "daily_usage", "points_ledger")
AHEAD_MONTHS = 3


def upgrade() -> None:
    op.create_table(
        "event_key",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("source", "event_id", name=op.f("pk_event_key")),
        sqlite_with_rowid=False,
    )
    op.execute("INSERT INTO event_key (source, event_id) SELECT source, event_id FROM event")
    op.create_table(
        "storage_horizon",
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("table_name", name=op.f("pk_storage_horizon")),
    )
    with op.batch_alter_table("snapshot_state", schema=None) as batch_op:
        batch_op.alter_column("first_day", existing_type=sa.Date(), nullable=True)
    if op.get_bind().dialect.name != "postgresql":
        with op.batch_alter_table("event", schema=None) as batch_op:
            batch_op.drop_constraint("uq_event_source_event_id", type_="unique")
        return
    op.drop_constraint("uq_event_source_event_id", "event", type_="unique")
    for table in PARTITIONED:
        _rebuild(table, partitioned=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in PARTITIONED:
            _rebuild(table, partitioned=False)
        op.create_unique_constraint("uq_event_source_event_id", "event", ["source", "event_id"])
    else:
        with op.batch_alter_table("event", schema=None) as batch_op:
            batch_op.create_unique_constraint("uq_event_source_event_id", ["source", "event_id"])
    op.execute("DELETE FROM snapshot_state WHERE first_day IS NULL")
    with op.batch_alter_table("snapshot_state", schema=None) as batch_op:
        batch_op.alter_column("first_day", existing_type=sa.Date(), nullable=False)
    op.drop_table("storage_horizon")
    op.drop_table("event_key")


def _rebuild(table: str, *, partitioned: bool) -> None:
    """Copy `table` into a partitioned (or plain) table of the same columns, then give it back
    its primary key (with local_day when partitioned), foreign keys, indexes and sequence."""
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    key = inspector.get_pk_constraint(table)
    columns = key["constrained_columns"]
    if columns == ["id"] and partitioned:
        columns = ["id", "local_day"]
    elif columns == ["id", "local_day"] and not partitioned:
        columns = ["id"]
    foreign = inspector.get_foreign_keys(table)
    indexes = inspector.get_indexes(table)
    sequence = None
    if "id" in {c["name"] for c in inspector.get_columns(table)}:
        sequence = bind.execute(
            sa.text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table}
        ).scalar()

    old = f"{table}_old"
    op.execute(f"ALTER TABLE {table} RENAME TO {old}")
    tail = " PARTITION BY RANGE (local_day)" if partitioned else ""
    op.execute(f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS){tail}")
    if partitioned:
        today = bind.execute(sa.text("SELECT CURRENT_DATE")).scalar()
        oldest = bind.execute(sa.text(f"SELECT min(local_day) FROM {old}")).scalar()
        for first, after in _months(oldest or today, today):
            name = f"{table}_p{first.year:04d}{first.month:02d}"
            op.execute(
                f"CREATE TABLE {name} PARTITION OF {table}"
                f" FOR VALUES FROM ('{first.isoformat()}') TO ('{after.isoformat()}')"
            )
        op.execute(f"CREATE TABLE {table}_pdefault PARTITION OF {table} DEFAULT")
    op.execute(f"INSERT INTO {table} SELECT * FROM {old}")
    if sequence:
        op.execute(f"ALTER SEQUENCE {sequence} OWNED BY {table}.id")
    op.execute(f"DROP TABLE {old} CASCADE")
    op.execute(
        f"ALTER TABLE {table} ADD CONSTRAINT {key['name']} PRIMARY KEY ({', '.join(columns)})"
    )
    for fk in foreign:
        op.create_foreign_key(
            fk["name"],
            table,
            fk["referred_table"],
            fk["constrained_columns"],
            fk["referred_columns"],
            ondelete=(fk.get("options") or {}).get("ondelete"),
        )
    for index in indexes:
        op.create_index(index["name"], table, index["column_names"], unique=index["unique"])


def _months(oldest: date, today: date) -> list[tuple[date, date]]:
    """[first, first of next) of every month from `oldest`'s to AHEAD_MONTHS after today's."""
    months = []
    first = oldest.replace(day=1)
    year, number = today.year, today.month + AHEAD_MONTHS
    last = date(year + (number - 1) // 12, (number - 1) % 12 + 1, 1)
    while first <= last:
        after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        months.append((first, after))
        first = after
    return months
