"""Cleaning of master-data exports: value parsers, file reading, merging, reasons, rejected file."""

import csv
import shutil
import string
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adoption.masterdata.cleaning import (
    DateParseError,
    Merge,
    Rejected,
    clean_records,
    key_of,
    normalise_action,
    normalise_text,
    parse_bool,
    parse_count,
    parse_date,
    read_records,
    write_rejected,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _copy_fixture(name: str, tmp_path: Path) -> Path:
    """Work on a copy: write_rejected writes beside its input."""
    target = tmp_path / name
    shutil.copyfile(FIXTURES / name, target)
    return target


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


# --- identifiers -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "   ", "\t\n", float("nan")])
def test_normalise_text_treats_blank_and_nan_as_missing(value):
    assert normalise_text(value) is None


def test_normalise_text_trims_but_keeps_inner_spaces_and_case():
    assert normalise_text("  Ann  Lee \t") == "Ann  Lee"
    assert normalise_text(12) == "12"


def test_key_of_matches_codes_trimmed_and_case_insensitively():
    assert key_of(" S001 ") == key_of("s001") == "s001"
    assert key_of("   ") == ""


def test_normalise_action_trims_and_lower_cases():
    assert normalise_action(" POS.Refund ") == "pos.refund"
    assert normalise_action(" ") is None


# --- dates, flags, counts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-01", date(2026, 3, 1)),
        ("2026-03-01T10:00:00+01:00", date(2026, 3, 1)),
        ("2026-03-01T23:30:00-05:00", date(2026, 3, 1)),  # the date as written, not UTC's
        ("2026/03/01", date(2026, 3, 1)),
        ("20260301", date(2026, 3, 1)),
        ("1 Mar 2026", date(2026, 3, 1)),
        ("01-Mar-2026", date(2026, 3, 1)),
        ("March 1, 2026", date(2026, 3, 1)),
        ("1 March 2026", date(2026, 3, 1)),
        ("13/03/2026", date(2026, 3, 13)),  # 13 cannot be a month: day first
        ("03/13/2026", date(2026, 3, 13)),  # 13 cannot be a month: month first
        ("04.04.2026", date(2026, 4, 4)),  # both orders give the same day
        ("  2026-03-01 ", date(2026, 3, 1)),
        ("", None),
        (None, None),
    ],
)
def test_parse_date_reads_unambiguous_forms(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["03/01/2026", "3.1.2026", "03-01-2026", "13/03/26", "1 Mar 26"])
def test_parse_date_rejects_ambiguous_dates_instead_of_guessing(text):
    with pytest.raises(DateParseError) as caught:
        parse_date(text)
    assert str(caught.value) == f"ambiguous date '{text}': give --date-format"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-02-30", "invalid date '2026-02-30': day is out of range for month"),
        ("31/31/2026", "invalid date '31/31/2026': month must be in 1..12"),
        ("soon", "unrecognised date 'soon': use YYYY-MM-DD or give --date-format"),
    ],
)
def test_parse_date_explains_unreadable_dates(text, reason):
    with pytest.raises(DateParseError) as caught:
        parse_date(text)
    assert str(caught.value) == reason


def test_parse_date_with_a_format_uses_that_format_only():
    assert parse_date("03/01/2026", "%d/%m/%Y") == date(2026, 1, 3)
    with pytest.raises(DateParseError) as caught:
        parse_date("2026-01-03", "%d/%m/%Y")
    assert str(caught.value) == "date '2026-01-03' does not match --date-format '%d/%m/%Y'"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("TRUE", True), ("yes", True), ("Y", True), ("1", True), ("t", True), ("x", True),
     ("On", True), ("false", False), ("No", False), ("n", False), ("0", False), ("F", False),
     ("off", False), ("", None), (None, None), (True, True)],
)  # fmt: skip
def test_parse_bool_reads_export_spellings(text, expected):
    assert parse_bool(text) is expected


def test_parse_bool_rejects_other_words():
    with pytest.raises(ValueError, match="not a yes/no value: 'maybe'"):
        parse_bool(" maybe ")


@pytest.mark.parametrize(("text", "expected"), [("12", 12), ("12.0", 12), (" 0 ", 0), (7, 7)])
def test_parse_count_accepts_whole_numbers_written_as_decimals(text, expected):
    assert parse_count(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [("abc", "not a whole number: 'abc'"), ("12.5", "not a whole number: '12.5'"),
     ("nan", "not a whole number: 'nan'"), ("-1", "must not be negative: '-1'")],
)  # fmt: skip
def test_parse_count_rejects_fractions_words_and_negatives(text, reason):
    with pytest.raises(ValueError) as caught:
        parse_count(text)
    assert str(caught.value) == reason


# --- reading files -----------------------------------------------------------------------------


def test_read_records_sniffs_semicolons_strips_bom_and_normalises_headers():
    records = list(read_records(FIXTURES / "roster_messy.csv"))
    assert records[0] == (
        2,
        {"employee_id": "E001", "name": "Ada Lovelace", "store": "S001", "role": "cashier",
         "hire_date": "2026-01-05", "leave_date": "", "opt_out": "", "shoe_size": "42"},
    )  # fmt: skip
    # Line 13 is blank and line 27 has only empty cells: neither is a record.
    assert [line for line, _ in records] == [*range(2, 13), *range(14, 27)]


def test_read_records_numbers_rows_by_the_line_they_start_on(tmp_path):
    path = tmp_path / "roster.tsv"
    path.write_text('id\tname\n"E1"\t"two\nlines"\n\nE2\tBo\n', encoding="utf-8")
    assert list(read_records(path)) == [
        (2, {"id": "E1", "name": "two\nlines"}),
        (5, {"id": "E2", "name": "Bo"}),
    ]


def test_read_records_marks_rows_with_more_cells_than_the_header(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("id,name\nE1,Ann,extra\nE2,Bo,\n", encoding="utf-8")
    records = list(read_records(path))
    assert records[0][1]["__error__"] == "row has 3 cells but the header has 2"
    assert records[1] == (3, {"id": "E2", "name": "Bo"})  # an empty trailing cell is harmless


def test_read_records_rejects_an_unknown_extension_at_once(tmp_path):
    with pytest.raises(ValueError, match=r"unsupported file type '\.xlsx'"):
        read_records(tmp_path / "roster.xlsx")


# --- the messy roster --------------------------------------------------------------------------


def _clean_roster():
    return clean_records("roster", read_records(FIXTURES / "roster_messy.csv"))


def test_messy_roster_counts_read_kept_merged_rejected_fixed():
    result = _clean_roster()
    # read: lines 2-12 (11) + 14-26 (13) = 24; line 13 is blank, line 27 has only empty cells.
    assert result.read == 24
    # rejected: 8, 9, 12, 19, 21, 22, 23 = 7 (reasons in the next test).
    assert len(result.rejected) == 7
    # merged: e100 (7 " e100 ", 20 "E100") and E002 (3, 26) = 2 keys.
    assert result.merges == [Merge("e002", [3, 26]), Merge("e100", [7, 20])]
    # kept: 24 read - 7 rejected = 17 rows, minus 2 merged away = 15 employees.
    assert result.kept == len(result.rows) == 15
    # fixed: e100 (padded id, 7), E008 (13/03/2026, 10), E009 (1 Mar 2026, 11), E011 (opt-out
    # "Y", 14), E012 (spaces in name, "Cashier", 15), E015 (20260122, 18), E019 (March 1, 2026,
    # 24), E020 (date-time, 25) = 8. "true"/"false" and ISO dates are already canonical.
    assert result.fixed == 8


def test_messy_roster_rejections_name_the_field_and_the_reason():
    reasons = [(row.line, row.reason) for row in _clean_roster().rejected]
    assert reasons == [
        (8, "display_name: required field is empty"),
        (9, "hired_on: ambiguous date '03/01/2026': give --date-format"),
        (12, "left_on: 2026-02-01 is before hired_on 2026-03-01"),
        (19, "site_id: required field is empty"),
        (21, "user_id: required field is empty"),
        (22, "hired_on: invalid date '2026-02-30': day is out of range for month"),
        (23, "public_opt_out: not a yes/no value: 'maybe'"),
    ]


def test_duplicate_employee_rows_merge_last_non_empty_wins():
    rows = {row.key: row for row in _clean_roster().rows}
    # " e100 " (line 7) has no hire date; "E100" (line 20) gives one and no role.
    assert rows["e100"].values == {
        "user_id": "e100",  # stored as first seen, trimmed
        "display_name": "Katherine Johnson",
        "site_id": "S001",
        "role": "cashier",  # line 20's empty role does not clear line 7's
        "hired_on": date(2026, 3, 2),
    }
    assert rows["e100"].lines == [7, 20]
    assert rows["e002"].values["site_id"] == "S004"  # the later row's home site wins


def test_messy_roster_values_are_cleaned_and_typed():
    rows = {row.key: row.values for row in _clean_roster().rows}
    assert rows["e008"]["hired_on"] == date(2026, 3, 13)
    assert rows["e009"]["hired_on"] == date(2026, 3, 1)
    assert rows["e020"]["hired_on"] == date(2026, 2, 4)
    assert rows["e011"]["public_opt_out"] is True
    assert rows["e012"]["display_name"] == "Hedy Lamarr"
    assert rows["e012"]["role"] == "cashier"
    assert rows["e013"]["site_id"] == "s002"  # a reference is kept as written, matched later


def test_omitted_fields_are_left_out_so_stored_values_survive():
    values = {row.key: row.values for row in _clean_roster().rows}["e001"]
    assert set(values) == {"user_id", "display_name", "site_id", "role", "hired_on"}


def test_unknown_columns_are_listed_once():
    assert _clean_roster().ignored_columns == ["shoe_size"]


def test_row_with_a_field_error_is_rejected_whole_and_merges_with_nothing():
    records = [
        (2, {"user_id": "E1", "display_name": "Ann", "site_id": "S1"}),
        (3, {"user_id": "e1", "display_name": "Bo", "site_id": "", "hired_on": "03/01/2026"}),
    ]
    result = clean_records("roster", records)
    assert [(row.values["display_name"], row.lines) for row in result.rows] == [("Ann", [2])]
    assert result.merges == []
    assert result.rejected == [
        Rejected(3, records[1][1], "site_id: required field is empty; "
                 "hired_on: ambiguous date '03/01/2026': give --date-format"),
    ]  # fmt: skip


def test_date_format_applies_to_every_date_field_and_counts_as_a_fix():
    record = {"user_id": "E1", "display_name": "Ann", "site_id": "S1", "hired_on": "03/01/2026"}
    result = clean_records("roster", [(2, record)], date_format="%d/%m/%Y")
    assert result.rows[0].values["hired_on"] == date(2026, 1, 3)
    assert result.fixed == 1


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown master-data kind 'shops'"):
        clean_records("shops", [])  # type: ignore[arg-type]


# --- sites and features ------------------------------------------------------------------------


def test_messy_sites_reject_unknown_timezone_and_merge_codes_case_insensitively():
    result = clean_records("sites", read_records(FIXTURES / "sites_messy.csv"))
    # read 5 (lines 2-6); rejected 3 (timezone) and 5 (wave); s001 (2) and S001 (4) merge.
    assert result.read == 5
    assert [(row.line, row.reason) for row in result.rejected] == [
        (3, "timezone: unknown timezone 'Mars/Olympus'"),
        (5, "wave: not a whole number: 'abc'"),
    ]
    assert result.merges == [Merge("s001", [2, 4])]
    assert [row.key for row in result.rows] == ["s001", "s004"]
    assert result.rows[0].values == {
        "site_id": "s001",
        "name": "Main Street Store",
        "region": "North",
        "timezone": "Europe/Paris",
        "is_pilot": True,
        "wave": 1,
        "go_live_on": date(2026, 3, 1),
    }
    # fixed: s001 ("yes" → true), S004 ("3.0" → 3, 01-Mar-2026 → ISO) = 2.
    assert result.fixed == 2


def test_messy_features_reject_non_objects_and_lower_case_actions():
    result = clean_records("features", read_records(FIXTURES / "features_messy.jsonl"))
    # read 7 (lines 1-3, 5-8; 4 is blank); rejected 3, 6, 8; pos.sale.complete merges 1 and 7.
    assert result.read == 7
    assert [(row.line, row.reason) for row in result.rejected] == [
        (3, "line is not a JSON object"),
        (6, "line is not a JSON object"),
        (8, "points: must not be negative: '-1'"),
    ]
    assert result.merges == [Merge("pos.sale.complete", [1, 7])]
    rows = {row.key: row.values for row in result.rows}
    assert rows["pos.refund"] == {"action": "pos.refund", "is_core": True, "points": 3,
                                  "daily_cap": 10}  # fmt: skip
    assert rows["pos.refund.v2"]["alias_of"] == "pos.refund"
    assert rows["pos.sale.complete"]["daily_cap"] == 50
    # fixed: line 2 (" POS.Refund ", "yes") and line 5 (alias_of) = 2; JSON true/2 are typed.
    assert result.fixed == 2


def test_feature_cannot_alias_itself():
    result = clean_records("features", [(1, {"action": "pos.x", "alias_of": " POS.X "})])
    assert result.rejected[0].reason == "alias_of: a feature cannot be an alias of itself"


# --- the rejected file -------------------------------------------------------------------------


def test_write_rejected_writes_line_raw_columns_and_reason_beside_the_input(tmp_path):
    source = _copy_fixture("roster_messy.csv", tmp_path)
    result = clean_records("roster", read_records(source))
    written = write_rejected(source, result.rejected)
    assert written == tmp_path / "roster_messy.csv.rejected.csv"
    rows = _read_csv(written)
    assert rows[0] == ["line", "employee_id", "name", "store", "role", "hire_date",
                       "leave_date", "opt_out", "shoe_size", "reason"]  # fmt: skip
    assert rows[2] == ["9", "E007", "Dorothy Vaughan", "S002", "cashier", "03/01/2026", "", "",
                       "", "hired_on: ambiguous date '03/01/2026': give --date-format"]  # fmt: skip
    assert len(rows) == 1 + 7


def test_write_rejected_neutralises_formula_cells(tmp_path):
    rejected = [Rejected(2, {"user_id": "=cmd()", "name": "+1", "site": "@SUM(A1)",
                             "role": "-x", "note": "\tx", "points": -5}, "x: bad")]  # fmt: skip
    rows = _read_csv(write_rejected(tmp_path / "roster.csv", rejected))
    assert rows[1] == ["2", "'=cmd()", "'+1", "'@SUM(A1)", "'-x", "'\tx", "-5", "x: bad"]


def test_write_rejected_writes_nothing_and_removes_a_stale_file_when_nothing_is_rejected(
    tmp_path,
):
    stale = tmp_path / "roster.csv.rejected.csv"
    stale.write_text("line,reason\n2,old\n", encoding="utf-8")
    assert write_rejected(tmp_path / "roster.csv", []) is None
    assert not stale.exists()


# --- properties --------------------------------------------------------------------------------


@given(st.dates())
def test_parse_date_round_trips_iso(day):
    assert parse_date(day.isoformat()) == day


@given(st.dates(min_value=date(1000, 1, 1)))
def test_parse_date_round_trips_day_month_name_year(day):
    assert parse_date(day.strftime("%d %b %Y")) == day


@given(
    st.integers(1, 12),
    st.integers(1, 12),
    st.integers(1000, 9999),
    st.sampled_from("/.-"),
    st.booleans(),
)
def test_parse_date_never_guesses_numeric_day_month_order(first, second, year, sep, padded):
    if first == second:
        return
    width = 2 if padded else 1
    text = f"{first:0{width}d}{sep}{second:0{width}d}{sep}{year}"
    with pytest.raises(DateParseError, match="ambiguous"):
        parse_date(text)


@given(st.text())
def test_key_of_is_idempotent(value):
    assert key_of(key_of(value)) == key_of(value)


@given(
    st.text(alphabet=string.ascii_letters + string.digits + "-_.", min_size=1),
    st.sampled_from(["", " ", "\t", "  "]),
)
def test_key_of_ignores_case_and_padding(code, pad):
    assert key_of(pad + code.upper() + pad) == key_of(code.lower()) == code.lower()


_feature_rows = st.fixed_dictionaries(
    {"action": st.sampled_from(["pos.x", "POS.X", " Pos.X "])},
    optional={
        "module": st.sampled_from(["", " ", "pos", "Till"]),
        "is_core": st.sampled_from(["", "yes", "0", "X", "false"]),
        "expected_ms": st.sampled_from(["", "1500", "20.0"]),
        "points": st.sampled_from(["", "0", "3", "12.0"]),
        "daily_cap": st.sampled_from(["", "10", " 4 "]),
        "alias_of": st.sampled_from(["", "pos.y", " POS.Z "]),
    },
)


@given(_feature_rows, _feature_rows)
def test_merging_two_rows_lays_the_later_non_empty_fields_over_the_earlier(first, second):
    alone_first = clean_records("features", [(1, first)]).rows[0].values
    alone_second = clean_records("features", [(2, second)]).rows[0].values
    merged = clean_records("features", [(1, first), (2, second)]).rows
    assert len(merged) == 1
    assert merged[0].lines == [1, 2]
    assert merged[0].values == {**alone_first, **alone_second, "action": alone_first["action"]}
