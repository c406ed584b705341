"""Bulk import of master data and events from files, through the same rules as the API."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from adoption import masterdata
from adoption.cleaning import Rejected, clean_records, read_records, write_rejected
from adoption.errors import Invalid, NotFound

KINDS = ("sites", "roster", "features")


@dataclass
class ImportSummary:
    kind: str
    read: int = 0
    kept: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    fixed: int = 0
    merged: list[dict] = field(default_factory=list)
    rejected: int = 0
    rejected_file: str | None = None
    ignored_columns: list[str] = field(default_factory=list)


def import_master(
    session: Session,
    kind: str,
    path: Path,
    *,
    now: datetime,
    actor: str,
    default_tz: str,
    date_format: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Clean a sites/roster/features file and upsert it; rejected rows go to FILE.rejected.csv."""
    if kind not in KINDS:
        raise Invalid({"kind": [f"Must be one of: {', '.join(KINDS)}."]})
    cleaned = clean_records(kind, read_records(path), date_format)
    summary = ImportSummary(
        kind=kind,
        read=cleaned.read,
        fixed=cleaned.fixed,
        ignored_columns=list(cleaned.ignored_columns),
    )
    summary.merged = [{"key": m.key, "lines": m.lines} for m in cleaned.merges]
    rejected = list(cleaned.rejected)
    for row in cleaned.rows:
        try:
            outcome = _upsert(session, kind, row.values, now, actor, default_tz)
        except Invalid as exc:
            reason = "; ".join(f"{f}: {' '.join(m)}" for f, m in exc.details.items())
            rejected.append(Rejected(line=row.lines[-1], raw=dict(row.values), reason=reason))
            continue
        summary.kept += 1
        setattr(summary, outcome, getattr(summary, outcome) + 1)
        if progress:
            progress(1)
    summary.rejected = len(rejected)
    written = write_rejected(path, sorted(rejected, key=lambda r: r.line))
    summary.rejected_file = str(written) if written else None
    return summary


def _upsert(session, kind, values, now, actor, default_tz) -> str:
    values = dict(values)
    if kind == "sites":
        code = values.pop("site_id")
        before = _snapshot(session, masterdata.get_site, code)
        obj, created = masterdata.put_site(
            session, code, values, now=now, actor=actor, default_tz=default_tz
        )
    elif kind == "roster":
        user_id = values.pop("user_id")
        values.setdefault("rostered", True)
        before = _snapshot(session, masterdata.get_employee, user_id)
        obj, created = masterdata.put_employee(session, user_id, values, now=now)
    else:
        action = values.pop("action")
        before = _snapshot(session, masterdata.get_feature, action)
        obj, created = masterdata.put_feature(session, action, values, now=now)
    if created:
        return "created"
    return "updated" if obj.updated_at != before else "unchanged"


def _snapshot(session, getter, key):
    try:
        return getter(session, key).updated_at
    except NotFound:
        return None


EVENT_FORMATS = (".csv", ".jsonl", ".ndjson", ".parquet")


def read_event_chunks(path: Path, chunk_size: int = 5_000) -> Iterator[list[object]]:
    """Raw event dicts from CSV, JSONL or Parquet, in chunks; typing is restored for CSV."""
    suffix = path.suffix.lower()
    if suffix not in EVENT_FORMATS:
        raise Invalid({"file": [f"Unsupported format {suffix!r}: use CSV, JSONL or Parquet."]})
    rows = {".csv": _csv_events, ".parquet": _parquet_events}.get(suffix, _jsonl_events)(path)
    chunk: list[object] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= chunk_size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _jsonl_events(path: Path) -> Iterator[object]:
    with path.open(encoding="utf-8-sig") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                yield line.rstrip("\n")  # quarantined as "Invalid input type.", never dropped


def _csv_events(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            yield _typed_csv_row(row)


def _typed_csv_row(row: dict[str, str | None]) -> dict:
    """CSV has no types: blank cells are absent, duration digits are integers, properties JSON."""
    out: dict[str, object] = {}
    for key, value in row.items():
        if key is None or value is None or value.strip() == "":
            continue
        key = key.strip()
        out[key] = value
        if key == "duration_ms" and value.strip().lstrip("-").isdigit():
            out[key] = int(value)
        elif key == "properties":
            try:
                out[key] = json.loads(value)
            except json.JSONDecodeError:
                out[key] = value
    return out


def _parquet_events(path: Path) -> Iterator[dict]:
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(path).iter_batches(batch_size=10_000):
        for record in batch.to_pylist():
            yield {k: _parquet_value(k, v) for k, v in record.items() if not _blank(v)}


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _parquet_value(key: str, value):
    if isinstance(value, datetime):
        return value.isoformat()  # a naive one is rejected by the validator, with its reason
    if key == "duration_ms" and isinstance(value, float) and value.is_integer():
        return int(value)
    if key == "properties" and isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value
