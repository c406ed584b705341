"""Quick-reference card pages (/cards/<action>, /cards?feature=…) and the links to them on /me
("Features you find hard") and in "who needs help" on the team board.

The team is tests/web/team.py: C fails pos.refund 6 times in 7 tries on 11-18 (86 %).
"""

from __future__ import annotations

import pytest

from adoption.masterdata import cards, feature_records
from tests.adoption.scoring.test_proficiency import NOW
from tests.web.html import visible_text
from tests.web.team import build_team

PNG = b"\x89PNG\r\n\x1a\n" + bytes(20)
REFUND_EN = {"title": "Refund a sale", "steps": ["Find the sale.", "Choose Refund."]}
REFUND_ZH = {"title": "销售退款", "steps": ["查找原销售。", "选择“退款”。"]}


def put_card(session, action, locale, values, image=None):
    cards.set_card(session, action, locale, values, now=NOW, actor="t")
    if image:
        cards.set_card_image(session, action, locale, image, None, now=NOW, actor="t")
    session.commit()


@pytest.fixture
def team(session, page_clock):
    return build_team(session)


@pytest.fixture
def carded(session, team):
    put_card(session, "pos.refund", "en", {**REFUND_EN, "notes": "Manager PIN over 100."}, PNG)
    put_card(session, "pos.refund", "zh", REFUND_ZH)
    return session


def test_a_card_page_shows_title_steps_notes_and_image_for_print(carded, sign_in):
    page = sign_in("employee", user_id="C").get("/cards/pos.refund")
    assert page.status_code == 200, page.text
    text = visible_text(page.text)
    assert "Refund a sale" in text and "Find the sale." in text and "Manager PIN" in text
    assert 'src="data:image/png;base64,' in page.text
    assert "@page" in page.text and "page-break-after: always" in page.text


def test_locale_chooses_the_card_and_falls_back_when_missing(carded, session, sign_in):
    client = sign_in("manager", sites=["S1"])
    assert "销售退款" in client.get("/cards/pos.refund?locale=zh").text
    cards.remove_card(session, "pos.refund", "zh", now=NOW, actor="t")
    session.commit()
    fallback = visible_text(client.get("/cards/pos.refund?locale=zh").text)
    assert "Refund a sale" in fallback and "shown in English" in fallback


def test_the_readers_language_picks_the_card(carded, sign_in):
    client = sign_in("hr")
    client.set_cookie("lang", "zh")
    assert "销售退款" in client.get("/cards/pos.refund").text


def test_an_unknown_locale_is_refused(carded, sign_in):
    assert sign_in("hr").get("/cards/pos.refund?locale=fr").status_code == 422


def test_a_feature_without_a_card_or_unknown_is_404(carded, sign_in):
    client = sign_in("hr")
    assert client.get("/cards/pos.sale").status_code == 404
    assert client.get("/cards/no.such.action").status_code == 404


def test_several_cards_print_one_per_page_in_the_order_asked(carded, session, sign_in):
    put_card(session, "pos.sale", "en", {"title": "Complete a sale", "steps": ["Scan."]})
    client = sign_in("rollout_lead")
    page = client.get("/cards?feature=pos.sale&feature=pos.void&feature=pos.refund")
    assert page.status_code == 200
    text = visible_text(page.text)
    assert page.text.count('class="card quick-card"') == 2  # pos.void has none
    assert text.index("Complete a sale") < text.index("Refund a sale")
    every = client.get("/cards")
    assert every.text.count('class="card quick-card"') == 2  # by action: pos.refund, pos.sale


def test_anonymous_is_sent_to_sign_in(carded, client):
    response = client.get("/cards/pos.refund")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_me_lists_the_features_the_person_finds_hard_with_the_card(carded, sign_in):
    page = sign_in("employee", user_id="C").get("/me")
    text = visible_text(page.text)
    # pos.refund 11-18: 6 errors in 7 tries = 86 %; pos.sale: 1 try, too few.
    hard = text[text.index("Features you find hard") : text.index("Around me")]
    assert "pos.refund : 6 errors in 7 tries (86%) · Quick-reference card" in hard
    assert "pos.sale" not in hard
    assert 'href="/cards/pos.refund"' in page.text


def test_me_has_no_card_link_without_a_card(team, sign_in):
    page = sign_in("employee", user_id="C").get("/me")
    assert "Features you find hard" in page.text and "/cards/pos.refund" not in page.text


def test_me_names_the_hard_feature_by_its_title_in_the_readers_language(team, session, sign_in):
    feature_records.put_feature(
        session, "pos.refund", {"title": "Refund", "titles": {"zh": "销售退款"}}, now=NOW
    )
    session.commit()
    client = sign_in("employee", user_id="C")
    assert "Refund" in visible_text(client.get("/me").text)
    client.set_cookie("lang", "zh")
    assert "销售退款" in client.get("/me").text


def test_who_needs_help_links_the_card_of_the_feature_a_person_fails_on(carded, sign_in):
    page = sign_in("manager", sites=["S1"]).get("/sites/S1/leaderboard")
    struggling = visible_text(page.text)[visible_text(page.text).index("Struggling") :]
    assert "fails most on pos.refund (6 errors in 7 tries) · Quick-reference card" in struggling
    assert 'href="/cards/pos.refund"' in page.text


def test_who_needs_help_has_no_card_link_without_a_card(team, sign_in):
    page = sign_in("manager", sites=["S1"]).get("/sites/S1/leaderboard")
    assert "/cards/" not in page.text


@pytest.mark.parametrize("query", ["action=x", "endpoint=x", "_external=1&_scheme=javascript"])
def test_other_query_keys_never_reach_the_language_links(carded, sign_in, query):
    page = sign_in("employee", user_id="C").get(f"/cards/pos.refund?{query}")
    assert page.status_code == 200
    assert 'href="/cards/pos.refund?locale=zh"' in page.text  # the switch keeps features only
