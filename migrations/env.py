"""Alembic environment: runs on a connection handed in by adoption.schema, or on the URL."""

from alembic import context
from sqlalchemy import pool

from adoption.db import make_engine
from adoption.models import Base
from adoption.partitions import is_partition
from migrations import import_all_models

import_all_models()

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=_include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def _include_name(name, type_, parent_names) -> bool:
    """Monthly partitions are the tables' storage, not tables of the model: compare the parents."""
    return not (type_ == "table" and is_partition(name))


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `uptake db upgrade`")
run_migrations_online()
