"""`uptake import` writes master data through `records`, so each row it changes is audited
under the importing actor, and a row out of range is rejected with its reason, not stored."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from adoption.masterdata import imports
from adoption.models import AuditLog, Feature

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_an_imported_feature_catalog_is_audited_row_by_row(session, tmp_path):
    path = tmp_path / "features.csv"
    path.write_text("action,points,daily_cap\npos.sale,2,10\npos.void,0,\n", encoding="utf-8")
    imports.import_master(session, "features", path, now=NOW, actor="cli", default_tz="UTC")
    path.write_text("action,points,daily_cap\npos.sale,3,10\npos.void,0,\n", encoding="utf-8")
    imports.import_master(session, "features", path, now=NOW, actor="cli", default_tz="UTC")
    rows = session.scalars(select(AuditLog).where(AuditLog.action == "feature.put")).all()
    # two created, then one changed (pos.void is unchanged the second time: no row)
    assert [(r.actor, r.target, r.details["created"]) for r in rows] == [
        ("cli", "pos.sale", True),
        ("cli", "pos.void", True),
        ("cli", "pos.sale", False),
    ]
    assert rows[-1].details["changes"] == {"points": [2, 3]}


def test_an_imported_number_beyond_its_column_is_rejected_with_the_reason(session, tmp_path):
    path = tmp_path / "features.csv"
    path.write_text("action,daily_cap\npos.sale,37880470208397\n", encoding="utf-8")
    summary = imports.import_master(
        session, "features", path, now=NOW, actor="cli", default_tz="UTC"
    )
    assert (summary.kept, summary.rejected) == (0, 1)
    rejected = (tmp_path / "features.csv.rejected.csv").read_text(encoding="utf-8")
    assert "daily_cap: Must be greater than or equal to 0 and less than or equal to" in rejected
    assert session.scalar(select(Feature).where(Feature.action == "pos.sale")) is None
