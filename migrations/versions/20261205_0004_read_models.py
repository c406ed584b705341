"""read models for chain scale: points totals per period, snapshot state, generations

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 21:00:00
"""

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ledger = sa.table(
    "points_ledger",
    sa.column("site_id", sa.Integer),
    sa.column("employee_id", sa.Integer),
    sa.column("local_day", sa.Date),
    sa.column("points", sa.Integer),
)
snapshot = sa.table(
    "score_snapshot",
    sa.column("employee_id", sa.Integer),
    sa.column("config_version", sa.Integer),
    sa.column("day", sa.Date),
    sa.column("computed_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    op.create_table(
        "points_total",
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employee.id"], name=op.f("fk_points_total_employee_id_employee")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_points_total_site_id_site")
        ),
        sa.PrimaryKeyConstraint("period", "site_id", "employee_id", name=op.f("pk_points_total")),
    )
    op.create_table(
        "snapshot_state",
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("config_version", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("through", sa.Date(), nullable=False),
        sa.Column("rebuilt_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["config_version"],
            ["scoring_config.version"],
            name=op.f("fk_snapshot_state_config_version_scoring_config"),
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employee.id"], name=op.f("fk_snapshot_state_employee_id_employee")
        ),
        sa.PrimaryKeyConstraint("employee_id", "config_version", name=op.f("pk_snapshot_state")),
    )
    op.create_table(
        "read_model_generation",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_read_model_generation")),
    )
    with op.batch_alter_table("employee", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_employee_updated_at"), ["updated_at"], unique=False)
    with op.batch_alter_table("feature", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scores_changed_at", sa.DateTime(timezone=True), nullable=True)
        )
    # Until now any feature change made snapshots stale: keep that for what was changed before.
    op.execute("UPDATE feature SET scores_changed_at = updated_at")
    _backfill_points_total()
    _backfill_snapshot_state()


def _backfill_points_total() -> None:
    """Each ledger row counts in its month, its ISO week and all time (rewards.ledger.book)."""
    bind = op.get_bind()
    totals: dict[tuple, int] = defaultdict(int)
    daily = sa.select(
        ledger.c.site_id, ledger.c.employee_id, ledger.c.local_day, sa.func.sum(ledger.c.points)
    )
    daily = daily.group_by(ledger.c.site_id, ledger.c.employee_id, ledger.c.local_day)
    for site, employee, day, points in bind.execute(daily):
        year, week, _ = day.isocalendar()
        for period in (day.strftime("%Y-%m"), f"{year:04d}-W{week:02d}", "all"):
            totals[(period, site, employee)] += int(points)
    rows = [
        {"period": p, "site_id": s, "employee_id": e, "points": v}
        for (p, s, e), v in totals.items()
    ]
    table = sa.table(
        "points_total",
        sa.column("period", sa.String),
        sa.column("site_id", sa.Integer),
        sa.column("employee_id", sa.Integer),
        sa.column("points", sa.Integer),
    )
    for start in range(0, len(rows), 5000):
        bind.execute(table.insert(), rows[start : start + 5000])


def _backfill_snapshot_state() -> None:
    """Snapshots were stored for every day from the first active one (adoption.scoring.snapshots)."""
    state = sa.table(
        "snapshot_state",
        sa.column("employee_id", sa.Integer),
        sa.column("config_version", sa.Integer),
        sa.column("first_day", sa.Date),
        sa.column("through", sa.Date),
        sa.column("rebuilt_at", sa.DateTime(timezone=True)),
    )
    summary = sa.select(
        snapshot.c.employee_id,
        snapshot.c.config_version,
        sa.func.min(snapshot.c.day),
        sa.func.max(snapshot.c.day),
        sa.func.min(snapshot.c.computed_at),
    ).group_by(snapshot.c.employee_id, snapshot.c.config_version)
    op.get_bind().execute(
        state.insert().from_select(
            ["employee_id", "config_version", "first_day", "through", "rebuilt_at"], summary
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("feature", schema=None) as batch_op:
        batch_op.drop_column("scores_changed_at")
    with op.batch_alter_table("employee", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_employee_updated_at"))
    op.drop_table("read_model_generation")
    op.drop_table("snapshot_state")
    op.drop_table("points_total")
