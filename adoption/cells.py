"""Cells for spreadsheets: text a spreadsheet would run as a formula is made plain text.

Every CSV and XLSX Uptake writes (payroll exports, the access log, rejected import rows, the
optimisation report) goes through `neutralise`, so a name typed as `=HYPERLINK(…)` stays words.
"""

from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell starting like a formula gets a leading apostrophe; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
