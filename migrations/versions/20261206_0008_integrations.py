"""integrations: Segment/PostHog write keys (token format and mapping), notifications

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notification_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("removed_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employee.id"],
            name=op.f("fk_notification_subscription_employee_id_employee"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["site.id"],
            name=op.f("fk_notification_subscription_site_id_site"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_subscription")),
    )
    with op.batch_alter_table("notification_subscription") as batch_op:
        batch_op.create_index(
            "ix_notification_subscription_event", ["event", "removed_at"], unique=False
        )

    op.create_table(
        "notification_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("next_attempt_at", UTC_DATETIME, nullable=True),
        sa.Column("delivered_at", UTC_DATETIME, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["notification_subscription.id"],
            name=op.f("fk_notification_delivery_subscription_id_notification_subscription"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_delivery")),
        sa.UniqueConstraint("subscription_id", "key", name="uq_notification_delivery_key"),
    )
    with op.batch_alter_table("notification_delivery") as batch_op:
        batch_op.create_index(
            "ix_notification_delivery_due", ["status", "next_attempt_at"], unique=False
        )

    op.create_table(
        "notification_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("attempted_at", UTC_DATETIME, nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["notification_delivery.id"],
            name=op.f("fk_notification_attempt_delivery_id_notification_delivery"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_attempt")),
    )
    with op.batch_alter_table("notification_attempt") as batch_op:
        batch_op.create_index("ix_notification_attempt_delivery", ["delivery_id"], unique=False)

    with op.batch_alter_table("api_token") as batch_op:
        batch_op.add_column(
            sa.Column("format", sa.String(length=16), server_default="uptake", nullable=False)
        )
        batch_op.add_column(sa.Column("mapping", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_token") as batch_op:
        batch_op.drop_column("mapping")
        batch_op.drop_column("format")

    with op.batch_alter_table("notification_attempt") as batch_op:
        batch_op.drop_index("ix_notification_attempt_delivery")

    op.drop_table("notification_attempt")
    with op.batch_alter_table("notification_delivery") as batch_op:
        batch_op.drop_index("ix_notification_delivery_due")

    op.drop_table("notification_delivery")
    with op.batch_alter_table("notification_subscription") as batch_op:
        batch_op.drop_index("ix_notification_subscription_event")

    op.drop_table("notification_subscription")
