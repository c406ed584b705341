"""Payroll exports (rewards.exports): CSV with BOM and XLSX, formula injection neutralised, numbers
kept numbers. The download over HTTP is tested in tests/http/test_exports.py.
"""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from adoption.masterdata import records
from rewards.champions.months import close_month
from rewards.exports import COLUMNS, export_month, export_rows, neutralise, to_csv, to_xlsx
from tests.rewards.month_world import CLOSE_AT, OCT, Month, hostile_month

PAYLOADS = {
    '=HYPERLINK("http://evil.example","pay")': '\'=HYPERLINK("http://evil.example","pay")',
    "+1": "'+1",
    "-2": "'-2",
    "@x": "'@x",
    "\tx": "'\tx",
    "\rx": "'\rx",
}


def month_of(names: list[str], status: str = "closed") -> dict:
    """A champions object as get_month returns it, one site per display name."""
    return {
        "month": OCT,
        "version": 1,
        "status": status,
        "champions": [
            {
                "site_id": f"S{i}",
                "user_id": f"E{i}",
                "display_name": name,
                "points": 100 + i,
                "score": 90.5,
                "rank_reason": f"{100 + i} points",
            }
            for i, name in enumerate(names, start=1)
        ],
    }


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize(("raw", "safe"), PAYLOADS.items())
def test_a_formula_like_text_gets_a_leading_apostrophe(raw, safe):
    assert neutralise(raw) == safe


@pytest.mark.parametrize("value", ["Ann", "", "2026-10", "Ann=Bob", None, 12, -3, 90.5])
def test_plain_text_and_numbers_are_left_alone(value):
    assert neutralise(value) == value


def test_csv_starts_with_a_bom_and_has_the_contract_columns():
    content = to_csv(export_rows(month_of(["Ann"])))
    assert content.startswith(b"\xef\xbb\xbf")
    assert read_csv(content) == [
        list(COLUMNS),
        ["2026-10", "S1", "E1", "Ann", "101", "90.5", "101 points", "closed", "1"],
    ]


def test_csv_cells_of_every_payload_are_neutralised():
    rows = read_csv(to_csv(export_rows(month_of(list(PAYLOADS)))))
    assert [row[3] for row in rows[1:]] == list(PAYLOADS.values())


def test_xlsx_cells_are_neutralised_and_numbers_stay_numbers():
    book = load_workbook(io.BytesIO(to_xlsx(export_rows(month_of(list(PAYLOADS))), "t")))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == COLUMNS
    names = [row[3] for row in rows[1:]]
    assert all(name.startswith("'") for name in names)
    # XML keeps a tab; a lone carriage return reads back as a line feed
    assert [n.replace("\n", "\r") for n in names] == list(PAYLOADS.values())
    assert [(row[4], row[5], row[8]) for row in rows[1:3]] == [(101, 90.5, 1), (102, 90.5, 1)]
    assert book.active.cell(row=2, column=5).data_type == "n"


def test_no_cell_of_the_xlsx_is_a_formula():
    book = load_workbook(io.BytesIO(to_xlsx(export_rows(month_of(list(PAYLOADS))), "t")))
    assert all(cell.data_type != "f" for row in book.active.iter_rows() for cell in row)


def test_a_site_without_champion_exports_empty_cells():
    data = month_of(["Ann"])
    data["champions"][0].update(user_id=None, display_name=None, points=None, score=None)
    assert read_csv(to_csv(export_rows(data)))[1][2:6] == ["", "", "", ""]


@pytest.fixture
def month(session) -> Month:
    """The month of tests.rewards.month_world.hostile_month."""
    return hostile_month(session)


def test_a_draft_exports_with_draft_status_and_draft_in_the_file_name(month):
    export = export_month(month.session, OCT, "csv", now=CLOSE_AT, actor="hr-ann")
    assert export.filename == "champions-2026-10-v1-DRAFT.csv"
    row = read_csv(export.content)[1]
    assert (row[3], row[4], row[7]) == ("'=1+1", "12", "draft")


def test_a_closed_month_exports_its_frozen_rows_as_xlsx(month):
    close_month(month.session, OCT, now=CLOSE_AT, actor="hr-ann")
    records.get_employee(month.session, "E1").display_name = "Renamed later"
    month.session.commit()
    export = export_month(month.session, OCT, "xlsx", now=CLOSE_AT, actor="hr-ann")
    assert export.filename == "champions-2026-10-v1.xlsx"
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[1][:5] == ("2026-10", "S1", "E1", "'=1+1", 12)
    assert rows[1][7:] == ("closed", 1)


def test_a_csv_export_names_its_charset_once(month):
    export = export_month(month.session, OCT, "csv", now=CLOSE_AT, actor="hr-ann")
    assert export.content_type == "text/csv; charset=utf-8"
    xlsx = export_month(month.session, OCT, "xlsx", now=CLOSE_AT, actor="hr-ann")
    assert xlsx.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
