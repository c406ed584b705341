"""trust: session versions, login throttling, the access log, erased employees

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.add_column(
            sa.Column("session_version", sa.Integer(), server_default="1", nullable=False)
        )
        batch.add_column(sa.Column("password_changed_at", UTC_DATETIME, nullable=True))
    with op.batch_alter_table("employee") as batch:
        batch.add_column(sa.Column("erased_at", UTC_DATETIME, nullable=True))
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_failure_at", UTC_DATETIME, nullable=False),
        sa.Column("blocked_until", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    op.create_table(
        "access_log",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("viewer", sa.String(length=128), nullable=False),
        sa.Column("viewer_role", sa.String(length=32), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employee.id"], name=op.f("fk_access_log_employee_id_employee")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log")),
    )
    op.create_index(op.f("ix_access_log_at"), "access_log", ["at"])
    op.create_index("ix_access_log_employee_at", "access_log", ["employee_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_access_log_employee_at", table_name="access_log")
    op.drop_index(op.f("ix_access_log_at"), table_name="access_log")
    op.drop_table("access_log")
    op.drop_table("login_throttle")
    with op.batch_alter_table("employee") as batch:
        batch.drop_column("erased_at")
    with op.batch_alter_table("account") as batch:
        batch.drop_column("password_changed_at")
        batch.drop_column("session_version")
