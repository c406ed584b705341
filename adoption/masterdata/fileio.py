"""Master-data export files: raw records out of CSV/JSONL, rejected rows back into a CSV.

No cleaning happens here beyond header names; `adoption.masterdata.cleaning` owns the meaning of
values.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from adoption.cells import neutralise

if TYPE_CHECKING:
    from adoption.masterdata.cleaning import Rejected

CSV_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
DELIMITERS = (",", ";", "\t")
ERROR_KEY = "__error__"
NOT_AN_OBJECT = "line is not a JSON object"
_HEADER_GAPS = re.compile(r"[\s\-]+")

Record = dict[str, object]


def normalise_header(name: object) -> str:
    """A column name as fields are matched: trimmed, lower-cased, spaces and dashes → `_`."""
    return _HEADER_GAPS.sub("_", str(name).strip().lower())


def read_records(path: str | Path) -> Iterator[tuple[int, Record]]:
    """Yield (line number as a human counts it in the file, raw record) for each non-blank row.

    Header names are normalised; aliases are applied by `clean_records`, which knows the kind.
    Raises ValueError at once for an extension that is neither CSV nor JSONL.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return _read_csv(path)
    if suffix in JSONL_SUFFIXES:
        return _read_jsonl(path)
    raise ValueError(f"unsupported file type '{path.suffix}': use .csv, .tsv, .jsonl or .ndjson")


def _sniff_delimiter(path: Path) -> str:
    """The candidate delimiter seen most often on the header line (`,` when none is)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for line in handle:
            if line.strip():
                return max(DELIMITERS, key=line.count)
    return ","


def _read_csv(path: Path) -> Iterator[tuple[int, Record]]:
    delimiter = _sniff_delimiter(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        header: list[str] | None = None
        last_line = 0
        for cells in reader:
            # A quoted cell may span lines; the row is numbered where it starts.
            line, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [normalise_header(cell) for cell in cells]
            else:
                yield line, _row_record(header, cells)


def _row_record(header: list[str], cells: list[str]) -> Record:
    """Cells keyed by header; a repeated column keeps its first non-empty cell."""
    record: Record = {}
    for name, cell in zip(header, cells, strict=False):
        if name and not str(record.get(name, "")).strip():
            record[name] = cell
    if any(cell.strip() for cell in cells[len(header) :]):
        record[ERROR_KEY] = f"row has {len(cells)} cells but the header has {len(header)}"
    return record


def _read_jsonl(path: Path) -> Iterator[tuple[int, Record]]:
    with path.open(encoding="utf-8-sig") as handle:
        for number, text in enumerate(handle, start=1):
            if text.strip():
                yield number, _json_record(text)


def _json_record(text: str) -> Record:
    """The object on one line, or an error record so the line is rejected rather than fatal."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, dict):
        return {ERROR_KEY: NOT_AN_OBJECT}
    return {normalise_header(key): item for key, item in value.items()}


def write_rejected(source_path: str | Path, rejected: list[Rejected]) -> Path | None:
    """Write `<source>.rejected.csv` (line, raw columns, reason): rows to fix and import again.

    With nothing rejected, no file is written and a stale one from an earlier run is removed.
    """
    target = Path(f"{source_path}.rejected.csv")
    if not rejected:
        target.unlink(missing_ok=True)
        return None
    columns = list(
        dict.fromkeys(name for row in rejected for name in row.raw if not name.startswith("__"))
    )
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([_safe_cell(name) for name in ("line", *columns, "reason")])
        for row in rejected:
            cells = [row.raw.get(name) for name in columns]
            writer.writerow([row.line, *map(_safe_cell, cells), _safe_cell(row.reason)])
    return target


def _safe_cell(value: object) -> object:
    """Numbers stay numbers; text a spreadsheet would run as a formula gets a leading `'`."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    return neutralise(value)
