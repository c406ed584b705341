"""rewards, rollout waves, readiness rules, job lock

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 22:07:33.889296
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "champion_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=128), nullable=True),
        sa.Column("rules_version", sa.String(length=128), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('draft', 'closed')", name=op.f("ck_champion_period_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_champion_period")),
        sa.UniqueConstraint("month", "version", name=op.f("uq_champion_period_month_version")),
    )
    op.create_table(
        "job_lock",
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job", name=op.f("pk_job_lock")),
    )
    op.create_table(
        "readiness_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("comparison", sa.String(length=2), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("comparison IN ('>=', '<=')", name=op.f("ck_readiness_rule_comparison")),
        sa.CheckConstraint(
            "scope IN ('pilots', 'previous_wave')", name=op.f("ck_readiness_rule_scope")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_readiness_rule")),
    )
    op.create_table(
        "wave",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("planned_go_live_on", sa.Date(), nullable=True),
        sa.Column("canary_share", sa.Float(), nullable=True),
        sa.Column("canary_sites", sa.JSON(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "canary_share IS NULL OR (canary_share > 0 AND canary_share <= 1)",
            name=op.f("ck_wave_canary_share"),
        ),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_wave")),
    )
    op.create_table(
        "badge_award",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("badge", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("awarded_on", sa.Date(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("points", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employee.id"], name=op.f("fk_badge_award_employee_id_employee")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_badge_award_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badge_award")),
        sa.UniqueConstraint("employee_id", "badge", name=op.f("uq_badge_award_employee_id_badge")),
    )
    op.create_table(
        "champion_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("site_code", sa.String(length=64), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.String(length=128), nullable=True),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("proficient_since", sa.Date(), nullable=True),
        sa.Column("rank_reason", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('champion', 'first_proficient')", name=op.f("ck_champion_entry_kind")
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employee.id"], name=op.f("fk_champion_entry_employee_id_employee")
        ),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["champion_period.id"],
            name=op.f("fk_champion_entry_period_id_champion_period"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_champion_entry_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_champion_entry")),
        sa.UniqueConstraint(
            "period_id", "kind", "site_id", name=op.f("uq_champion_entry_period_id_kind_site_id")
        ),
    )
    op.create_table(
        "points_ledger",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("feature_id", sa.Integer(), nullable=True),
        sa.Column("local_day", sa.Date(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("earned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employee.id"], name=op.f("fk_points_ledger_employee_id_employee")
        ),
        sa.ForeignKeyConstraint(
            ["feature_id"], ["feature.id"], name=op.f("fk_points_ledger_feature_id_feature")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_points_ledger_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_ledger")),
    )
    with op.batch_alter_table("points_ledger", schema=None) as batch_op:
        batch_op.create_index(
            "ix_points_ledger_employee_day", ["employee_id", "local_day"], unique=False
        )
        batch_op.create_index("ix_points_ledger_site_day", ["site_id", "local_day"], unique=False)

    op.create_table(
        "site_first_proficient",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("proficient_since", sa.Date(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("config_version", sa.Integer(), nullable=False),
        sa.Column("awarded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employee.id"],
            name=op.f("fk_site_first_proficient_employee_id_employee"),
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_site_first_proficient_site_id_site")
        ),
        sa.PrimaryKeyConstraint("site_id", name=op.f("pk_site_first_proficient")),
    )


def downgrade() -> None:
    op.drop_table("site_first_proficient")
    with op.batch_alter_table("points_ledger", schema=None) as batch_op:
        batch_op.drop_index("ix_points_ledger_site_day")
        batch_op.drop_index("ix_points_ledger_employee_day")

    op.drop_table("points_ledger")
    op.drop_table("champion_entry")
    op.drop_table("badge_award")
    op.drop_table("wave")
    op.drop_table("readiness_rule")
    op.drop_table("job_lock")
    op.drop_table("champion_period")
