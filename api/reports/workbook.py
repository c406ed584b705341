"""The optimisation report as an XLSX workbook: one sheet per section, the header row bold and
frozen, numbers as numbers (rates as fractions with a % format, differences in pp) so they sort
and sum in a spreadsheet; a withheld figure is an empty cell."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from adoption.cells import neutralise

PERCENT = "0.0%"
PP = '+0.0" pp";-0.0" pp";0.0" pp"'
COUNT = "#,##0"
SCORE = "0.0"
WIDTH = 16


class Column:
    """A column: its header, how a row gives its value, and the number format (one, or a
    function of the row for a column whose rows hold different kinds of figure)."""

    def __init__(
        self,
        header: str,
        value: Callable[[dict], object],
        fmt: str | Callable[[dict], str | None] | None = None,
    ):
        self.header, self.value, self.fmt = header, value, fmt

    def format_of(self, row: dict) -> str | None:
        return self.fmt(row) if callable(self.fmt) else self.fmt


def key(name: str, scale: float = 1) -> Callable[[dict], object]:
    def value(row: dict):
        v = row.get(name)
        return v * scale if isinstance(v, int | float) and not isinstance(v, bool) else v

    return value


def workbook(data: dict, text: dict) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, columns, rows in sheets(data, text):
        _sheet(book, title, columns, rows)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet(book: Workbook, title: str, columns: Sequence[Column], rows: list[dict]) -> None:
    sheet = book.create_sheet(title[:31])
    sheet.append([c.header for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in rows:
        sheet.append([_clean(c.value(row)) for c in columns])
        for cell, column in zip(sheet[sheet.max_row], columns, strict=True):
            fmt = column.format_of(row)
            if fmt:
                cell.number_format = fmt
    for index, column in enumerate(columns, start=1):
        width = max(WIDTH, len(column.header) + 2)
        sheet.column_dimensions[get_column_letter(index)].width = width


def _clean(value):
    """Text without the control characters XLSX cannot hold, never run as a formula (a target's
    or a store's name typed as `=…`); lists joined."""
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value)) if isinstance(value, str) else value


Sheet = tuple[str, list[Column], list[dict]]


def sheets(data: dict, text: dict) -> list[Sheet]:
    """(title, columns, rows) of every sheet, in the order of the HTML report."""
    return [
        summary_sheet(data, text),
        target_sheet(data, text),
        wave_sheet(data, text),
        site_sheet(data, text),
        hotspot_sheet(data),
        module_sheet(data),
        help_sheet(data, text),
        verdict_sheet(data, text),
        change_sheet(data, text),
        (
            _("Method"),
            [Column(_("Section"), key("section")), Column(_("How"), key("note"))],
            [{"section": k, "note": v} for k, v in text["method"]],
        ),
    ]


def yes_no(field: str) -> Callable[[dict], str]:
    return lambda row: _("yes") if row[field] else _("no")


def summary_sheet(data: dict, text: dict) -> Sheet:
    period = data["period"]
    rows = [
        {"item": _("Period"), "value": f"{period['from']} – {period['to']}"},
        {"item": _("Generated"), "value": f"{data['generated_at']} ({data['generated_by']})"},
        *({"item": _("Recommendation"), "value": line} for line in text["recommendations"]),
    ]
    return _("Summary"), [Column(_("Item"), key("item")), Column(_("Value"), key("value"))], rows


def target_sheet(data: dict, text: dict) -> Sheet:
    status = text["target_status"]
    columns = [
        Column(_("Target"), key("name")),
        Column(_("Goal"), lambda r: text["target_texts"].get(r["id"], r["text"])),
        Column(_("Status"), lambda r: status.get(r["status"], r["status"])),
        Column(_("Value"), key("value"), _target_format),
        Column(_("Threshold"), key("threshold"), _target_format),
        Column(_("Stores"), key("sites"), COUNT),
        Column(_("Stores at risk"), lambda r: [s["name"] for s in r["sites_at_risk"]]),
    ]
    return _("Targets"), columns, data["targets"]["items"]


def _target_format(row: dict) -> str:
    return PERCENT if row["unit"] == "fraction" else SCORE


def adoption_columns() -> list[Column]:
    return [
        Column(_("People"), key("population"), COUNT),
        Column(_("Active"), key("active"), COUNT),
        Column(_("Adoption rate"), key("adoption_rate"), PERCENT),
        Column(_("Proficient"), key("proficient_share"), PERCENT),
        Column(_("Mean proficiency"), key("mean_proficiency"), SCORE),
    ]


def wave_sheet(data: dict, text: dict) -> Sheet:
    adoption = data["adoption"]
    rows = [
        *({**w, "label": text["waves"][w["wave"]]} for w in adoption["waves"]),
        {**adoption["chain"], "label": _("All stores")},
    ]
    columns = [Column(_("Wave"), key("label")), Column(_("Stores"), key("sites"), COUNT)]
    return _("Adoption by wave"), [*columns, *adoption_columns()], rows


def site_sheet(data: dict, text: dict) -> Sheet:
    columns = [
        Column(_("Store code"), key("site_id")),
        Column(_("Store"), key("name")),
        Column(_("Region"), key("region")),
        Column(_("Wave"), lambda r: text["waves"][r["wave"]]),
        Column(_("Pilot"), yes_no("is_pilot")),
        Column(_("Go-live"), key("go_live_on")),
        *adoption_columns(),
    ]
    return _("Adoption by store"), columns, data["adoption"]["sites"]


def hotspot_sheet(data: dict) -> Sheet:
    columns = [
        Column(_("Feature"), key("title")),
        Column(_("Action"), key("action")),
        Column(_("Module"), key("module")),
        Column(_("Error rate"), key("error_rate"), PERCENT),
        Column(_("Tries"), key("attempts"), COUNT),
        Column(_("Errors"), key("errors"), COUNT),
        Column(_("Stores affected"), key("stores"), COUNT),
        Column(_("People affected"), key("people"), COUNT),
        Column(_("People who fail it most"), key("failing_people"), COUNT),
        Column(_("Quick-reference card"), yes_no("has_card")),
    ]
    return _("Error hot spots"), columns, data["hotspots"]["items"]


def module_sheet(data: dict) -> Sheet:
    columns = [
        Column(_("Module"), key("module")),
        Column(_("Successful actions"), key("successes"), COUNT),
        Column(_("Share of all"), key("share_of_successes"), PERCENT),
        Column(_("Features"), key("features")),
    ]
    return _("Unused modules"), columns, data["unused_modules"]["items"]


def help_sheet(data: dict, text: dict) -> Sheet:
    help_ = data["help"]
    columns = [
        Column(_("Store code"), key("site_id")),
        Column(_("Store"), key("name")),
        Column(_("Team"), key("team"), COUNT),
        *(Column(text["groups"][g], _group(g), COUNT) for g in help_["groups"]),
    ]
    total = {"site_id": "", "name": _("All stores"), **help_["overall"]}
    return _("People who need help"), columns, [*help_["sites"], total]


def _group(group: str) -> Callable[[dict], object]:
    return lambda row: row["counts"][group]


def verdict_sheet(data: dict, text: dict) -> Sheet:
    columns = [
        Column(_("Week since go-live"), key("week")),
        Column(_("Pilot − other stores"), key("estimate", scale=100), PP),
        Column(_("95% CI from"), key("perm_ci_low", scale=100), PP),
        Column(_("95% CI to"), key("perm_ci_high", scale=100), PP),
        Column(_("Pilot stores"), key("n_pilot"), COUNT),
        Column(_("Other stores"), key("n_control"), COUNT),
        Column(_("Verdict"), key("sentence")),
    ]
    rows = [*data["verdict"]["effects"], *({"sentence": s} for s in text["verdict"])]
    return _("Pilot verdict"), columns, rows


CHANGE_FORMATS = {  # kind of figure: (then and now, change)
    "rate": (PERCENT, PP),
    "score": (SCORE, "+0.0;-0.0;0.0"),
    "count": (COUNT, "+#,##0;-#,##0;0"),
    "status": (None, None),
}


def change_sheet(data: dict, text: dict) -> Sheet:
    """What changed since the previous report, one row a figure (no rows without one)."""
    columns = [
        Column(_("Section"), key("section")),
        Column(_("Item"), key("item")),
        Column(_("Then"), key("before"), lambda r: CHANGE_FORMATS[r["kind"]][0]),
        Column(_("Now"), key("now"), lambda r: CHANGE_FORMATS[r["kind"]][0]),
        Column(_("Change"), key("change"), lambda r: CHANGE_FORMATS[r["kind"]][1]),
    ]
    change = data["comparison"]
    rows = []
    if change:
        for part in (
            _target_changes,
            _adoption_changes,
            _hotspot_changes,
            _module_changes,
            _help_changes,
        ):
            rows += part(change, text)
    return _("Changes"), columns, rows


def _change(section, item, kind, before, now, change) -> dict:
    return {
        "section": section,
        "item": item,
        "kind": kind,
        "before": before,
        "now": now,
        "change": change,
    }


def _target_changes(change: dict, text: dict) -> list[dict]:
    status = text["target_status"]
    return [
        _change(
            _("Targets"),
            t["name"],
            "status",
            status.get(t["before"], t["before"]),
            status.get(t["now"], t["now"]),
            _("changed") if t["changed"] else None,
        )
        for t in change["targets"]
    ]


def _adoption_changes(change: dict, text: dict) -> list[dict]:
    names = {
        "adoption_rate": (_("Adoption rate"), "rate"),
        "proficient_share": (_("Proficient"), "rate"),
        "mean_proficiency": (_("Mean proficiency"), "score"),
    }
    rows = []
    for row in change["adoption"]:
        scope = _("All stores") if row["wave"] is None else text["waves"][row["wave"]]
        for figure, (name, kind) in names.items():
            difference = row["change"][figure]
            if difference is not None and kind == "rate":
                difference *= 100  # in pp
            before, now = row["before"][figure], row["now"][figure]
            rows.append(_change(_("Adoption"), f"{scope}: {name}", kind, before, now, difference))
    return rows


def _hotspot_changes(change: dict, text: dict) -> list[dict]:
    return [
        _change(
            _("Error hot spots"),
            f"{h['title']} ({text['hotspot_status'][h['status']]})",
            "rate",
            h["before"],
            h["now"],
            None if h["change"] is None else h["change"] * 100,
        )
        for h in change["hotspots"]
    ]


def _module_changes(change: dict, text: dict) -> list[dict]:
    lists = {
        "new": _("Newly listed"),
        "still": _("Still listed"),
        "no_longer": _("No longer listed"),
    }
    return [
        _change(_("Unused modules"), module, "status", None, label, None)
        for status, label in lists.items()
        for module in change["unused_modules"][status]
    ]


def _help_changes(change: dict, text: dict) -> list[dict]:
    team = change["help"]["team"]
    section = _("People who need help")
    rows = [
        _change(
            section, _("Team"), "count", team["before"], team["now"], team["now"] - team["before"]
        )
    ]
    for group, figures in change["help"]["groups"].items():
        rows.append(
            _change(
                section,
                text["groups"][group],
                "count",
                figures["before"],
                figures["now"],
                figures["change"],
            )
        )
    return rows
