"""Bulk import of master data and events from files, through the same rules as the API."""

from __future__ import annotations

import codecs
import csv
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from adoption.errors import Invalid, NotFound
from adoption.ingest.json_input import UnreadableJson, parse_int, read_json
from adoption.masterdata import feature_records, records
from adoption.masterdata.cleaning import Rejected, clean_records, read_records, write_rejected
from adoption.masterdata.feature_records import TITLE_LOCALES

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


def check_master_file(path: Path) -> None:
    """Raise Invalid (field `file`) for a missing file, a format the importer cannot read, or
    text that is not UTF-8 (master-data files are small enough to check whole)."""
    if not path.is_file():
        raise Invalid({"file": [f"no such file: {path}"]})
    try:
        read_records(path)
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Invalid({"file": [f"not UTF-8 text (byte {exc.start}): save it as UTF-8"]}) from None
    except ValueError as exc:
        raise Invalid({"file": [str(exc)]}) from None


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
    """Clean a sites/roster/features file and upsert it; rejected rows go to FILE.rejected.csv.

    A record the database refuses (e.g. an unknown home site) rejects every source line merged
    into it, each written with its raw cells, so the rejected file can be fixed and re-imported.
    """
    if kind not in KINDS:
        raise Invalid({"kind": [f"Must be one of: {', '.join(KINDS)}."]})
    check_master_file(path)
    records = list(read_records(path))
    raw_by_line = dict(records)
    cleaned = clean_records(kind, records, date_format)
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
            reason = "; ".join(f"{f}: {' '.join(m)}" for f, m in _flat(exc.details).items())
            rejected += [Rejected(line, raw_by_line[line], reason) for line in row.lines]
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
        before = _snapshot(session, records.get_site, code)
        obj, created = records.put_site(
            session, code, values, now=now, actor=actor, default_tz=default_tz
        )
    elif kind == "roster":
        user_id = values.pop("user_id")
        values.setdefault("rostered", True)
        before = _snapshot(session, records.get_employee, user_id)
        obj, created = records.put_employee(session, user_id, values, now=now, actor=actor)
    else:
        action = values.pop("action")
        titles = {k: values.pop(f"title_{k}") for k in TITLE_LOCALES if f"title_{k}" in values}
        if titles:  # the title_zh column: a title by locale, the others kept
            values["titles"] = titles
        text = feature_records.TEXT_FIELDS  # changed without moving updated_at
        before = _snapshot(session, feature_records.get_feature, action, text)
        obj, created = feature_records.put_feature(session, action, values, now=now, actor=actor)
        return _outcome(created, before, _state(obj, text))
    return _outcome(created, before, _state(obj))


def _flat(details: dict, prefix: str = "") -> dict[str, list]:
    """Field → messages, a nested field named with dots (`titles.zh`)."""
    flat: dict[str, list] = {}
    for name, messages in details.items():
        if isinstance(messages, dict):
            flat |= _flat(messages, f"{prefix}{name}.")
        else:
            flat[f"{prefix}{name}"] = messages
    return flat


def _outcome(created: bool, before: tuple | None, after: tuple) -> str:
    if created:
        return "created"
    return "updated" if after != before else "unchanged"


def _state(obj, fields: tuple[str, ...] = ()) -> tuple:
    """What tells a changed record: its `updated_at`, and `fields` that change without it."""
    return (obj.updated_at, *(getattr(obj, f) for f in fields))


def _snapshot(session, getter, key, fields: tuple[str, ...] = ()):
    try:
        return _state(getter(session, key), fields)
    except NotFound:
        return None


EVENT_FORMATS = (".csv", ".jsonl", ".ndjson", ".parquet")
# ASCII digits only: str.isdigit() also passes "²", which int() refuses.
_INTEGER = re.compile(r"\s*-?[0-9]+\s*")


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
    """One event per line; a line that is not JSON (or not UTF-8) is yielded as its text."""
    with path.open("rb") as fh:
        for number, data in enumerate(fh):
            if number == 0 and data.startswith(codecs.BOM_UTF8):
                data = data[len(codecs.BOM_UTF8) :]
            if not data.strip():
                continue
            try:
                yield read_json(data.decode("utf-8"))
            except (UnicodeDecodeError, UnreadableJson):
                # quarantined as "Invalid input type.", never dropped
                yield data.decode("utf-8", "backslashreplace").rstrip("\r\n")


def _csv_events(path: Path) -> Iterator[dict]:
    """Rows as typed dicts; a file that is not UTF-8 CSV stops with the line to fix.

    The batches before it are stored; re-running the import after the fix changes nothing there.
    """
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        try:
            for row in reader:
                yield _typed_csv_row(row)
        except UnicodeDecodeError:
            raise _unreadable(path, f"not UTF-8 text after line {reader.line_num}") from None
        except csv.Error as exc:
            raise _unreadable(path, f"line {reader.line_num}: {exc}") from None


def _unreadable(path: Path, why: str) -> Invalid:
    return Invalid({"file": [f"{path.name}: {why}; fix it and run the import again."]})


def _typed_csv_row(row: dict[str, str | None]) -> dict:
    """CSV has no types: blank cells are absent, duration digits are integers, properties JSON."""
    out: dict[str, object] = {}
    for key, value in row.items():
        if key is None or value is None or value.strip() == "":
            continue
        key = key.strip()
        out[key] = value
        if key == "duration_ms" and _INTEGER.fullmatch(value):
            out[key] = parse_int(value.strip())  # 5,000 digits: out of range, not a crash
        elif key == "properties":
            try:
                out[key] = read_json(value)
            except UnreadableJson:
                out[key] = value
    return out


def _parquet_events(path: Path) -> Iterator[dict]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        batches = pq.ParquetFile(path).iter_batches(batch_size=10_000)
        for batch in batches:
            for record in batch.to_pylist():
                yield {k: _parquet_value(k, v) for k, v in record.items() if not _blank(v)}
    except pa.ArrowException as exc:
        raise _unreadable(path, f"not a readable Parquet file ({exc})") from None


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _parquet_value(key: str, value):
    if isinstance(value, datetime):
        return value.isoformat()  # a naive one is rejected by the validator, with its reason
    if key == "duration_ms" and isinstance(value, float) and value.is_integer():
        return int(value)
    if key == "properties" and isinstance(value, str):
        try:
            return read_json(value)
        except UnreadableJson:
            return value
    return value
