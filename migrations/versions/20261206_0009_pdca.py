"""pdca: targets, reports, quick-reference cards, locales (account, subscription), feature titles

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

UTC_DATETIME = sa.DateTime(timezone=True)

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "optimisation_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_on", sa.Date(), nullable=False),
        sa.Column("to_on", sa.Date(), nullable=False),
        sa.Column("generated_at", UTC_DATETIME, nullable=False),
        sa.Column("generated_by", sa.String(length=200), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_optimisation_report")),
        sa.UniqueConstraint("from_on", "to_on", name="uq_optimisation_report_period"),
    )
    with op.batch_alter_table("optimisation_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_optimisation_report_to_on"), ["to_on"], unique=False)

    op.create_table(
        "target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("population", sa.String(length=16), nullable=False),
        sa.Column("population_value", sa.String(length=100), nullable=True),
        sa.Column("comparison", sa.String(length=2), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("deadline_week", sa.Integer(), nullable=True),
        sa.Column("deadline_on", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint("comparison IN ('>=', '<=')", name=op.f("ck_target_comparison")),
        sa.CheckConstraint(
            "population IN ('all', 'pilots', 'wave', 'region')", name=op.f("ck_target_population")
        ),
        sa.CheckConstraint(
            "(deadline_week IS NULL) <> (deadline_on IS NULL)", name=op.f("ck_target_one_deadline")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target")),
    )
    op.create_table(
        "quick_card",
        sa.Column("feature_id", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("image", sa.LargeBinary(), nullable=True),
        sa.Column("image_type", sa.String(length=32), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["feature_id"],
            ["feature.id"],
            name=op.f("fk_quick_card_feature_id_feature"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("feature_id", "locale", name=op.f("pk_quick_card")),
    )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=16), nullable=True))

    with op.batch_alter_table("feature", schema=None) as batch_op:
        batch_op.add_column(sa.Column("titles", sa.JSON(), nullable=True))

    with op.batch_alter_table("notification_subscription", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notification_subscription", schema=None) as batch_op:
        batch_op.drop_column("locale")

    with op.batch_alter_table("feature", schema=None) as batch_op:
        batch_op.drop_column("titles")

    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("locale")

    op.drop_table("quick_card")
    op.drop_table("target")
    with op.batch_alter_table("optimisation_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_optimisation_report_to_on"))

    op.drop_table("optimisation_report")
