"""Champion exports for payroll: CSV (UTF-8 with BOM) and XLSX, safe to open in a spreadsheet.

Every text cell that a spreadsheet could read as a formula (it starts with =, +, -, @, a tab or
a carriage return) gets a leading apostrophe; numbers stay numbers. Each export is written to the
audit log.

A draft is not for payroll and says so: its file name ends in `-DRAFT`, every row's `status` is
`draft`, and a draft XLSX's sheet is titled `DRAFT champions YYYY-MM` with a banner row
("DRAFT — not for payroll …") above the header. The CSV keeps exactly the contract's lines
(header, then one row per site), so programs reading it need no special case; a closed month's
files carry no banner.

By default (the API, the CLI, payroll scripts) the header is the contract's column names and
every word is English. Given a `Wording` (a page's download in its reader's language, `?lang=`),
the header, the status, the banner and the sheet title are said in that language and each rank
reason is worded by the caller: a file for people to read, not for programs.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from sqlalchemy.orm import Session

from adoption import audit
from adoption.cells import neutralise
from adoption.errors import Invalid
from adoption.locales import N_, Text, say
from rewards.champions.months import DEFAULT_INELIGIBLE, get_month

COLUMNS = (
    "month",
    "site_id",
    "user_id",
    "display_name",
    "points",
    "score",
    "rank_reason",
    "status",
    "version",
)
HEADINGS = {  # each column as people read it, in a `Wording`'s language
    "month": N_("Month"),
    "site_id": N_("Store code"),
    "user_id": N_("Employee code"),
    "display_name": N_("Name"),
    "points": N_("Points"),
    "score": N_("Score"),
    "rank_reason": N_("Reason"),
    "status": N_("Status"),
    "version": N_("Version"),
}
STATUSES = {"draft": N_("draft"), "closed": N_("closed")}
MIMETYPES = {  # the media type of each format, without parameters
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHARSETS = {"csv": "utf-8"}  # the text formats' encoding


@dataclass(frozen=True)
class Wording:
    """How a file for people says its words: `gettext` of their language, and `reason`, which
    words a rank reason for them (the same text when None)."""

    gettext: Callable[[str], str]
    reason: Callable[[str | None], str] | None = None
    locale: str = "zh"  # named in the file's name, so it is never taken for the contract's file

    def say(self, text: object) -> object:
        return say(text, self.gettext)


@dataclass(frozen=True)
class Export:
    filename: str
    mimetype: str  # the media type, e.g. text/csv
    content: bytes
    charset: str | None = None  # of a text format

    @property
    def content_type(self) -> str:
        """The Content-Type header, naming the charset once: `text/csv; charset=utf-8`."""
        return f"{self.mimetype}; charset={self.charset}" if self.charset else self.mimetype


def export_rows(month: dict) -> list[list]:
    """One row per site's champion entry, in COLUMNS order, neutralised."""
    rows = []
    for entry in month["champions"]:
        values = {**entry, "month": month["month"], "status": month["status"]}
        values["version"] = month["version"]
        rows.append([neutralise(values.get(column)) for column in COLUMNS])
    return rows


def worded(rows: list[list], wording: Wording) -> list[list]:
    """`export_rows` with each status and rank reason said for people (`Wording`)."""
    status, reason = COLUMNS.index("status"), COLUMNS.index("rank_reason")
    out = []
    for row in rows:
        row = list(row)
        row[status] = wording.say(STATUSES.get(row[status], row[status]))
        if wording.reason is not None:
            row[reason] = neutralise(wording.reason(row[reason]))
        out.append(row)
    return out


def header(wording: Wording | None = None) -> list[str]:
    """The contract's column names; said for people with a `Wording`."""
    if wording is None:
        return list(COLUMNS)
    return [wording.say(HEADINGS[column]) for column in COLUMNS]


def to_csv(rows: list[list], head: list[str] | None = None) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(head or COLUMNS)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(
    rows: list[list], title: str, banner: str | None = None, head: list[str] | None = None
) -> bytes:
    """One sheet titled `title`: the `banner` row in bold (when given, also the printed page
    header), the header (`head`, else COLUMNS), then the rows."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    if banner:
        sheet.append([banner])
        sheet.cell(row=1, column=1).font = Font(bold=True, color="9A3412")
        sheet.oddHeader.center.text = banner
    sheet.append(list(head or COLUMNS))
    for row in rows:
        sheet.append([_xlsx_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(value):
    """XML cannot hold most control characters; drop them (tab and CR are kept, neutralised)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def filename(month: dict, fmt: str, wording: Wording | None = None) -> str:
    """champions-2026-11-v2.csv; -DRAFT before the extension for a draft, and the language
    (-zh) for a file worded for people rather than the contract's."""
    draft = "-DRAFT" if month["status"] == "draft" else ""
    language = f"-{wording.locale}" if wording is not None else ""
    return f"champions-{month['month']}-v{month['version']}{draft}{language}.{fmt}"


def draft_banner(month: dict) -> Text | None:
    """The warning a draft's XLSX opens with; None for a closed month."""
    if month["status"] != "draft":
        return None
    return N_(
        "DRAFT — not for payroll: %(month)s version %(version)s is not closed and can still "
        "change.",
        month=month["month"],
        version=month["version"],
    )


def _xlsx(data: dict, rows: list[list], wording: Wording | None = None) -> bytes:
    banner = draft_banner(data)
    if banner:
        title = N_("DRAFT champions %(month)s", month=data["month"])
    else:
        title = N_("champions %(month)s", month=data["month"])
    if wording is not None:
        title, banner = wording.say(title), wording.say(banner)
    return to_xlsx(rows, str(title), banner and str(banner), header(wording))


def export_month(
    session: Session,
    month: str,
    fmt: str,
    *,
    now: datetime,
    actor: str,
    version: int | None = None,
    ineligible_roles: tuple[str, ...] = DEFAULT_INELIGIBLE,
    wording: Wording | None = None,
) -> Export:
    """The month (a version, else the newest) as a file; the export is audited. With a
    `Wording`, a file for people in their language (module docstring)."""
    if fmt not in MIMETYPES:
        raise Invalid({"format": ["Must be one of: csv, xlsx."]})
    data = get_month(session, month, version, now=now, ineligible_roles=ineligible_roles)
    rows = export_rows(data) if wording is None else worded(export_rows(data), wording)
    content = to_csv(rows, header(wording)) if fmt == "csv" else _xlsx(data, rows, wording)
    name = filename(data, fmt, wording)
    audit.record(
        session,
        actor=actor,
        action="champions.export",
        target_type="champion_period",
        target=f"{data['month']}/v{data['version']}",
        now=now,
        details={"format": fmt, "status": data["status"], "rows": len(rows), "file": name},
    )
    session.flush()
    return Export(name, MIMETYPES[fmt], content, CHARSETS.get(fmt))
