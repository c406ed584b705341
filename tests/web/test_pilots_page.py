"""The rollout lead's /pilots page on the simulated chain of tests.pilots.chain (NOW: Fri
2026-11-20 12:00 UTC; pilots S001, S002, S004 live 10-23, S003 of wave 1 live 10-30, S099 not
live) with two readiness rules. Figures are the domain's; the page must show them all.

The tests only read, so the module shares one seeded database per back end (each signs in with
its own account).
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from html import escape
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from adoption.db import make_engine, make_sessionmaker
from adoption.models import Employee, Site
from adoption.scoring.rules import load_rules
from adoption.usage.insights import error_hotspots
from api.web.rollout import metric_value, p_value
from pilots import readiness, readiness_rules, report
from tests.conftest import BACKENDS
from tests.pilots.chain import NOW, seeded_database
from tests.web.html import table_rows, visible_text

RULES = (
    {"metric": "adoption_rate", "comparison": ">=", "threshold": 0.5, "weeks": 2},
    {"metric": "error_rate", "comparison": "<=", "threshold": 0.02, "weeks": 1},
)
# The rules as the page words them: labels, not codes; thresholds in %.
RULE_WORDS = {
    "adoption_rate": "Adoption rate at least 50.0% in each of the last 2 complete weeks since "
    "go-live at every pilot site",
    "error_rate": "Error rate at most 2.0% in the last complete week since go-live at every "
    "pilot site",
}


@pytest.fixture(scope="module", params=BACKENDS)
def database_url(request, tmp_path_factory):
    for url in seeded_database(request, tmp_path_factory):
        engine = make_engine(url)
        with make_sessionmaker(engine)() as session:
            for rule in RULES:
                values = {**rule, "scope": "pilots"}
                readiness_rules.add_rule(session, values, now=NOW, actor="test")
            session.commit()
        engine.dispose()
        yield url


@pytest.fixture
def lead(sign_in, page_clock):
    return sign_in("rollout_lead", username=f"lead-{uuid.uuid4().hex[:8]}")


def page(client, query: str = "") -> str:
    response = client.get(f"/pilots{query}")
    assert response.status_code == 200, response.text
    return response.text


def figure(html: str, figure_id: str) -> str:
    match = re.search(rf'<figure class="chart" id="{figure_id}">(.*?)</figure>', html, re.S)
    assert match, f"no figure #{figure_id}"
    return match[1]


def test_curves_are_an_inline_svg_chart_with_nothing_active(lead):
    html = page(lead)
    svg = figure(html, "curve-chart")
    root = ElementTree.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    label = "Adoption rate by week since go-live, pilot and non-pilot sites"
    assert root.get("aria-label") == label
    assert "viewBox" in root.attrib
    assert not re.search(r"<\?xml|<!DOCTYPE|<metadata|<script|\son\w+=", svg)
    assert ElementTree.fromstring(figure(html, "effect-chart")).get("role") == "img"


def test_page_keeps_the_content_security_policy_that_blocks_scripts(lead):
    policy = lead.get("/pilots").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "img-src 'self' data:" in policy


def test_effect_table_shows_every_week_with_both_groups(lead, session):
    series = report.effect_series(
        session, metric="adoption_rate", now=NOW, rules=load_rules(session)
    )
    rows = table_rows(page(lead), "effects")
    # S003 (the only non-pilot site with a go-live) has weeks 0–2 complete.
    assert [row[0] for row in rows] == ["0", "1", "2"]
    assert rows == [
        [
            str(e["week"]),
            metric_value(e["estimate"], "fraction", True),
            f"{metric_value(e['perm_ci_low'], 'fraction', True)} to "
            f"{metric_value(e['perm_ci_high'], 'fraction', True)}",
            p_value(e["p_value"]),
            "3",
            "1",
        ]
        for e in series
    ]


def test_default_week_is_the_latest_with_sites_on_both_sides(lead):
    html = page(lead)
    assert '<option value="2" selected>Week 2</option>' in html
    assert "Effect, week 2" in visible_text(html)


def test_method_and_caveats_of_the_chosen_week_are_shown(lead, session):
    result = report.comparison(
        session, metric="adoption_rate", week=1, now=NOW, rules=load_rules(session)
    )
    text = visible_text(page(lead, "?week=1"))
    assert result["effect"]["method"] in text
    assert "Before you trust week 1" in text
    for caveat in result["caveats"]:
        assert caveat in text
    assert "Sites without go_live_on are left out: S099." in text


def test_metric_and_week_selects_choose_what_is_shown(lead):
    html = page(lead, "?metric=mean_proficiency&week=1")
    assert '<option value="mean_proficiency" selected>Mean proficiency</option>' in html
    assert '<option value="1" selected>Week 1</option>' in html
    text = visible_text(html)
    assert "Mean proficiency by week since go-live" in text
    estimate = table_rows(html, "effects")[0][1]
    assert re.fullmatch(r"[+−]\d+\.\d points", estimate)  # score points, not percentage points


def test_rostered_weighting_is_named_in_the_method(lead):
    assert "weighting=rostered" in visible_text(page(lead, "?weighting=rostered"))


@pytest.mark.parametrize(
    "query", ["?metric=bogus", "?week=abc", "?week=-1", "?week=105", "?weighting=people"]
)
def test_an_unknown_choice_is_the_400_page(lead, query):
    response = lead.get(f"/pilots{query}")
    assert response.status_code == 400
    assert response.mimetype == "text/html"


def test_readiness_gate_shows_the_decision_each_rule_and_the_failing_sites(lead, session):
    gate = readiness.readiness(session, 1, now=NOW, rules=load_rules(session))
    html = page(lead)
    text = visible_text(html)
    decision = "GO" if gate["decision"] == "go" else "NO GO"
    assert f"Wave 1 {decision} {gate['reason']}" in text
    for rule in gate["rules"]:
        verdict = "passed" if rule["passed"] else "failed"
        assert f"{verdict} {RULE_WORDS[rule['rule']['metric']]}" in text
        failing = sorted({e["site_id"] for e in rule["evidence"] if not e["passed"]})
        if failing:
            assert f"Failing sites: {' '.join(failing)}" in text
    failing_rows = sum(not e["passed"] for rule in gate["rules"] for e in rule["evidence"])
    assert html.count('<tr class="fail">') == failing_rows


def test_error_hot_spots_are_the_chains_over_the_last_28_days(lead, session):
    sites = set(session.scalars(select(Site.id)))
    # Yesterday is 11-19 at every site; 28 days back from it starts on 10-23.
    expected = error_hotspots(session, sites, date(2026, 10, 23), date(2026, 11, 19))
    html = page(lead)
    assert "All sites, 2026-10-23 to 2026-11-19" in visible_text(html)
    rows = table_rows(html, "hotspots")
    assert [row[0].split()[0] for row in rows] == [h["action"] for h in expected]
    assert [row[3] for row in rows] == [f"{h['errors']:,}" for h in expected]


def test_time_to_proficiency_shows_both_groups_and_the_log_rank_test(lead):
    rows = table_rows(page(lead), "ttp")
    assert [row[0] for row in rows] == ["Pilot sites 3 sites", "Non-pilot sites 1 site"]


def test_chart_downloads_are_the_api_files_and_work_with_the_session(lead, monkeypatch):
    monkeypatch.setattr("api.http.pilots.utcnow", lambda: NOW)
    html = page(lead, "?metric=error_rate")
    href = "/api/v1/pilots/charts/curve.png?metric=error_rate&amp;weighting=sites"
    assert href in html
    response = lead.get(href.replace("&amp;", "&"))
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="pilots-curve-error_rate-sites.png"'
    )
    assert response.data.startswith(b"\x89PNG")


@pytest.mark.parametrize("role", ["manager", "employee", "hr"])
def test_pilots_page_is_403_for_other_roles(sign_in, page_clock, session, role):
    someone = session.scalar(select(Employee.external_id).order_by(Employee.id).limit(1))
    scope = {"manager": {"sites": ["S001"]}, "employee": {"user_id": someone}}.get(role, {})
    client = sign_in(role, username=f"{role}-{uuid.uuid4().hex[:8]}", **scope)
    response = client.get("/pilots")
    assert response.status_code == 403
    assert "Not allowed" in visible_text(response.text)


def test_an_unknown_choice_names_what_is_wrong(lead):
    text = visible_text(lead.get("/pilots?metric=bogus").text)
    assert "metric: Must be one of: adoption_rate" in text


def test_the_verdict_in_words_stands_above_the_figures(lead, session):
    html = page(lead)
    expected = report.verdict(session, metric="adoption_rate", now=NOW, rules=load_rules(session))
    assert expected and "stores" in expected[0]
    verdict = html[html.index('id="verdict"') : html.index('class="grid three summary"')]
    for sentence in expected:
        assert escape(sentence) in verdict


def test_the_page_is_in_chinese_for_a_chinese_browser(lead):
    response = lead.get("/pilots", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert response.status_code == 200
    text = visible_text(response.text)
    assert '<html lang="zh-Hans">' in response.text
    headings = ("结论", "试点门店，第 2 周", "各周效果（试点 − 非试点）", "就绪关卡", "错误热点")
    for words in (*headings, "优化报告"):
        assert words in text, words
    verdict = response.text[response.text.index('<section class="card verdict"') :]
    lead_sentence = visible_text(verdict[: verdict.index("</p>")])
    assert "结论 试点门店与其他门店之间尚无可检测的差异（第 2 周：+13 个百分点" in lead_sentence
    assert lead_sentence.endswith("。")
    assert "每家试点门店上线后最近 2 个完整周的每一周，使用率至少 50.0%" in text  # a rule
    assert "No week" not in text and "Verdict" not in text
