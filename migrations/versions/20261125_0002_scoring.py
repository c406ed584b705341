"""scoring config versions and daily score snapshots

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 21:32:03.453753
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scoring_config",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("w_breadth", sa.Float(), nullable=False),
        sa.Column("w_accuracy", sa.Float(), nullable=False),
        sa.Column("w_speed", sa.Float(), nullable=False),
        sa.Column("w_consistency", sa.Float(), nullable=False),
        sa.Column("developing_at", sa.Float(), nullable=False),
        sa.Column("proficient_at", sa.Float(), nullable=False),
        sa.Column("expert_at", sa.Float(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("min_core_attempts", sa.Integer(), nullable=False),
        sa.Column("breadth_min_successes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_scoring_config")),
    )
    op.create_table(
        "score_snapshot",
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("config_version", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("breadth", sa.Float(), nullable=False),
        sa.Column("accuracy", sa.Float(), nullable=False),
        sa.Column("speed", sa.Float(), nullable=False),
        sa.Column("consistency", sa.Float(), nullable=False),
        sa.Column("core_attempts", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["config_version"],
            ["scoring_config.version"],
            name=op.f("fk_score_snapshot_config_version_scoring_config"),
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employee.id"], name=op.f("fk_score_snapshot_employee_id_employee")
        ),
        sa.PrimaryKeyConstraint(
            "employee_id", "config_version", "day", name=op.f("pk_score_snapshot")
        ),
    )
    with op.batch_alter_table("score_snapshot", schema=None) as batch_op:
        batch_op.create_index(
            "ix_score_snapshot_day_version", ["day", "config_version"], unique=False
        )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index("ix_event_received_at", ["received_at"], unique=False)
    _seed_default_config()


def _seed_default_config() -> None:
    """Version 1 holds DESIGN.md's definitions, so a score always has a version to name."""
    names = (
        "version",
        "created_at",
        "created_by",
        "w_breadth",
        "w_accuracy",
        "w_speed",
        "w_consistency",
        "developing_at",
        "proficient_at",
        "expert_at",
        "window_days",
        "min_core_attempts",
        "breadth_min_successes",
    )
    config = sa.table("scoring_config", *(sa.column(name) for name in names))
    created = datetime(2026, 11, 25, tzinfo=UTC)
    if op.get_bind().dialect.name == "sqlite":  # stored naive in UTC, as UTCDateTime does
        created = created.replace(tzinfo=None)
    op.bulk_insert(
        config,
        [
            {
                "version": 1,
                "created_at": created,
                "created_by": "migration",
                "w_breadth": 0.35,
                "w_accuracy": 0.25,
                "w_speed": 0.20,
                "w_consistency": 0.20,
                "developing_at": 40.0,
                "proficient_at": 70.0,
                "expert_at": 85.0,
                "window_days": 28,
                "min_core_attempts": 20,
                "breadth_min_successes": 3,
            }
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index("ix_event_received_at")
    with op.batch_alter_table("score_snapshot", schema=None) as batch_op:
        batch_op.drop_index("ix_score_snapshot_day_version")

    op.drop_table("score_snapshot")
    op.drop_table("scoring_config")
