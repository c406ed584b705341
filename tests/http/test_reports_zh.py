"""The optimisation report in Simplified Chinese: its method notes and target texts are said
from the catalog (api/translations), also when the
report is the stored one (plain English in the database); JSON keeps the English.

The chain is tests/pilots/test_optimisation.py's (NOW Fri 2026-11-20 12:00 UTC).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zlib

import pytest
from openpyxl import load_workbook

from pilots.optimisation import METHOD
from tests.pilots.test_optimisation import adoption_target, build_chain

URL = "/api/v1/reports/optimisation"
PERIOD = "from=2026-11-02&to=2026-11-15"
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
TARGET_TEXT = "Adoption rate >= 90.0 % by week 3"  # the start of the target's own text
TARGET_HTML = TARGET_TEXT.replace(">", "&gt;")


@pytest.fixture
def chain(session):
    return build_chain(session)


@pytest.fixture
def lead(make_token):
    return make_token("rollout_lead", name="lead")


def test_the_json_keeps_the_english_method_and_target_text(client, chain, lead, session):
    adoption_target(session, 0.9)
    data = client.get(f"{URL}?{PERIOD}", headers={**lead, **ZH}).json
    assert data["method"] == {key: str(note) for key, note in METHOD.items()}
    assert data["method"]["verdict"].startswith("Pilot minus other stores' adoption rate")
    (target,) = data["targets"]["items"]
    assert target["text"].startswith(TARGET_TEXT)


def test_the_english_html_keeps_its_english_method(client, chain, lead, session):
    adoption_target(session, 0.9)
    page = client.get(f"{URL}?{PERIOD}&format=html", headers=lead).text
    assert "<strong>Unused modules</strong>" in page
    assert "Mapped modules with no successful action in the period, or under" in page
    assert TARGET_HTML in page


@pytest.mark.parametrize("issued", [False, True], ids=["generated", "stored"])
def test_the_chinese_html_has_a_chinese_method_and_target_text(
    client, chain, lead, session, issued
):
    adoption_target(session, 0.9)
    if issued:  # the report is stored first; the document is made from what was stored
        client.get(f"{URL}?{PERIOD}", headers=lead)
    page = client.get(f"{URL}?{PERIOD}&format=html", headers={**lead, **ZH}).text
    assert '<html lang="zh-Hans">' in page
    assert "与时段在本期之前结束的最近一份已存储报告对比。" in page
    assert "按各门店当地日期计，含首尾两天。" in page
    assert "每家门店：上线后第 3 周前使用率 &gt;= 90.0 %" in page  # the target's text, all of it
    for english in ("Local days at each site", "With the latest stored report", TARGET_HTML):
        assert english not in page, english


def test_the_chinese_workbook_has_a_chinese_method_sheet(client, chain, lead, session):
    adoption_target(session, 0.9)
    body = client.get(f"{URL}?{PERIOD}&format=xlsx", headers={**lead, **ZH}).data
    book = load_workbook(io.BytesIO(body))
    method = [row for row in book.worksheets[-1].iter_rows(values_only=True)]
    notes = " ".join(str(cell) for row in method for cell in row)
    assert "按各门店当地日期计" in notes and "Local days at each site" not in notes


def test_hot_spots_and_card_advice_name_the_feature_by_its_title_in_the_readers_language(
    client, chain, lead, session
):
    from sqlalchemy import select

    from adoption.models import Feature

    feature = session.scalars(select(Feature).where(Feature.action == "returns.exchange")).one()
    feature.titles = {"zh": "换货"}
    session.commit()
    data = client.get(f"{URL}?{PERIOD}", headers={**lead, **ZH}).json
    (item,) = [h for h in data["hotspots"]["items"] if h["action"] == "returns.exchange"]
    assert item["title"] == "Exchange an item" and item["titles"] == {"zh": "换货"}  # as stored
    chinese = client.get(f"{URL}?{PERIOD}&format=html", headers={**lead, **ZH}).text
    english = client.get(f"{URL}?{PERIOD}&format=html", headers=lead).text
    assert "<td>换货</td>" in chinese and "Exchange an item" not in chinese
    assert "<td>Exchange an item</td>" in english and "换货" not in english
    (card,) = [
        r
        for r in data["recommendations"]
        if r["kind"] == "card" and r["figures"]["action"] == "returns.exchange"
    ]
    assert card["values"]["feature"] == "Exchange an item"  # the JSON as stored
    advice = chinese.split('<section id="recommendations">')[1].split("</section>")[0]
    assert "换货" in advice and "Exchange an item" not in advice


def embedded_fonts(pdf: bytes) -> set[str]:
    """The /BaseFont names of a PDF, in its plain and its deflated streams."""
    names = set(re.findall(rb"/BaseFont\s*/([A-Za-z0-9+_-]+)", pdf))
    for match in re.finditer(rb"stream\r?\n", pdf):
        body = pdf[match.end() : pdf.find(b"endstream", match.end())]
        try:
            names |= set(re.findall(rb"/BaseFont\s*/([A-Za-z0-9+_-]+)", zlib.decompress(body)))
        except zlib.error:
            continue
    return {name.decode() for name in names}


def has_chinese_font() -> bool:
    found = (
        shutil.which("fc-list")
        and subprocess.run(
            ["fc-list", ":lang=zh"], capture_output=True, text=True, check=False
        ).stdout.strip()
    )
    return bool(found)


def test_the_chinese_pdf_embeds_a_chinese_font(client, chain, lead, session):
    """Without one, WeasyPrint prints every Chinese character as an empty box. CI installs
    fonts-noto-cjk (.ci/run), so there this never skips."""
    if not has_chinese_font() and not os.environ.get("CI"):
        pytest.skip("no Chinese font on this machine (Debian: apt-get install fonts-noto-cjk)")
    body = client.get(f"{URL}?{PERIOD}&format=pdf", headers={**lead, **ZH}).data
    fonts = embedded_fonts(body)
    assert any(mark in name for name in fonts for mark in ("CJK", "Sans-SC", "Hei")), fonts
