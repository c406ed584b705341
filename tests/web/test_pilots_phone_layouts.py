"""/pilots and /me made for a phone (tests/browser/test_phone_layouts.py sees them drawn):
each /pilots chart in a wide and a narrow layout, under one name, drawn once while the data
stays the same; every table in a labelled region that scrolls by itself, its first column
sticky; /me's "Why this score" cells named for the stacked rows of a phone.

The chain is tests.pilots.chain (NOW: Fri 2026-11-20 12:00 UTC)."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest

from pilots import page_charts
from tests.pilots.chain import seed_chain
from tests.web.team import build_team

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
PAIR = re.compile(
    r'<div class="chart-pair">\s*<figure class="chart" id="(?P<id>[\w-]+)">(?P<wide>.*?)</figure>'
    r'\s*<figure class="chart narrow" id="(?P=id)-narrow">(?P<narrow>.*?)</figure>\s*</div>',
    re.S,
)


@pytest.fixture
def lead(session, tmp_path, sign_in, page_clock):
    seed_chain(session, tmp_path)
    session.commit()
    return sign_in("rollout_lead")


def pairs(html: str) -> dict[str, tuple[ElementTree.Element, ElementTree.Element]]:
    return {
        m["id"]: (ElementTree.fromstring(m["wide"]), ElementTree.fromstring(m["narrow"]))
        for m in PAIR.finditer(html)
    }


@pytest.mark.parametrize("headers", [{}, ZH], ids=["en", "zh"])
def test_each_chart_comes_wide_and_narrow_under_one_name(lead, headers):
    charts = pairs(lead.get("/pilots", headers=headers).text)
    assert set(charts) == {"curve-chart", "effect-chart"}  # no programme: no DiD
    for wide, narrow in charts.values():
        for svg in (wide, narrow):
            assert svg.get("role") == "img" and svg.get("aria-label")
        assert narrow.get("aria-label") == wide.get("aria-label")
        assert wide.get("viewBox").startswith("0 0 800 ")
        assert narrow.get("viewBox").startswith("0 0 360 ")


def test_both_layouts_are_cached_with_the_page(lead, monkeypatch):
    calls = []
    real = page_charts.curve_svg
    monkeypatch.setattr(
        page_charts, "curve_svg", lambda *a, **k: calls.append(k["layout"].name) or real(*a, **k)
    )
    first = lead.get("/pilots").text
    assert sorted(calls) == ["narrow", "wide"]
    assert lead.get("/pilots").text.count('class="chart narrow"') == first.count(
        'class="chart narrow"'
    )
    assert len(calls) == 2  # the second page drew nothing
    lead.get("/pilots", headers=ZH)
    assert len(calls) == 4  # another language: both drawn again, in it


def test_every_pilots_table_scrolls_in_a_labelled_region_with_a_sticky_first_column(lead):
    html = lead.get("/pilots").text
    tables = re.findall(r"<table class=\"([^\"]+)\">", html)
    assert len(tables) >= 5
    assert all("sticky-first" in classes.split() for classes in tables), tables
    wraps = re.findall(r"<div class=\"table-wrap\"([^>]*)>\s*<table", html)
    assert len(wraps) == len(tables)
    for attributes in wraps:
        assert 'tabindex="0"' in attributes and 'role="region"' in attributes
        assert re.search(r'aria-label="[^"]+"', attributes)


def test_why_this_score_names_each_cell_for_a_phone(session, page_clock, sign_in):
    build_team(session)
    html = sign_in("employee", user_id="C").get("/me").text
    table = html[html.index('<table class="components stacked">') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table[table.index("<tbody>") :], re.S)
    assert rows
    for cells in rows:
        labels = re.findall(r'<td[^>]* data-label="([^"]+)"', cells)
        assert labels == ["You", "Counts", "Adds", "What it means"]
