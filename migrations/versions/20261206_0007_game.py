"""game: points config versions, traceable ledger rows, kudos, feature titles and cards

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "points_config",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("void_window_hours", sa.Integer(), server_default="0", nullable=False),
        sa.Column("award_cap_per_month", sa.Integer(), server_default="100", nullable=False),
        sa.Column("kudos_points", sa.Integer(), server_default="0", nullable=False),
        sa.Column("colleague_kudos", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("rookie_days", sa.Integer(), server_default="28", nullable=False),
        sa.Column("rookie_division", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("display_names", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_points_config")),
    )
    created = datetime(2026, 12, 6, tzinfo=UTC)
    if op.get_bind().dialect.name == "sqlite":  # stored naive in UTC, as UTCDateTime does
        created = created.replace(tzinfo=None)
    config = sa.table(
        "points_config", sa.column("version"), sa.column("created_at"), sa.column("created_by")
    )
    op.bulk_insert(config, [{"version": 1, "created_at": created, "created_by": "migration"}])

    op.create_table(
        "kudos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("local_day", sa.Date(), nullable=False),
        sa.Column("message", sa.String(length=300), nullable=False),
        sa.Column("given_by", sa.String(length=128), nullable=False),
        sa.Column("giver_employee_id", sa.Integer(), nullable=True),
        sa.Column("points", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employee.id"], name=op.f("fk_kudos_employee_id_employee")
        ),
        sa.ForeignKeyConstraint(
            ["giver_employee_id"],
            ["employee.id"],
            name=op.f("fk_kudos_giver_employee_id_employee"),
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_kudos_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kudos")),
    )
    op.create_index("ix_kudos_employee_day", "kudos", ["employee_id", "local_day"])

    with op.batch_alter_table("points_ledger") as batch:
        batch.add_column(sa.Column("config_version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("event_count", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("first_event_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("last_event_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("given_by", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("provisional_until", UTC_DATETIME, nullable=True))
    op.create_index(
        op.f("ix_points_ledger_provisional_until"), "points_ledger", ["provisional_until"]
    )
    # Not started (DESIGN): no core attempt in the window, no score.
    with op.batch_alter_table("score_snapshot") as batch:
        batch.alter_column("score", existing_type=sa.Float(), nullable=True)
    # Snapshots stored before: a day without a core attempt held 22.50 (Novice); now it is Not
    # started. Their coverage stays fresh (nothing else about them changed), so fix them here.
    op.execute(
        "UPDATE score_snapshot SET score = NULL, level = 'Not started' WHERE core_attempts = 0"
    )
    with op.batch_alter_table("feature") as batch:
        batch.add_column(sa.Column("title", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("quick_reference_url", sa.String(length=500), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM score_snapshot WHERE score IS NULL")
    with op.batch_alter_table("score_snapshot") as batch:
        batch.alter_column("score", existing_type=sa.Float(), nullable=False)
    with op.batch_alter_table("feature") as batch:
        batch.drop_column("quick_reference_url")
        batch.drop_column("title")
    op.drop_index(op.f("ix_points_ledger_provisional_until"), table_name="points_ledger")
    with op.batch_alter_table("points_ledger") as batch:
        for column in (
            "provisional_until",
            "given_by",
            "last_event_id",
            "first_event_id",
            "event_count",
            "config_version",
        ):
            batch.drop_column(column)
    op.drop_index("ix_kudos_employee_day", table_name="kudos")
    op.drop_table("kudos")
    op.drop_table("points_config")
