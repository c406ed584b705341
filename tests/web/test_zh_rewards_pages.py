"""The pages of clerks, managers and HR in Simplified Chinese: what the domain writes (badge titles
and criteria, coaching suggestions, points rows' rules) and the catalog's feature titles are said
in the reader's language, while the API, the CLI and the contract's export keep their English.
"""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from adoption.models import Employee, Feature
from adoption.usage.coaching import Coaching, Struggling, WorstFeature, suggest, titled
from rewards.badges import BY_NAME
from rewards.progress import progress_of
from tests.adoption.scoring.test_proficiency import NOW
from tests.rewards.month_world import OCT, Month, utc
from tests.web.html import visible_text
from tests.web.team import build_team

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
TITLES = {  # the catalog's titles, English and Chinese (as the demo catalog's)
    "pos.sale": ("Complete a sale", "完成销售"),
    "pos.refund": ("Refund a sale", "销售退款"),
}
OLD_CRITERIA = {  # what the API and CLI said before the badges' words became `Text`
    "first_proficient": (
        "The first rostered employee of a site (by home site) at Proficient or above on or after "
        "its go-live; ties: higher score that day, then user id. Once per site, never moved."
    ),
    "proficient": "Proficient or above on some day (proficient since).",
    "expert": "Expert on some day.",
    "explorer": (
        "Every core feature (is_core now, aliases counted) used successfully at least once."
    ),
    "streak": (
        "Active on 10 consecutive working days; a working day is a day on which anyone had a "
        "success at the employee's home site."
    ),
    "error_free_week": (
        "A complete ISO week with ≥ 20 successes on core features and no error on any feature."
    ),
}


@pytest.fixture
def team(session, page_clock):
    scn = build_team(session)
    for feature in session.scalars(select(Feature).where(Feature.action.in_(TITLES))):
        feature.title, zh = TITLES[feature.action]
        feature.titles = {"zh": zh}
    session.commit()
    return scn


def page(client, path: str, lang: dict | None = None) -> str:
    response = client.get(path, headers=lang or {})
    assert response.status_code == 200, response.text
    return visible_text(response.text)


# English stays as it was.


def test_the_badges_words_are_still_the_same_english_strings():
    for name, criterion in OLD_CRITERIA.items():
        assert str(BY_NAME[name].criterion) == criterion
        assert type(str(BY_NAME[name].criterion)) is str
    assert [str(BY_NAME[n].title) for n in OLD_CRITERIA] == [
        "First proficient at the site",
        "Proficient",
        "Expert",
        "Explorer",
        "Streak",
        "Error-free week",
    ]


def test_a_coaching_suggestion_is_the_same_english_sentence():
    feature = WorstFeature("pos.sale", 3, 5, "Complete a sale", "https://help/sale")
    assert suggest("struggling", feature).text == (
        "Go through the quick-reference card for Complete a sale with them"
    )
    bare = WorstFeature("pos.sale", 3, 5, "Complete a sale", None)
    assert suggest("struggling", bare).text == "Do Complete a sale together with them at the till"
    assert suggest("silent", None).text == "Ask whether something stops them using it"


def test_the_english_pages_keep_english_titles_and_badges(team, sign_in):
    me = page(sign_in("employee", user_id="C"), "/me")
    assert "Explorer" in me and "Every core feature" in me
    assert "Refund a sale" in me and "销售退款" not in me


def test_the_english_rules_page_keeps_english_titles(team, sign_in):
    rules = page(sign_in("hr"), "/points/rules")
    assert "Complete a sale" in rules and "完成销售" not in rules


def test_the_api_keeps_english_titles_and_criteria(team, session):
    c = session.scalar(select(Employee).where(Employee.external_id == "C"))
    progress = progress_of(session, c.id, NOW)
    assert [b["criterion"] for b in progress.badges] == [OLD_CRITERIA["explorer"]]
    missing = {m["title"] for m in progress.goal["missing_core"]}
    assert missing and missing <= {"Complete a sale", "Refund a sale"}


# Chinese: feature titles from the catalog (pass now).


def test_me_names_features_in_chinese(team, sign_in):
    me = page(sign_in("employee", user_id="C"), "/me", ZH)
    assert "销售退款" in me  # the last 7 days' points, and the core features still missing
    assert "Refund a sale" not in me and "Complete a sale" not in me


def test_points_rules_name_features_in_chinese(team, sign_in):
    rules = page(sign_in("employee", user_id="C"), "/points/rules", ZH)
    assert "完成销售" in rules and "销售退款" in rules
    assert "Complete a sale" not in rules and "Refund a sale" not in rules


def test_coaching_names_features_in_chinese_and_rewords_its_suggestion():
    feature = WorstFeature("pos.sale", 3, 5, "Complete a sale", None)
    row = suggest("struggling", feature)
    assert row.text.params == {"feature": "Complete a sale"}
    coaching = Coaching("S1", None, None, 28, 0.6, 5, 28, [], [], [], [])
    coaching.struggling.append(Struggling("C", "Person C", 0.3, 8, feature, row, 1))
    (shown,) = titled(coaching, {"pos.sale": "完成销售"}).struggling
    assert shown.feature.title == "完成销售"
    assert shown.suggestion.text.params == {"feature": "完成销售"}
    assert shown.suggestion.text.msgid == "Do %(feature)s together with them at the till"


# Chinese: the domain's words (need the catalog merge).


def test_me_shows_badges_and_their_criteria_in_chinese(team, sign_in):
    me = page(sign_in("employee", user_id="C"), "/me", ZH)
    assert "探索者" in me and "每个核心功能" in me
    for english in ("Explorer", "Every core feature", "Streak", "consecutive working days"):
        assert english not in me
    assert "Error-free week" not in me and "higher score that day" not in me


def test_a_store_board_shows_badges_in_chinese(team, sign_in):
    board = page(sign_in("hr"), "/sites/S1/leaderboard", ZH)
    assert "探索者" in board
    assert "Explorer" not in board


def test_points_rules_page_has_no_english_left(team, sign_in):
    rules = page(sign_in("hr"), "/points/rules", ZH)
    assert "积分" in rules and "完成销售" in rules
    assert "Complete a sale" not in rules


# The payroll export: the contract's English file, or one for people with `?lang=zh`.


@pytest.fixture
def hr_month(session, page_clock, sign_in):
    scn = Month(session).site("S1").site("S2").catalog()
    scn.person("E1", "S1").person("E2", "S2")
    scn.work("E1").book("E1", 12, utc(14, 9))
    return sign_in("hr")


def test_the_export_keeps_the_contracts_english_header_without_lang(hr_month):
    for path in (f"/champions/{OCT}/export.csv", f"/champions/{OCT}/export.csv?lang=en"):
        response = hr_month.get(path, headers=ZH)
        assert f'filename="champions-{OCT}-v1-DRAFT.csv"' in response.headers["Content-Disposition"]
        data = response.data
        assert data.startswith(
            b"\xef\xbb\xbfmonth,site_id,user_id,display_name,points,score,rank_reason,status,"
            b"version\r\n"
        )


def test_the_export_in_chinese_has_chinese_headings_status_and_reasons(hr_month):
    response = hr_month.get(f"/champions/{OCT}/export.csv?lang=zh")
    # named apart, so nobody feeds it to payroll for the contract's file
    assert f'filename="champions-{OCT}-v1-DRAFT-zh.csv"' in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8-sig")
    head, first = text.splitlines()[:2]
    assert head.startswith("月份,门店编号,")
    assert "姓名,积分,得分,理由,状态,版本" in head
    assert "草稿" in first and "draft" not in first
    assert "points" not in first and "active days" not in first


def test_the_xlsx_in_chinese_has_a_chinese_header(hr_month):
    data = hr_month.get(f"/champions/{OCT}/export.xlsx?lang=zh").data
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[1][:2] == ("月份", "门店编号")  # below the draft banner


def test_the_month_page_links_its_downloads_in_the_readers_language(hr_month):
    html = hr_month.get(f"/champions/{OCT}", headers=ZH).text
    assert f"/champions/{OCT}/export.csv?version=1&amp;lang=zh" in html
    assert f'href="/champions/{OCT}/export.csv?version=1"' in html  # the payroll scripts' file
