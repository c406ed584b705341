"""GET /api/v1/reports/optimisation and its documents (api.reports): JSON, HTML with every
section, XLSX with a sheet per section, PDF with a page per recommended card.

The chain is tests/pilots/test_optimisation.py's (NOW Fri 2026-11-20 12:00 UTC).
"""

from __future__ import annotations

import io
import re
import zlib

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from sqlalchemy import func, select

from adoption.masterdata.cards import set_card
from api.reports.optimisation import html, render
from pilots.models import OptimisationReport
from tests.pilots.test_optimisation import (
    NOW,
    adoption_target,
    build_chain,
    report,
)

URL = "/api/v1/reports/optimisation"
PERIOD = "from=2026-11-02&to=2026-11-15"
SECTIONS = (
    "recommendations",
    "targets",
    "adoption",
    "hotspots",
    "modules",
    "help",
    "verdict",
    "changes",
    "method",
)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("api.http.reports.utcnow", lambda: NOW)


@pytest.fixture
def chain(session):
    return build_chain(session)


@pytest.fixture
def lead(make_token):
    return make_token("rollout_lead", name="lead")


def add_card(session, action: str, title: str, locale: str = "en") -> None:
    values = {"title": title, "steps": ["Scan the receipt", "Choose the new item"]}
    set_card(session, action, locale, values, now=NOW, actor="test")
    session.commit()


def pdf_pages(body: bytes) -> int:
    """Page objects in a PDF, also inside compressed object streams (WeasyPrint's)."""
    pages = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
    count = len(pages.findall(body))
    for match in re.finditer(rb"stream\r?\n", body):
        try:
            count += len(pages.findall(zlib.decompressobj().decompress(body[match.end() :])))
        except zlib.error:
            continue
    return count


@pytest.mark.parametrize("role", ["rollout_lead", "admin", "hr"])
def test_json_report_for_the_roles_that_may_read_it(client, chain, make_token, role):
    response = client.get(f"{URL}?{PERIOD}", headers=make_token(role, name=role))
    assert response.status_code == 200, response.json
    assert response.content_type == "application/json"
    body = response.json
    assert body["period"] == {"from": "2026-11-02", "to": "2026-11-15", "days": 14}
    assert body["generated_by"] == role
    assert body["hotspots"]["items"][0]["action"] == "returns.exchange"
    disposition = response.headers["Content-Disposition"]
    assert disposition == 'inline; filename="optimisation-2026-11-02-2026-11-15.json"'


@pytest.mark.parametrize("role", ["manager", "employee", "ingest"])
def test_other_roles_get_403(client, chain, make_token, role):
    scope = {"manager": {"sites": ["P1"]}, "employee": {"user_id": "p1"}}.get(role, {})
    response = client.get(f"{URL}?{PERIOD}", headers=make_token(role, name=role, **scope))
    assert response.status_code == 403


def test_the_request_stores_the_report_of_its_period(client, chain, lead, session):
    assert client.get(f"{URL}?{PERIOD}&format=html", headers=lead).status_code == 200
    assert client.get(f"{URL}?{PERIOD}", headers=lead).status_code == 200
    rows = session.scalars(select(OptimisationReport)).all()
    assert [(r.from_on.isoformat(), r.to_on.isoformat()) for r in rows] == [
        ("2026-11-02", "2026-11-15")
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-11-10&to=2026-11-09", "from"),
        ("from=2025-10-31&to=2026-11-01", "to"),
        ("from=2026-11-10&to=2026-11-20", "to"),
        ("from=2026-11-31&to=2026-12-01", "from"),
        ("to=2026-11-15", "from"),
        ("from=2026-11-02", "to"),
        (f"{PERIOD}&format=docx", "format"),
    ],
)
def test_invalid_arguments_are_422_naming_the_field(client, chain, lead, session, query, field):
    response = client.get(f"{URL}?{query}", headers=lead)
    assert response.status_code == 422
    assert field in response.json["error"]["details"], response.json
    assert session.scalar(select(func.count()).select_from(OptimisationReport)) == 0


def test_html_is_one_standalone_page_with_every_section(client, chain, lead, session):
    adoption_target(session, 0.9)
    response = client.get(f"{URL}?{PERIOD}&format=html", headers=lead)
    assert response.status_code == 200
    assert response.content_type == "text/html; charset=utf-8"
    page = response.get_data(as_text=True)
    for section in SECTIONS:
        assert f'<section id="{section}">' in page
    assert "<link" not in page and "<script" not in page  # nothing to fetch
    assert "Exchange an item" in page and "40.0 %" in page
    assert "Nobody used the loyalty module" in page
    assert "Pilots (wave 0)" in page and "Wave 1" in page
    assert "This is the first report" in page
    targets = page[page.index('<section id="targets">') : page.index('<section id="adoption">')]
    assert "At risk" in targets and "60.0 %" in targets and "1 of 3: Store P1" in targets


def test_html_compares_with_the_previous_report(client, chain, lead):
    client.get(f"{URL}?from=2026-11-02&to=2026-11-08", headers=lead)
    page = client.get(f"{URL}?from=2026-11-09&to=2026-11-15&format=html", headers=lead).text
    assert "Compared with the report for 2026-11-02 to 2026-11-08." in page
    assert "+6.7 pp" in page  # chain adoption 5 ÷ 15 → 6 ÷ 15
    assert "Too few attempts to measure now" in page  # pos.refund


def test_xlsx_has_a_sheet_per_section_with_numbers(client, chain, lead, session):
    adoption_target(session, 0.9)
    response = client.get(f"{URL}?{PERIOD}&format=xlsx", headers=lead)
    assert response.status_code == 200
    assert response.content_type.startswith("application/vnd.openxmlformats")
    disposition = response.headers["Content-Disposition"]
    assert disposition == 'attachment; filename="optimisation-2026-11-02-2026-11-15.xlsx"'
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == [
        "Summary",
        "Targets",
        "Adoption by wave",
        "Adoption by store",
        "Error hot spots",
        "Unused modules",
        "People who need help",
        "Pilot verdict",
        "Changes",
        "Method",
    ]
    hot = book["Error hot spots"]
    assert hot.freeze_panes == "A2" and hot["A1"].font.bold
    assert [c.value for c in hot[2]][:5] == [
        "Exchange an item",
        "returns.exchange",
        "returns",
        0.4,
        20,
    ]
    assert hot["D2"].number_format == "0.0%"
    targets = book["Targets"]
    assert [c.value for c in targets[2]][2:] == ["At risk", pytest.approx(0.6), 0.9, 3, "Store P1"]
    assert targets["D2"].number_format == "0.0%"
    waves = book["Adoption by wave"]
    assert [c.value for c in waves[2]][:4] == ["Pilots (wave 0)", 1, 6, 5]
    assert waves["E2"].value == pytest.approx(5 / 6) and waves["E2"].number_format == "0.0%"


def test_pdf_ends_with_a_page_per_recommended_card(client, chain, lead, session):
    add_card(session, "returns.exchange", "Exchange an item, step by step")
    add_card(session, "pos.sale", "Complete a sale")
    response = client.get(f"{URL}?{PERIOD}&format=pdf", headers=lead)
    assert response.status_code == 200
    assert response.content_type == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert pdf_pages(response.data) >= 3  # the report, then the two cards


def test_html_ends_with_the_cards_it_is_given(chain, session):
    data = report(session, save=False)
    page = html(
        data,
        [
            {
                "title": "Exchange",
                "steps": ["Scan", "Choose"],
                "image": b"\x89PNG",
                "image_type": "image/png",
                "action": "returns.exchange",
                "feature_title": "Exchange an item",
                "notes": "Ask for the receipt.",
            }
        ],
    )
    card = page[page.index('<section class="card">') :]
    assert "<h2>Exchange</h2>" in card and "<li>Scan</li><li>Choose</li>" in card
    assert 'src="data:image/png;base64,iVBORw=="' in card
    assert "Exchange an item" in card and "<p>Ask for the receipt.</p>" in card


def test_the_cards_are_in_the_readers_language(client, chain, lead, session):
    add_card(session, "returns.exchange", "Exchange, step by step")
    add_card(session, "returns.exchange", "换货步骤", locale="zh")
    headers = {**lead, "Accept-Language": "zh-CN"}
    page = client.get(f"{URL}?{PERIOD}&format=html", headers=headers).text
    card = page[page.index('<section class="card">') :]
    assert "<h2>换货步骤</h2>" in card and '<html lang="zh-Hans">' in page


def test_html_is_in_chinese_for_a_chinese_reader(client, chain, lead, session):
    adoption_target(session, 0.9)
    headers = {**lead, "Accept-Language": "zh"}
    page = client.get(f"{URL}?{PERIOD}&format=html", headers=headers).text
    assert '<html lang="zh-Hans">' in page
    for words in ("<h1>优化报告</h1>", "<h2>建议</h2>", "<h2>试点结论</h2>", "试点（第 0 批次）"):
        assert words in page, words
    assert "本时段没有人使用 loyalty 模块" in page  # a recommendation, in the reader's language
    assert "有风险" in page and "这是第一份报告" in page
    verdict = page[page.index('<section id="verdict">') : page.index('<section id="changes">')]
    assert "Pilot stores" not in verdict and "no detectable" not in verdict
    assert "门店" in verdict.split("<p>")[1]  # the verdict's first sentence


def test_rendering_in_an_app_context_follows_the_forced_locale(app, chain, session):
    data = report(session, save=False)
    with app.app_context(), force_locale("zh"):
        page = render(data, "html").decode()
    assert '<html lang="zh-Hans">' in page
    assert "2026年11月2日" in page  # the period, as Chinese readers write a day
    assert '<section id="verdict">' in page
    assert html(data).startswith("<!doctype html>")  # outside an app: English, ISO days


def test_a_period_already_reported_is_given_as_issued_unless_replaced(client, chain, make_token):
    lead, hr = make_token("rollout_lead", name="lead2"), make_token("hr", name="hr2")
    path = f"{URL}?{PERIOD}"
    first = client.get(path, headers=lead).json
    again = client.get(path, headers=hr).json
    assert again["generated_at"] == first["generated_at"]  # the record, not a new one
    assert again["generated_by"] == first["generated_by"]
    refused = client.get(path + "&replace=true", headers=hr)
    assert refused.status_code == 403 and refused.json["error"]["details"] == {
        "replace": ["Not allowed for hr."]
    }
    replaced = client.get(path + "&replace=true", headers=lead).json
    assert replaced["generated_at"] >= first["generated_at"]
