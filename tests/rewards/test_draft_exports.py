"""A draft export is visibly a draft, and a closed month's is not: `-DRAFT` in the file name,
`draft` in every CSV row's status column (the CSV keeps exactly the contract's lines: header,
then one row per site), and in the XLSX a sheet titled `DRAFT champions YYYY-MM` with a bold
"DRAFT — not for payroll" row above the header. The API download too (the web page's is in
tests/web/test_hr_month_page.py).
"""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from rewards.champions.months import close_month, reopen_month
from rewards.exports import COLUMNS, draft_banner, export_month
from tests.rewards.month_world import CLOSE_AT, OCT, Month, utc

BANNER = "DRAFT — not for payroll: 2026-10 version 1 is not closed and can still change."


@pytest.fixture
def month(session) -> Month:
    """S1 with E1 (October's champion, 12 points) and S2 where nobody was eligible."""
    scn = Month(session).site("S1").site("S2").catalog()
    scn.person("E1", "S1").person("E2", "S2")
    scn.work("E1").book("E1", 12, utc(14, 9))
    return scn


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def sheet_of(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def export(scn: Month, fmt: str, version: int | None = None):
    return export_month(scn.session, OCT, fmt, now=CLOSE_AT, actor="hr-ann", version=version)


def test_a_draft_csv_is_named_draft_and_every_row_says_draft_in_the_contract_columns(month):
    file = export(month, "csv")
    assert file.filename == "champions-2026-10-v1-DRAFT.csv"
    rows = csv_rows(file.content)
    assert rows[0] == list(COLUMNS)
    assert len(rows) == 1 + 2  # the header and one row per site: nothing else
    assert [row[COLUMNS.index("status")] for row in rows[1:]] == ["draft", "draft"]
    assert rows[2][1:4] == ["S2", "", ""]  # nobody eligible: empty user, still marked draft


def test_a_closed_csv_is_named_without_draft_and_its_rows_say_closed(month):
    close_month(month.session, OCT, now=CLOSE_AT, actor="hr-ann")
    file = export(month, "csv")
    assert file.filename == "champions-2026-10-v1.csv"
    rows = csv_rows(file.content)
    assert [row[COLUMNS.index("status")] for row in rows[1:]] == ["closed", "closed"]
    assert b"DRAFT" not in file.content


def test_a_draft_xlsx_opens_with_a_bold_draft_banner_above_the_header(month):
    file = export(month, "xlsx")
    assert file.filename == "champions-2026-10-v1-DRAFT.xlsx"
    sheet = sheet_of(file.content)
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "DRAFT champions 2026-10"
    assert rows[0][0] == BANNER
    assert sheet.cell(row=1, column=1).font.bold
    assert rows[1] == COLUMNS
    assert [(row[1], row[7]) for row in rows[2:]] == [("S1", "draft"), ("S2", "draft")]
    assert sheet.oddHeader.center.text == BANNER  # printed on every page


def test_a_closed_xlsx_has_no_banner_and_the_header_on_the_first_row(month):
    close_month(month.session, OCT, now=CLOSE_AT, actor="hr-ann")
    file = export(month, "xlsx")
    assert file.filename == "champions-2026-10-v1.xlsx"
    sheet = sheet_of(file.content)
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "champions 2026-10"
    assert rows[0] == COLUMNS
    assert not any("DRAFT" in str(cell) for row in rows for cell in row)


def test_a_reopened_month_exports_its_new_version_as_a_draft_and_the_old_one_as_closed(month):
    close_month(month.session, OCT, now=CLOSE_AT, actor="hr-ann")
    reopen_month(month.session, OCT, now=CLOSE_AT, actor="admin")
    draft = export(month, "xlsx")
    assert draft.filename == "champions-2026-10-v2-DRAFT.xlsx"
    assert sheet_of(draft.content).cell(row=1, column=1).value == BANNER.replace(
        "version 1", "version 2"
    )
    assert export(month, "xlsx", version=1).filename == "champions-2026-10-v1.xlsx"


def test_the_banner_is_only_for_drafts():
    assert draft_banner({"month": OCT, "version": 1, "status": "draft"}) == BANNER
    assert draft_banner({"month": OCT, "version": 1, "status": "closed"}) is None


def test_the_api_download_of_a_draft_xlsx_carries_the_banner(month, client, make_token):
    headers = make_token("hr", name="hr-ann")
    response = client.get(f"/api/v1/champions/{OCT}/export?format=xlsx", headers=headers)
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="champions-2026-10-v1-DRAFT.xlsx"'
    )
    assert sheet_of(response.data).cell(row=1, column=1).value == BANNER
