"""Identifier normalisers and the cleaning of master-data exports (sites, roster, features).

Pure functions: `clean_records` turns raw rows into typed, merged records or reasons for rejecting
them; the importer upserts the result. Dates are read without ever guessing day/month order.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from adoption.locales import DEFAULT_LOCALE, LOCALES
from adoption.masterdata.fileio import ERROR_KEY, normalise_header
from adoption.masterdata.fileio import read_records as read_records  # re-exported: the import API
from adoption.masterdata.fileio import write_rejected as write_rejected

Kind = Literal["sites", "roster", "features"]


def normalise_text(value: object) -> str | None:
    """The trimmed text of a value; None for None, NaN, "" and whitespace (an omitted value)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value).strip() or None


def key_of(value: object) -> str:
    """The case-insensitive matching key of a site code or user id ("" for an empty value)."""
    text = normalise_text(value)
    return "" if text is None else text.casefold()


def normalise_action(value: object) -> str | None:
    """An action key as stored: trimmed and lower-cased."""
    text = normalise_text(value)
    return None if text is None else text.lower()


class DateParseError(ValueError):
    """A date that cannot be read without guessing; the message is the reason shown to people."""


_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")  # fmt: skip
_MONTHS = {n: i for i, full in enumerate(_MONTH_NAMES, 1) for n in (full, full[:3])} | {"sept": 9}
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})([Tt ].+)?", re.ASCII)
_YEAR_FIRST = re.compile(r"(\d{4})([/.-])(\d{1,2})\2(\d{1,2})", re.ASCII)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})", re.ASCII)
_DAY_MONTH = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})", re.ASCII)
_NAMED = re.compile(r"[A-Za-z0-9 ,./-]+", re.ASCII)
_TOKEN = re.compile(r"(\d+)(?:st|nd|rd|th)?|([A-Za-z]+)", re.ASCII)


def parse_date(value: object, date_format: str | None = None) -> date | None:
    """A date from ISO 8601 or another unambiguous form, or from `date_format` alone when given.

    Raises DateParseError (a ValueError) saying why, e.g. for 03/01/2026 without a format.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = normalise_text(value)
    if text is None:
        return None
    if date_format:
        return _date_with_format(text, date_format)
    for read in (_iso_date, _year_first_date, _compact_date, _day_month_date, _named_month_date):
        found = read(text)
        if found is not None:
            return found
    raise DateParseError(f"unrecognised date '{text}': use YYYY-MM-DD or give --date-format")


def _make_date(text: str, year: object, month: object, day: object) -> date:
    try:
        return date(int(str(year)), int(str(month)), int(str(day)))
    except ValueError as exc:
        raise DateParseError(f"invalid date '{text}': {exc}") from None


def _date_with_format(text: str, date_format: str) -> date:
    try:
        return datetime.strptime(text, date_format).date()  # noqa: DTZ007 - a date, no instant
    except ValueError:
        reason = f"date '{text}' does not match --date-format '{date_format}'"
        raise DateParseError(reason) from None


def _iso_date(text: str) -> date | None:
    """ISO 8601 date, or date-time whose date part is taken as written (no shift to UTC)."""
    match = _ISO.fullmatch(text)
    if match is None:
        return None
    if match[4]:
        try:
            datetime.fromisoformat(text)
        except ValueError:
            raise DateParseError(f"invalid date-time '{text}'") from None
    return _make_date(text, match[1], match[2], match[3])


def _year_first_date(text: str) -> date | None:
    match = _YEAR_FIRST.fullmatch(text)
    return None if match is None else _make_date(text, match[1], match[3], match[4])


def _compact_date(text: str) -> date | None:
    match = _COMPACT.fullmatch(text)
    return None if match is None else _make_date(text, match[1], match[2], match[3])


def _day_month_date(text: str) -> date | None:
    """d/m/Y or m/d/Y: read only when a part > 12 (or both equal) makes the order certain."""
    match = _DAY_MONTH.fullmatch(text)
    if match is None:
        return None
    first, second, year = int(match[1]), int(match[3]), match[4]
    if len(year) == 2 or (first <= 12 and second <= 12 and first != second):
        raise DateParseError(f"ambiguous date '{text}': give --date-format")
    day, month = (second, first) if second > 12 else (first, second)
    return _make_date(text, year, month, day)


def _named_month_date(text: str) -> date | None:
    """`1 Mar 2026`, `01-Mar-2026`, `March 1, 2026`: the month's name fixes the order."""
    if _NAMED.fullmatch(text) is None:
        return None
    numbers: list[str] = []
    words: list[str] = []
    for match in _TOKEN.finditer(text):
        if match[1]:
            numbers.append(match[1])
        else:
            words.append(match[2].lower())
    month = _MONTHS.get(words[0]) if len(words) == 1 else None
    if month is None or len(numbers) != 2:
        return None
    day, year = sorted(numbers, key=len)
    if len(year) != 4:
        raise DateParseError(f"ambiguous date '{text}': give --date-format")
    return _make_date(text, year, month, day) if len(day) <= 2 else None


_TRUE = frozenset({"true", "t", "yes", "y", "1", "x", "on"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "off"})


def parse_bool(value: object) -> bool | None:
    """A yes/no flag in the spellings exports use (`x` marks true); None when empty."""
    if isinstance(value, bool):
        return value
    text = normalise_text(value)
    if text is None:
        return None
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise ValueError(f"not a yes/no value: '{text}'")


def parse_count(value: object) -> int | None:
    """A whole number ≥ 0; "12.0" is accepted because spreadsheets write integers that way."""
    text = normalise_text(value)
    if text is None:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number != number.to_integral_value():
        raise ValueError(f"not a whole number: '{text}'")
    if number < 0:
        raise ValueError(f"must not be negative: '{text}'")
    return int(number)


def parse_timezone(value: object) -> str | None:
    """An IANA timezone name, checked against the zone database and kept as written."""
    text = normalise_text(value)
    if text is None:
        return None
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown timezone '{text}'") from None
    return text


Converter = Callable[[str, str | None], object]


# Each converter gets trimmed, non-empty text and the --date-format, and raises ValueError.
_TEXT: Converter = lambda text, _fmt: text  # noqa: E731
_NAME: Converter = lambda text, _fmt: " ".join(text.split())  # noqa: E731
_LOWER: Converter = lambda text, _fmt: text.lower()  # noqa: E731
_FLAG: Converter = lambda text, _fmt: parse_bool(text)  # noqa: E731
_COUNT: Converter = lambda text, _fmt: parse_count(text)  # noqa: E731
_ZONE: Converter = lambda text, _fmt: parse_timezone(text)  # noqa: E731
_DATE: Converter = parse_date
FIELDS: dict[str, dict[str, Converter]] = {
    "sites": {"site_id": _TEXT, "name": _TEXT, "region": _TEXT, "timezone": _ZONE,
              "is_pilot": _FLAG, "wave": _COUNT, "go_live_on": _DATE, "program_started_on": _DATE},
    "roster": {"user_id": _TEXT, "display_name": _NAME, "site_id": _TEXT, "role": _LOWER,
               "hired_on": _DATE, "left_on": _DATE, "public_opt_out": _FLAG},
    "features": {"action": _LOWER, "module": _TEXT, "is_core": _FLAG, "expected_ms": _COUNT,
                 "points": _COUNT, "daily_cap": _COUNT, "alias_of": _LOWER, "title": _TEXT,
                 "quick_reference_url": _TEXT,  # title and card: checked by put_feature
                 **{f"title_{locale}": _TEXT for locale in LOCALES if locale != DEFAULT_LOCALE}},
}  # fmt: skip
REQUIRED = {"sites": ("site_id", "name"), "roster": ("user_id", "display_name", "site_id"),
            "features": ("action",)}  # fmt: skip
ID_FIELD = {"sites": "site_id", "roster": "user_id", "features": "action"}
ALIASES = {
    "sites": {"code": "site_id", "site_code": "site_id", "store": "site_id", "store_id": "site_id",
              "site": "site_id", "go_live": "go_live_on", "golive": "go_live_on",
              "go_live_date": "go_live_on", "pilot": "is_pilot",
              "program_start": "program_started_on"},
    "roster": {"employee_id": "user_id", "external_id": "user_id", "emp_id": "user_id",
               "id": "user_id", "name": "display_name", "full_name": "display_name",
               "site": "site_id", "store": "site_id", "home_site": "site_id",
               "site_code": "site_id", "store_id": "site_id", "hire_date": "hired_on",
               "hired": "hired_on", "leave_date": "left_on", "termination_date": "left_on",
               "left": "left_on", "opt_out": "public_opt_out"},
    "features": {"action_key": "action", "key": "action", "core": "is_core", "cap": "daily_cap",
                 "name": "title", f"title_{DEFAULT_LOCALE}": "title",
                 "quick_reference": "quick_reference_url",
                 "quick_reference_card": "quick_reference_url"},
}  # fmt: skip


@dataclass
class CleanRow:
    """One record to upsert: only the fields given in the file, typed; `lines` are its sources."""

    key: str
    values: dict[str, object]
    lines: list[int]


@dataclass(frozen=True)
class Rejected:
    """A source row left out of the import; `reason` names each bad field."""

    line: int
    raw: dict[str, object]
    reason: str


@dataclass(frozen=True)
class Merge:
    """A key (as `key_of` gives it) that several rows shared, and those rows' lines."""

    key: str
    lines: list[int]


@dataclass
class CleanResult:
    """What an import would do; `fixed` counts kept rows whose text cleaning visibly changed."""

    kind: Kind
    rows: list[CleanRow]
    rejected: list[Rejected]
    merges: list[Merge]
    fixed: int
    read: int
    ignored_columns: list[str]

    @property
    def kept(self) -> int:
        return len(self.rows)


def canonical_record(kind: Kind, raw: dict[str, object]) -> tuple[dict[str, object], list[str]]:
    """The raw record keyed by field (headers normalised, aliases applied) and unknown columns.

    When several columns name one field, the first non-empty one wins.
    """
    aliases, fields = ALIASES[kind], FIELDS[kind]
    record: dict[str, object] = {}
    unknown: list[str] = []
    for column in raw:
        header = normalise_header(column)
        name = aliases.get(header, header)
        if name not in fields:
            if not header.startswith("__"):
                unknown.append(header)
        elif normalise_text(record.get(name)) is None:
            record[name] = raw[column]
    return record, unknown


def clean_row(
    kind: Kind, record: dict[str, object], date_format: str | None = None
) -> tuple[dict[str, object], list[str], bool]:
    """Typed non-empty values, the field errors (one sentence each) and whether text changed."""
    values: dict[str, object] = {}
    errors: list[str] = []
    fixed = False
    for name, convert in FIELDS[kind].items():
        raw = record.get(name)
        if isinstance(raw, dict | list):
            errors.append(f"{name}: expected a single value, not a JSON {type(raw).__name__}")
            continue
        text = normalise_text(raw)
        if text is None:
            if name in REQUIRED[kind]:
                errors.append(f"{name}: required field is empty")
            continue
        try:
            values[name] = convert(text, date_format)
        except ValueError as exc:
            errors.append(f"{name}: {exc}")
            continue
        fixed = fixed or _visibly_changed(raw, values[name])
    return values, errors + _cross_field_errors(kind, values), fixed


def _visibly_changed(raw: object, value: object) -> bool:
    if not isinstance(raw, str):  # JSON numbers and booleans are already typed
        return raw != value
    if isinstance(value, bool):
        return raw != ("true" if value else "false")
    return raw != (value.isoformat() if isinstance(value, date) else str(value))


def _cross_field_errors(kind: Kind, values: dict[str, object]) -> list[str]:
    hired, left = values.get("hired_on"), values.get("left_on")
    if kind == "roster" and isinstance(hired, date) and isinstance(left, date) and left < hired:
        return [f"left_on: {left.isoformat()} is before hired_on {hired.isoformat()}"]
    alias = values.get("alias_of")
    if kind == "features" and alias is not None and alias == values.get("action"):
        return ["alias_of: a feature cannot be an alias of itself"]
    return []


def clean_records(
    kind: Kind, records: Iterable[tuple[int, dict[str, object]]], date_format: str | None = None
) -> CleanResult:
    """Clean every row; rows sharing a key merge (last non-empty value of each field wins).

    A row with any field error is rejected whole, with all its reasons, and merges with nothing.
    """
    if kind not in FIELDS:
        raise ValueError(f"unknown master-data kind '{kind}'")
    result = CleanResult(kind, [], [], [], fixed=0, read=0, ignored_columns=[])
    by_key: dict[str, CleanRow] = {}
    fixed_keys: set[str] = set()
    ignored: dict[str, None] = {}
    for line, raw in records:
        result.read += 1
        record, unknown = canonical_record(kind, raw)
        ignored.update(dict.fromkeys(unknown))
        values, errors, fixed = clean_row(kind, record, date_format)
        if ERROR_KEY in raw:
            errors = [str(raw[ERROR_KEY])]
        if errors:
            result.rejected.append(Rejected(line, dict(raw), "; ".join(errors)))
            continue
        key = key_of(values[ID_FIELD[kind]])
        _merge_into(by_key, key, values, line, ID_FIELD[kind])
        if fixed:
            fixed_keys.add(key)
    result.rows = list(by_key.values())
    result.merges = [Merge(row.key, list(row.lines)) for row in result.rows if len(row.lines) > 1]
    result.fixed = len(fixed_keys)
    result.ignored_columns = list(ignored)
    return result


def _merge_into(
    rows: dict[str, CleanRow], key: str, values: dict[str, object], line: int, id_field: str
) -> None:
    """Add a row; a known key keeps its first-seen identifier and takes the newer values."""
    row = rows.get(key)
    if row is None:
        rows[key] = CleanRow(key, values, [line])
        return
    row.values.update({name: value for name, value in values.items() if name != id_field})
    row.lines.append(line)
