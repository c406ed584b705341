"""The rollout lead's pages in Simplified Chinese, and the same texts in English everywhere else.

The domain writes its method notes, caveats, gate reasons and target texts as
`adoption.locales.Text`: the API, CSV and CLI see the English sentence they always saw, and a
page in "zh" says it from the catalog (api/translations). Charts are drawn in the reader's
language and cached per locale.

The chain is tests.pilots.chain (NOW: Fri 2026-11-20 12:00 UTC; pilots S001, S002, S004 live
10-23, S003 of wave 1 live 10-30, S099 not live), with one readiness rule every pilot passes.
"""

from __future__ import annotations

import json
import re

import pytest

from adoption.locales import Text
from adoption.scoring.rules import load_rules
from pilots import readiness_rules, report, targets
from tests.pilots.chain import NOW, seed_chain
from tests.web.html import visible_text

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
# What the API said before the sentences became Text (it must not change by a character).
METHOD_HEAD = "difference of site means (pilot − non-pilot), weighting=sites; n_pilot=3, "
PERMUTATION = (
    "95% permutation CI (perm_ci_low, perm_ci_high; what verdicts use, valid with few sites): "
    "every shift of the pilot sites' values that the permutation test above, on the same "
    "relabellings, does not reject at 5%"
)
TARGET_METHOD_PART = (
    "when no site has, the least-squares trend of the site's last 4 complete weeks at most, "
    "read at the deadline week."
)
TARGET = {
    "name": "Half of the pilots' people active by week 2",
    "metric": "adoption_rate",
    "population": "pilots",
    "comparison": ">=",
    "threshold": 0.5,
    "deadline_week": 2,
}


@pytest.fixture
def chain(session, tmp_path):
    seed_chain(session, tmp_path)
    rule = {"metric": "adoption_rate", "comparison": ">=", "threshold": 0.0, "weeks": 1}
    readiness_rules.add_rule(session, {**rule, "scope": "pilots"}, now=NOW, actor="t")
    session.commit()
    return session


@pytest.fixture
def lead(chain, sign_in, page_clock):
    return sign_in("rollout_lead")


@pytest.fixture
def target_id(chain):
    added = targets.add_target(chain, TARGET, now=NOW, actor="t")
    chain.commit()
    return added["id"]


def zh_text(client, path: str) -> str:
    response = client.get(path, headers=ZH)
    assert response.status_code == 200, response.text
    assert '<html lang="zh-Hans">' in response.text
    return response.text


# ---- English stays English ----------------------------------------------------------------------


def test_the_comparison_speaks_the_english_it_always_did(chain):
    result = report.comparison(
        chain, metric="adoption_rate", week=1, now=NOW, rules=load_rules(chain)
    )
    method = result["effect"]["method"]
    assert isinstance(method, Text)
    assert method.startswith(METHOD_HEAD + "n_control=1; 95% percentile bootstrap CI, ")
    assert method.endswith(PERMUTATION)
    assert "exact enumeration of all C(n, n_pilot)=4 relabellings" in method
    assert "Sites without go_live_on are left out: S099." in result["caveats"]
    assert (
        "Fewer than 5 sites on the pilot side at week 1 (3): the interval and p-value rest on "
        "very few sites." in result["caveats"]
    )
    # JSON sees plain strings: the English sentence and nothing else
    again = json.loads(json.dumps(result, default=str))
    assert again["effect"]["method"] == str(method)
    assert again["caveats"] == [str(c) for c in result["caveats"]]


def test_the_comparison_api_answers_in_english_whatever_the_language(chain, client, make_token):
    lead = make_token("rollout_lead", name="lead-api")
    query = "/api/v1/pilots/comparison?metric=adoption_rate&week=1"
    english = client.get(query, headers=lead).json
    chinese = client.get(query, headers={**lead, **ZH}).json
    assert english["effect"]["method"] == chinese["effect"]["method"]
    assert english["effect"]["method"].startswith(METHOD_HEAD)
    assert english["caveats"] == chinese["caveats"]
    assert "Sites without go_live_on are left out: S099." in english["caveats"]


def test_a_targets_method_and_text_stay_english_in_the_domain(chain, target_id):
    progress = targets.target_progress(chain, target_id, now=NOW, rules=load_rules(chain))
    assert isinstance(progress["progress"]["method"], Text)
    assert TARGET_METHOD_PART in progress["progress"]["method"]
    assert progress["text"] == (
        "Adoption rate >= 50.0 % by week 2 since go-live at the pilot sites"
    )


def test_the_english_page_keeps_the_english_sentences(lead, target_id):
    text = visible_text(lead.get("/pilots?week=1").text)
    assert METHOD_HEAD in text
    assert "Sites without go_live_on are left out: S099." in text
    assert "Every rule passed (1 of 1)." in text
    assert TARGET_METHOD_PART in visible_text(lead.get(f"/pilots/targets/{target_id}").text)


# ---- Chinese pages ----------------------------------------------------------------------------


def test_pilots_in_chinese_has_no_english_method_caveat_or_chart(lead):
    html = zh_text(lead, "/pilots?week=1")
    text = visible_text(html)
    for chinese in (
        "门店均值之差（试点 − 非试点）",  # the effect's method
        "基于门店标签对 |均值之差| 的双侧置换 p 值",
        "没有 go_live_on 的门店未计入：S099。",  # a caveat
        "第 1 周试点一方的门店少于 5 家（3 家）",
        "所有规则均已通过（1 条中的 1 条）。",  # the gate's reason
        "按组计算 Kaplan–Meier 估计",  # time to proficiency
        "同一门店的人并不相互独立",
    ):
        assert chinese in text, chinese
    for english in (
        "difference of site means",
        "Sites without go_live_on are left out",
        "Fewer than 5 sites",
        "Every rule passed",
        "Greenwood variance",
        "People of one site are not independent",
    ):
        assert english not in text, english
    charts = " ".join(re.findall(r"<svg.*?</svg>", html, re.S))
    assert "估计值及 95% 置信区间" in charts and "estimate with 95% CI" not in charts
    assert "Week since go-live" not in charts and "Sites<" not in charts
    assert "使用率差值" in charts and "Difference in" not in charts


def test_charts_are_cached_per_language(lead):
    english = lead.get("/pilots").text
    chinese = zh_text(lead, "/pilots")
    again = lead.get("/pilots").text
    assert "estimate with 95% CI" in english and "estimate with 95% CI" in again
    assert "estimate with 95% CI" not in chinese and "估计值及 95% 置信区间" in chinese


def test_a_target_page_in_chinese_says_its_method_in_chinese(lead, target_id):
    text = visible_text(zh_text(lead, f"/pilots/targets/{target_id}"))
    assert "每家门店的数值是该指标在其截止周" in text
    assert "最近至多 4 个完整周的最小二乘趋势" in text
    assert "Each site's value is the metric" not in text
    assert "Overall:" not in text and "projected" not in text
