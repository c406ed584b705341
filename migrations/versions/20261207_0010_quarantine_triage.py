"""quarantine triage: each item's reason as one line and the site it names, to total and filter by

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 09:00:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REASON_LENGTH = 200
SITE_LENGTH = 128
BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reason", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("site", sa.String(length=128), nullable=True))
        batch_op.create_index("ix_quarantine_status_reason", ["status", "reason"], unique=False)
        batch_op.create_index("ix_quarantine_status_source", ["status", "source"], unique=False)
        batch_op.create_index(
            "ix_quarantine_status_received_at", ["status", "received_at"], unique=False
        )
    _backfill(op.get_bind())


def _backfill(bind) -> None:
    """Existing items get the reason line and site that `adoption.ingest.quarantine` gives new
    ones (the rule as of this revision, written out here so the migration never changes)."""
    table = sa.table(
        "quarantine",
        sa.column("id", sa.BigInteger),
        sa.column("kind", sa.String),
        sa.column("payload", sa.LargeBinary),
        sa.column("reasons", sa.JSON),
        sa.column("reason", sa.String),
        sa.column("site", sa.String),
    )
    last = 0
    while True:
        event_payload = sa.case((table.c.kind == "event", table.c.payload), else_=None)
        rows = bind.execute(  # a body's payload (up to 10 MB) is never read: it names no site
            sa.select(table.c.id, table.c.kind, event_payload.label("payload"), table.c.reasons)
            .where(table.c.id > last)
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        updates = [
            {"key": row.id, "r": _reason_line(row.reasons), "s": _site(row.kind, row.payload)}
            for row in rows
        ]
        bind.execute(
            table.update()
            .where(table.c.id == sa.bindparam("key"))
            .values(reason=sa.bindparam("r"), site=sa.bindparam("s")),
            updates,
        )
        last = rows[-1].id


def _reason_line(reasons) -> str:
    if isinstance(reasons, str):
        reasons = json.loads(reasons)
    if not isinstance(reasons, dict):
        return _clean(str(reasons))[:REASON_LENGTH].strip()
    parts = []
    for field in sorted(reasons, key=str):
        message = reasons[field]
        while isinstance(message, list) and message:
            message = message[0]
        if not isinstance(message, str):
            message = json.dumps(message, sort_keys=True, default=str)
        parts.append(f"{field}: {message}")
    return _clean("; ".join(parts))[:REASON_LENGTH].strip()


def _clean(text: str) -> str:
    """Without what no database stores (NUL, a lone surrogate)."""
    return text.replace("\x00", "\ufffd").encode("utf-8", errors="replace").decode("utf-8")


def _site(kind, payload) -> str | None:
    if kind != "event":
        return None
    try:
        raw = json.loads(payload)
    except (ValueError, RecursionError):
        return None
    if not isinstance(raw, dict):
        return None
    places = (
        (raw, "site_id"),
        (raw.get("properties"), "site_id"),
        (raw.get("context"), "groupId"),
        (raw.get("traits"), "site_id"),
    )
    for holder, key in places:
        value = holder.get(key) if isinstance(holder, dict) else None
        if isinstance(value, str) and value.strip():
            return _clean(value.strip())[:SITE_LENGTH]
    return None


def downgrade() -> None:
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.drop_index("ix_quarantine_status_received_at")
        batch_op.drop_index("ix_quarantine_status_source")
        batch_op.drop_index("ix_quarantine_status_reason")
        batch_op.drop_column("site")
        batch_op.drop_column("reason")
