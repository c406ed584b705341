"""Quick-reference cards (`adoption.masterdata.cards`): checked, audited, one per feature and
locale, falling back to another locale; and feature titles by locale (`feature_records`, the
catalog import)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from adoption.errors import Invalid, NotFound
from adoption.masterdata import cards, feature_records
from adoption.masterdata.imports import import_master
from adoption.models import AuditLog, Feature
from tests.adoption.scoring.test_proficiency import NOW

PNG = b"\x89PNG\r\n\x1a\n" + bytes(20)
JPEG = b"\xff\xd8\xff\xe0" + bytes(20)
WEBP = b"RIFF" + (20).to_bytes(4, "little") + b"WEBPVP8 " + bytes(12)
CARD = {"title": "Exchange an item", "steps": ["Scan the receipt.", "Choose Exchange."]}


@pytest.fixture
def exchange(session):
    feature, _ = feature_records.put_feature(session, "returns.exchange", {}, now=NOW)
    session.flush()
    return feature


def put(session, locale="en", action="returns.exchange", **values):
    card, created = cards.set_card(
        session, action, locale, {**CARD, **values}, now=NOW, actor="test"
    )
    session.flush()
    return card, created


def test_a_card_is_created_then_replaced_keeping_its_image(session, exchange):
    card, created = put(session, title="  Exchange an item ", notes=" ")
    assert created and (card.title, card.steps, card.notes) == (
        "Exchange an item",
        CARD["steps"],
        None,  # blank notes are none
    )
    cards.set_card_image(session, "returns.exchange", "en", PNG, "image/png", now=NOW, actor="t")
    card, created = put(session, steps=["Scan the receipt."])
    assert not created and card.steps == ["Scan the receipt."] and card.image == PNG


def test_every_change_is_audited(session, exchange):
    put(session)
    put(session, title="Exchange")
    cards.set_card_image(session, "returns.exchange", "en", PNG, None, now=NOW, actor="t")
    cards.remove_card(session, "returns.exchange", "en", now=NOW, actor="t")
    session.flush()
    rows = session.scalars(select(AuditLog).where(AuditLog.target_type == "card")).all()
    assert [(r.action, r.target) for r in rows] == [
        ("card.put", "returns.exchange/en"),
        ("card.put", "returns.exchange/en"),
        ("card.image", "returns.exchange/en"),
        ("card.delete", "returns.exchange/en"),
    ]
    assert rows[1].details["changes"] == {"title": ["Exchange an item", "Exchange"]}
    assert rows[2].details == {"image_type": "image/png", "bytes": len(PNG)}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"title": " "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": 5}, "title"),
        ({"steps": []}, "steps"),
        ({"steps": [f"Step {n}" for n in range(11)]}, "steps"),
        ({"steps": ["ok", "x" * 301]}, "steps"),
        ({"steps": "Scan the receipt."}, "steps"),
        ({"notes": "x" * 2001}, "notes"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_card_is_refused_naming_the_field(session, exchange, values, field):
    with pytest.raises(Invalid) as error:
        put(session, **values)
    assert list(error.value.details) == [field]


def test_a_bad_step_is_named_by_its_position(session, exchange):
    with pytest.raises(Invalid) as error:
        put(session, steps=["ok", " ", "ok"])
    assert error.value.details == {"steps": ["Step 2 must be text of 1 to 300 characters."]}


def test_limits_hold_exactly(session, exchange):
    card, _ = put(session, title="t" * 200, steps=["s" * 300] * 10, notes="n" * 2000)
    assert (len(card.title), len(card.steps), len(card.notes)) == (200, 10, 2000)


def test_an_unknown_locale_or_feature_is_refused(session, exchange):
    with pytest.raises(Invalid) as error:
        put(session, locale="fr")
    assert list(error.value.details) == ["locale"]
    with pytest.raises(NotFound):
        put(session, action="no.such.feature")


@pytest.mark.parametrize(
    ("data", "kind"), [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp")]
)
def test_an_image_is_told_by_its_magic_bytes(data, kind):
    assert cards.image_type(data) == kind
    assert cards.checked_image(data, None) == kind


@pytest.mark.parametrize(
    ("data", "declared", "message"),
    [
        (b"GIF89a" + bytes(20), None, "Not a PNG, JPEG or WebP image (by its first bytes)."),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", None,
         "Not a PNG, JPEG or WebP image (by its first bytes)."),
        (b"", None, "The body is empty: send the image's bytes."),
        (JPEG, "image/png", "The bytes are image/jpeg, but were sent as image/png."),
        (PNG + bytes(1024 * 1024), None, "At most 1,048,576 bytes (1 MB); got 1,048,604."),
    ],
)  # fmt: skip
def test_a_bad_image_is_refused_naming_image(data, declared, message):
    with pytest.raises(Invalid) as error:
        cards.checked_image(data, declared)
    assert error.value.details == {"image": [message]}


def test_an_image_needs_a_card(session, exchange):
    with pytest.raises(NotFound):
        cards.set_card_image(session, "returns.exchange", "zh", PNG, None, now=NOW, actor="t")


def test_a_removed_card_is_gone(session, exchange):
    put(session)
    cards.remove_card(session, "returns.exchange", "en", now=NOW, actor="t")
    with pytest.raises(NotFound):
        cards.get_card(session, "returns.exchange", "en")
    with pytest.raises(NotFound):
        cards.remove_card(session, "returns.exchange", "en", now=NOW, actor="t")


def test_card_for_falls_back_to_the_other_locale(session, exchange):
    assert cards.card_for(session, exchange.id, "zh") is None
    put(session, locale="en")
    assert cards.card_for(session, exchange.id, "zh").locale == "en"
    put(session, locale="zh", title="换货")
    assert cards.card_for(session, exchange.id, "zh").title == "换货"
    cards.remove_card(session, "returns.exchange", "en", now=NOW, actor="t")
    assert cards.card_for(session, exchange.id, "en").locale == "zh"


def test_cards_for_keeps_the_order_and_leaves_out_features_without_a_card(session, exchange):
    other, _ = feature_records.put_feature(
        session, "returns.receipt", {"title": "Process a return", "titles": {"zh": "办理退货"}},
        now=NOW,
    )  # fmt: skip
    bare, _ = feature_records.put_feature(session, "pos.sale", {}, now=NOW)
    put(session, locale="en")
    put(session, locale="zh", action="returns.receipt", title="退货")
    printed = cards.cards_for(session, [other.id, bare.id, exchange.id, other.id], "zh")
    assert [(c["action"], c["locale"], c["feature_title"]) for c in printed] == [
        ("returns.receipt", "zh", "办理退货"),
        ("returns.exchange", "en", "returns.exchange"),  # no zh card, no title: its action
    ]
    assert cards.carded_actions(session) == {"returns.exchange", "returns.receipt"}


def test_list_cards_is_in_locale_order(session, exchange):
    put(session, locale="zh")
    put(session, locale="en")
    assert [c.locale for c in cards.list_cards(session, "returns.exchange")] == ["en", "zh"]


# ---- feature titles by locale ---------------------------------------------------------------


def test_feature_title_prefers_the_locale_then_the_default_then_the_action():
    feature = Feature(action="returns.receipt", title="Process a return", titles={"zh": "办理退货"})
    assert cards.feature_title(feature, "zh") == "办理退货"
    assert cards.feature_title(feature, "en") == "Process a return"
    assert cards.feature_title(Feature(action="pos.sale"), "zh") == "pos.sale"


def test_titles_set_the_locales_named_and_keep_the_others(session):
    put_feature = feature_records.put_feature
    feature, _ = put_feature(session, "returns.receipt", {"titles": {"zh": " 退货 "}}, now=NOW)
    assert feature.titles == {"zh": "退货"}
    feature, _ = put_feature(session, "returns.receipt", {"title": "Process a return"}, now=NOW)
    assert feature.titles == {"zh": "退货"}  # omitted: kept
    feature, _ = put_feature(session, "returns.receipt", {"titles": {"zh": " "}}, now=NOW)
    assert feature.titles is None  # blank clears it


@pytest.mark.parametrize(
    ("titles", "details"),
    [
        ({"fr": "Retour"}, {"fr": ["Unknown locale. Locales: zh."]}),
        ({"en": "Return"}, {"en": ["The default title is `title`. Locales: zh."]}),
        ({"zh": "x" * 201}, {"zh": ["Length must be between 0 and 200."]}),
    ],
)
def test_a_bad_title_by_locale_is_refused_naming_it(session, titles, details):
    with pytest.raises(Invalid) as error:
        feature_records.put_feature(session, "returns.receipt", {"titles": titles}, now=NOW)
    assert error.value.details == {"titles": details}


def test_the_import_reads_title_zh_and_rejects_one_too_long(session, tmp_path):
    path = tmp_path / "features.csv"
    path.write_text(
        "action,title,title_zh\n"
        "returns.receipt,Process a return,办理退货\n"
        f"returns.exchange,Exchange,{'x' * 201}\n",
        encoding="utf-8",
    )
    summary = import_master(session, "features", path, now=NOW, actor="test", default_tz="UTC")
    assert (summary.created, summary.rejected) == (1, 1)
    rejected = (tmp_path / "features.csv.rejected.csv").read_text(encoding="utf-8")
    assert "titles.zh: Length must be between 0 and 200." in rejected
    feature = feature_records.get_feature(session, "returns.receipt")
    assert (feature.title, feature.titles) == ("Process a return", {"zh": "办理退货"})


def test_re_importing_a_changed_zh_title_counts_as_updated(session, tmp_path):
    path = tmp_path / "features.jsonl"
    row = {"action": "returns.receipt", "title_zh": "退货"}
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    import_master(session, "features", path, now=NOW, actor="test", default_tz="UTC")
    again = import_master(session, "features", path, now=NOW, actor="test", default_tz="UTC")
    assert again.unchanged == 1
    path.write_text(json.dumps({**row, "title_zh": "办理退货"}) + "\n", encoding="utf-8")
    changed = import_master(session, "features", path, now=NOW, actor="test", default_tz="UTC")
    assert changed.updated == 1
    assert feature_records.get_feature(session, "returns.receipt").titles == {"zh": "办理退货"}
