"""The optimisation report (`pilots.optimisation`) as a document: JSON, standalone HTML, a PDF
of that HTML (WeasyPrint, A4, page numbers, CJK-capable fonts) or an XLSX workbook with one
sheet per section (`api.reports.workbook`).

HTML and PDF end with one page per quick-reference card the report recommends; the caller
passes those cards (`adoption.masterdata.cards.cards_for` of its `card_feature_ids`), so
rendering reads nothing.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Sequence

from flask_babel import gettext

from adoption.locales import say
from api.i18n import N_, current_locale
from api.reports import environment, html_lang
from api.reports.workbook import workbook
from pilots.optimisation import METHOD
from pilots.targets import stored_target_text
from pilots.verdict import verdict_sentences

FORMATS = ("json", "html", "xlsx", "pdf")
MEDIA_TYPES = {
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
HOTSPOTS_SHOWN = 10  # and every feature at or above the report's high error rate
TARGET_STATUS = {
    "met": N_("Met"),
    "on_track": N_("On track"),
    "at_risk": N_("At risk"),
    "missed": N_("Missed"),
    "no_data": N_("No data yet"),
}
GROUP_LABELS = {
    "never_started": N_("Never started"),
    "struggling": N_("Struggling"),
    "dormant": N_("Dormant"),
    "silent": N_("Silent"),
}
HOTSPOT_STATUS = {
    "worse": N_("Worse"),
    "new": N_("New"),
    "unchanged": N_("Unchanged"),
    "better": N_("Better"),
    "resolved": N_("Resolved"),
    "not_measured": N_("Too few attempts to measure now"),
}
METHOD_TITLES = {  # the method's sections, as `key|capitalize` wrote them
    "period": N_("Period"),
    "targets": N_("Targets"),
    "adoption": N_("Adoption"),
    "hotspots": N_("Hotspots"),
    "unused_modules": N_("Unused modules"),
    "help": N_("Help"),
    "verdict": N_("Verdict"),
    "recommendations": N_("Recommendations"),
    "comparison": N_("Comparison"),
}


def filename(data: dict, fmt: str) -> str:
    """optimisation-2026-11-01-2026-11-30.pdf"""
    period = data["period"]
    return f"optimisation-{period['from']}-{period['to']}.{fmt}"


def render(data: dict, fmt: str, *, cards: Sequence[dict] = ()) -> bytes:
    """The report in `fmt` (one of `FORMATS`), worded in the current locale (`gettext`)."""
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2).encode()
    data = titled(data, current_locale())
    if fmt == "xlsx":
        return workbook(data, labels(data))
    page = html(data, cards)
    if fmt == "html":
        return page.encode()
    if fmt == "pdf":
        from weasyprint import HTML  # loads Pango: only for a PDF

        return HTML(string=page).write_pdf()
    raise ValueError(f"unknown report format {fmt!r}")


def titled(data: dict, locale: str) -> dict:
    """A copy of `data` naming each hot spot's feature by its title in `locale` (the catalog's
    `titles`; else its title), in the tables, the changes and the card recommendations. JSON
    keeps the data as stored."""
    data = copy.deepcopy(data)
    names = {}
    for item in [*data["hotspots"]["items"], *(data.get("comparison") or {}).get("hotspots", [])]:
        item["title"] = (item.get("titles") or {}).get(locale) or item["title"]
        if "feature_id" in item:
            names[item["feature_id"]] = item["title"]
    for advice in data["recommendations"]:
        feature_id = advice.get("figures", {}).get("feature_id")
        if feature_id in names and "feature" in advice["values"]:
            advice["values"]["feature"] = names[feature_id]
    return data


def html(data: dict, cards: Sequence[dict] = ()) -> str:
    template = environment().get_template("optimisation.html")
    return template.render(report=data, text=labels(data), cards=[_card(c) for c in cards])


def labels(data: dict) -> dict:
    """What the documents write in words, in the current locale: recommendations, the verdict,
    and the names of waves, coaching groups and hot spot changes."""
    verdict = data["verdict"]
    hot = data["hotspots"]
    above = sum(h["error_rate"] >= hot["high_error_rate"] for h in hot["items"])
    return {
        "lang": html_lang(),
        "hotspots_shown": max(HOTSPOTS_SHOWN, above),
        "target_status": {k: gettext(v) for k, v in TARGET_STATUS.items()},
        "recommendations": [gettext(r["message"], **r["values"]) for r in data["recommendations"]],
        "verdict": verdict_sentences(
            verdict["effects"],
            metric=verdict["metric"],
            unit=verdict["unit"],
            control_sites=verdict["control_sites"],
            gettext=gettext,
        ),
        "groups": {g: gettext(GROUP_LABELS[g]) for g in data["help"]["groups"]},
        "hotspot_status": {k: gettext(v) for k, v in HOTSPOT_STATUS.items()},
        "waves": {w["wave"]: wave_label(w["wave"]) for w in data["adoption"]["waves"]},
        "method": method_notes(data),
        "target_texts": {
            t["id"]: say(stored_target_text(t), gettext) for t in data["targets"]["items"]
        },
    }


def method_notes(data: dict) -> list[tuple[str, str]]:
    """(section, how its figures are made) in the current locale. A stored report keeps its
    notes as English text: one that is still today's note is said from today's msgid."""
    out = []
    for key, note in data["method"].items():
        title = METHOD_TITLES.get(key) or key.replace("_", " ").capitalize()
        current = METHOD.get(key)
        out.append((gettext(title), say(current if current == note else note, gettext)))
    return out


def wave_label(wave: int | None) -> str:
    if wave is None:
        return gettext("No wave")
    if wave == 0:
        return gettext("Pilots (wave 0)")
    return gettext("Wave %(wave)s", wave=wave)


def _card(card: dict) -> dict:
    """A card with its image as a data URI, so the HTML stands alone."""
    image = card.get("image")
    if not image:
        return {**card, "image_uri": None}
    encoded = base64.b64encode(image).decode()
    return {**card, "image_uri": f"data:{card['image_type']};base64,{encoded}"}
