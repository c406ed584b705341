"""`uptake import sites|roster|features FILE`: the messy fixtures end to end through the CLI.

The counts of the fixtures are worked out line by line in tests/adoption/test_cleaning.py.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from adoption.models import Employee, Feature, Site
from api.cli.main import main
from tests.helpers import event

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture
def fixture_copy(tmp_path):
    """A fixture copied beside nothing else: the import writes FILE.rejected.csv next to it."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copyfile(FIXTURES / name, target)
        return target

    return copy


@pytest.fixture
def roster_sites(make_site):
    for code in ("S001", "S002", "S003", "S004"):
        make_site(code)


def fresh(session):
    """End the test session's read transaction so it sees what the CLI committed."""
    session.rollback()
    return session


def run_import(runner, kind: str, path: Path, *args: str):
    return runner.invoke(main, ["import", kind, str(path), *args])


def summary_line(result) -> str:
    return result.stdout.splitlines()[0]


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def employees(session) -> dict[str, Employee]:
    return {e.external_id: e for e in fresh(session).scalars(select(Employee))}


# --- roster --------------------------------------------------------------------------------------


def test_roster_import_prints_the_summary_counts(roster_sites, runner, fixture_copy):
    result = run_import(runner, "roster", fixture_copy("roster_messy.csv"))
    assert result.exit_code == 0, result.output
    # read 24; rejected 7 by cleaning; 17 kept rows merge into 15 employees (e002, e100);
    # an empty database: all 15 created. fixed 8 (see test_cleaning).
    assert summary_line(result) == (
        "roster: read 24, kept 15 (created 15, updated 0, unchanged 0), "
        "fixed 8, merged 2, rejected 7"
    )


def test_roster_import_lists_the_merges(roster_sites, runner, fixture_copy):
    result = run_import(runner, "roster", fixture_copy("roster_messy.csv"))
    assert "  merged 'e002' from lines 3, 26" in result.stdout.splitlines()
    assert "  merged 'e100' from lines 7, 20" in result.stdout.splitlines()


def test_roster_import_stores_cleaned_merged_employees(roster_sites, runner, fixture_copy, session):
    run_import(runner, "roster", fixture_copy("roster_messy.csv"))
    people = employees(session)
    assert len(people) == 15
    e100 = people["e100"]  # first seen padded and lower-case, merged with line 20's hire date
    assert (e100.display_name, e100.role, e100.hired_on) == (
        "Katherine Johnson",
        "cashier",
        date(2026, 3, 2),
    )
    assert people["E002"].site.code == "S004"  # line 26's home site wins
    assert people["E012"].display_name == "Hedy Lamarr"
    assert people["E013"].site.code == "S002"  # "s002" in the file
    assert all(p.rostered for p in people.values())


def test_roster_import_writes_rejected_rows_beside_the_input_with_a_reason(
    roster_sites, runner, fixture_copy
):
    source = fixture_copy("roster_messy.csv")
    result = run_import(runner, "roster", source)
    rejected = source.parent / "roster_messy.csv.rejected.csv"
    assert f"  rejected rows written to {rejected}" in result.stdout.splitlines()
    rows = read_csv(rejected)
    assert rows[0][0] == "line" and rows[0][-1] == "reason"
    assert [(row[0], row[-1]) for row in rows[1:]] == [
        ("8", "display_name: required field is empty"),
        ("9", "hired_on: ambiguous date '03/01/2026': give --date-format"),
        ("12", "left_on: 2026-02-01 is before hired_on 2026-03-01"),
        ("19", "site_id: required field is empty"),
        ("21", "user_id: required field is empty"),
        ("22", "hired_on: invalid date '2026-02-30': day is out of range for month"),
        ("23", "public_opt_out: not a yes/no value: 'maybe'"),
    ]


def test_employees_of_an_unknown_site_are_rejected_with_a_reason(
    make_site, runner, fixture_copy, session
):
    for code in ("S001", "S002", "S003"):  # no S004
        make_site(code)
    source = fixture_copy("roster_messy.csv")
    result = run_import(runner, "roster", source)
    # E002 (lines 3 and 26) ends at S004: both its lines are rejected, 7 + 2 = 9;
    # kept 15 - 1 = 14.
    assert summary_line(result) == (
        "roster: read 24, kept 14 (created 14, updated 0, unchanged 0), "
        "fixed 8, merged 2, rejected 9"
    )
    rows = read_csv(source.parent / "roster_messy.csv.rejected.csv")
    by_line = {row[0]: row for row in rows[1:]}
    assert by_line["3"][1:3] == ["E002", "Grace Hopper"]  # the raw columns, as in the file
    assert by_line["3"][-1] == by_line["26"][-1] == "site_id: Unknown site 'S004'."
    assert "E002" not in employees(session)


def test_date_format_reads_an_otherwise_ambiguous_date(make_site, runner, tmp_path, session):
    make_site("S001")
    source = tmp_path / "roster.csv"
    source.write_text("user_id,display_name,site_id,hired_on\nE1,Ann,S001,03/01/2026\n")
    without = run_import(runner, "roster", source)
    assert "rejected 1" in summary_line(without)
    with_format = run_import(runner, "roster", source, "--date-format", "%d/%m/%Y")
    assert "kept 1 (created 1," in summary_line(with_format)
    assert employees(session)["E1"].hired_on == date(2026, 1, 3)  # day first: 3 January


def test_reimporting_the_same_roster_changes_nothing(roster_sites, runner, fixture_copy, session):
    source = fixture_copy("roster_messy.csv")
    run_import(runner, "roster", source)
    stamps = {uid: e.updated_at for uid, e in employees(session).items()}
    second = run_import(runner, "roster", source)
    assert "kept 15 (created 0, updated 0, unchanged 15)" in summary_line(second)
    assert {uid: e.updated_at for uid, e in employees(session).items()} == stamps


def test_roster_names_an_unrostered_employee_and_makes_it_rostered(
    roster_sites, send_events, runner, fixture_copy, session
):
    send_events([event(1, user_id="E001")])  # first seen in an event, before the roster
    assert employees(session)["E001"].rostered is False
    result = run_import(runner, "roster", fixture_copy("roster_messy.csv"))
    assert "kept 15 (created 14, updated 1, unchanged 0)" in summary_line(result)
    ada = employees(session)["E001"]
    assert (ada.rostered, ada.display_name) == (True, "Ada Lovelace")


def test_roster_empty_opt_out_cell_keeps_a_stored_opt_out(
    roster_sites, make_employee, runner, fixture_copy, session
):
    make_employee("E001", "S001", public_opt_out=True)  # E001's opt-out cell is empty
    run_import(runner, "roster", fixture_copy("roster_messy.csv"))
    assert employees(session)["E001"].public_opt_out is True


def test_roster_explicit_opt_out_false_clears_a_stored_opt_out(
    roster_sites, make_employee, runner, fixture_copy, session
):
    make_employee("E004", "S002", public_opt_out=True)  # E004's cell says "false"
    run_import(runner, "roster", fixture_copy("roster_messy.csv"))
    assert employees(session)["E004"].public_opt_out is False


def test_import_never_deletes_employees_missing_from_the_file(
    roster_sites, make_employee, runner, fixture_copy, session
):
    make_employee("X999", "S001")
    run_import(runner, "roster", fixture_copy("roster_messy.csv"))
    assert "X999" in employees(session)


# --- sites and features --------------------------------------------------------------------------


def test_sites_import_prints_the_summary_and_stores_first_seen_codes(runner, fixture_copy, session):
    result = run_import(runner, "sites", fixture_copy("sites_messy.csv"))
    assert result.exit_code == 0, result.output
    # read 5; rejected 2 (Mars/Olympus, wave abc); s001 and S001 merge: kept 2, both new.
    assert summary_line(result) == (
        "sites: read 5, kept 2 (created 2, updated 0, unchanged 0), fixed 2, merged 1, rejected 2"
    )
    sites = {s.code: s for s in fresh(session).scalars(select(Site))}
    assert set(sites) == {"s001", "S004"}
    assert (sites["s001"].name, sites["s001"].timezone) == ("Main Street Store", "Europe/Paris")
    assert (sites["S004"].wave, sites["S004"].go_live_on) == (3, date(2026, 3, 1))


def test_reimporting_the_same_sites_changes_nothing(runner, fixture_copy, session):
    source = fixture_copy("sites_messy.csv")
    run_import(runner, "sites", source)
    stamps = {s.code: s.updated_at for s in fresh(session).scalars(select(Site))}
    second = run_import(runner, "sites", source)
    assert "kept 2 (created 0, updated 0, unchanged 2)" in summary_line(second)
    assert {s.code: s.updated_at for s in fresh(session).scalars(select(Site))} == stamps


def test_features_import_prints_the_summary_and_maps_features(runner, fixture_copy, session):
    result = run_import(runner, "features", fixture_copy("features_messy.jsonl"))
    assert result.exit_code == 0, result.output
    # read 7; rejected 3 (two non-objects, points -1); pos.sale.complete merges lines 1 and 7.
    assert summary_line(result) == (
        "features: read 7, kept 3 (created 3, updated 0, unchanged 0), "
        "fixed 2, merged 1, rejected 3"
    )
    features = {f.action: f for f in fresh(session).scalars(select(Feature))}
    assert set(features) == {"pos.sale.complete", "pos.refund", "pos.refund.v2"}
    sale = features["pos.sale.complete"]
    assert (sale.is_core, sale.points, sale.daily_cap, sale.mapped) == (True, 2, 50, True)
    assert features["pos.refund.v2"].alias_of == "pos.refund"


def test_reimporting_the_same_features_changes_nothing(runner, fixture_copy, session):
    source = fixture_copy("features_messy.jsonl")
    run_import(runner, "features", source)
    stamps = {f.action: f.updated_at for f in fresh(session).scalars(select(Feature))}
    second = run_import(runner, "features", source)
    assert "kept 3 (created 0, updated 0, unchanged 3)" in summary_line(second)
    assert {f.action: f.updated_at for f in fresh(session).scalars(select(Feature))} == stamps


def test_features_import_writes_non_object_lines_to_the_rejected_file(runner, fixture_copy):
    source = fixture_copy("features_messy.jsonl")
    run_import(runner, "features", source)
    rows = read_csv(source.parent / "features_messy.jsonl.rejected.csv")
    assert [(row[0], row[-1]) for row in rows[1:]] == [
        ("3", "line is not a JSON object"),
        ("6", "line is not a JSON object"),
        ("8", "points: must not be negative: '-1'"),
    ]


def test_a_clean_reimport_removes_a_stale_rejected_file(roster_sites, runner, tmp_path):
    source = tmp_path / "roster.csv"
    source.write_text("user_id,display_name,site_id\nE1,,S001\n")
    run_import(runner, "roster", source)
    assert Path(f"{source}.rejected.csv").exists()
    source.write_text("user_id,display_name,site_id\nE1,Ann,S001\n")
    run_import(runner, "roster", source)
    assert not Path(f"{source}.rejected.csv").exists()


# --- bad input -----------------------------------------------------------------------------------


def test_missing_file_is_exit_2_with_a_one_line_error(runner, tmp_path):
    result = run_import(runner, "roster", tmp_path / "nope.csv")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "nope.csv" in result.stderr and "Traceback" not in result.output


def test_unsupported_file_format_is_exit_2_with_a_one_line_error(runner, tmp_path):
    source = tmp_path / "roster.xlsx"
    source.write_bytes(b"PK\x03\x04")
    result = run_import(runner, "roster", source)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: The input is not valid. (file: unsupported file type '.xlsx': "
        "use .csv, .tsv, .jsonl or .ndjson)"
    ]


def test_file_that_is_not_utf8_is_exit_2_with_a_one_line_error(runner, tmp_path):
    source = tmp_path / "roster.csv"
    source.write_bytes("user_id,display_name\nE1,Jos\xe9\n".encode("latin-1"))
    result = run_import(runner, "roster", source)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "UTF-8" in result.stderr and "Traceback" not in result.output
