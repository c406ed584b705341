"""Spreadsheet cells never run what people typed as a formula (adoption.cells)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from adoption.cells import neutralise
from api.reports.workbook import _clean


@pytest.mark.parametrize("typed", ['=HYPERLINK("http://x","a")', "+1", "-2+3", "@SUM(A1)", "\tx"])
def test_text_starting_like_a_formula_is_kept_as_text(typed):
    assert neutralise(typed) == "'" + typed
    book = Workbook()
    book.active.append([_clean(typed), _clean([typed])])
    out = io.BytesIO()
    book.save(out)
    row = next(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows())
    assert all(cell.data_type == "s" for cell in row)


def test_numbers_and_plain_text_are_unchanged():
    assert (neutralise(-3), neutralise("Store 1"), _clean(0.25)) == (-3, "Store 1", 0.25)
