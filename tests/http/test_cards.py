"""`/api/v1/features/{action}/cards…`: quick-reference cards per locale, written by admin and
rollout leads, read by every signed-in role; the image as raw bytes told by its magic bytes."""

from __future__ import annotations

import pytest

from adoption.masterdata import feature_records
from tests.adoption.scoring.test_proficiency import NOW

FEATURE = "/api/v1/features/returns.exchange"
CARD = {"title": "Exchange an item", "steps": ["Scan the receipt.", "Choose Exchange."]}
PNG = b"\x89PNG\r\n\x1a\n" + bytes(20)
JPEG = b"\xff\xd8\xff\xe0" + bytes(20)


SCOPE = {"manager": {"sites": ["S001"]}, "employee": {"user_id": "E001"}}


@pytest.fixture
def feature(session, make_site, make_employee):
    make_site("S001")
    make_employee("E001", "S001")
    feature_records.put_feature(session, "returns.exchange", {"is_core": True}, now=NOW)
    session.commit()


@pytest.fixture
def lead(make_token):
    return make_token("rollout_lead", name="lead-t")


def test_a_rollout_lead_writes_a_card_and_every_reader_reads_it(client, feature, lead, make_token):
    created = client.put(f"{FEATURE}/cards/zh", json={**CARD, "notes": "Ask first."}, headers=lead)
    assert created.status_code == 201, created.json
    replaced = client.put(f"{FEATURE}/cards/zh", json=CARD, headers=lead)
    assert replaced.status_code == 200
    clerk = make_token("employee", name="clerk-t", user_id="E001")
    got = client.get(f"{FEATURE}/cards/zh", headers=clerk).json
    assert {k: got[k] for k in ("action", "locale", "title", "steps", "notes", "image_url")} == {
        "action": "returns.exchange",
        "locale": "zh",
        "title": "Exchange an item",
        "steps": ["Scan the receipt.", "Choose Exchange."],
        "notes": None,  # a replace without notes has none
        "image_url": None,
    }
    listed = client.get(f"{FEATURE}/cards", headers=clerk).json
    assert [c["locale"] for c in listed] == ["zh"]


@pytest.mark.parametrize("role", ["hr", "manager", "employee"])
def test_other_roles_may_not_write(client, feature, make_token, role):
    headers = make_token(role, name=f"{role}-t", **SCOPE.get(role, {}))
    assert client.put(f"{FEATURE}/cards/en", json=CARD, headers=headers).status_code == 403
    assert client.delete(f"{FEATURE}/cards/en", headers=headers).status_code == 403


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({**CARD, "title": " "}, {"title": ["Length must be between 1 and 200."]}),
        ({**CARD, "steps": []}, {"steps": ["Length must be between 1 and 10."]}),
        ({**CARD, "steps": ["ok"] * 11}, {"steps": ["Length must be between 1 and 10."]}),
        ({**CARD, "steps": ["ok", "x" * 301]},
         {"steps": {"1": ["Length must be between 1 and 300."]}}),
        ({"steps": ["ok"]}, {"title": ["Missing data for required field."]}),
        ({**CARD, "image": "x"}, {"image": ["Unknown field."]}),
    ],
)  # fmt: skip
def test_a_bad_card_is_422_naming_the_field_and_the_reason(client, feature, lead, body, details):
    response = client.put(f"{FEATURE}/cards/en", json=body, headers=lead)
    assert response.status_code == 422
    assert response.json["error"]["details"] == details


def test_an_unknown_locale_is_422_naming_locale(client, feature, lead):
    response = client.put(f"{FEATURE}/cards/fr", json=CARD, headers=lead)
    assert response.status_code == 422
    assert response.json["error"]["details"] == {"locale": ["Must be one of: en, zh."]}


def test_unknown_feature_or_missing_card_is_404(client, feature, lead):
    assert client.get("/api/v1/features/no.such/cards", headers=lead).status_code == 404
    assert (
        client.put("/api/v1/features/no.such/cards/en", json=CARD, headers=lead).status_code == 404
    )
    missing = client.get(f"{FEATURE}/cards/en", headers=lead)
    assert missing.status_code == 404
    assert missing.json["error"]["details"] == {"action": "returns.exchange", "locale": "en"}
    assert client.delete(f"{FEATURE}/cards/en", headers=lead).status_code == 404
    assert client.get(f"{FEATURE}/cards/en/image", headers=lead).status_code == 404


def test_an_image_is_stored_and_served_with_its_type(client, feature, lead):
    client.put(f"{FEATURE}/cards/en", json=CARD, headers=lead)
    put = client.put(
        f"{FEATURE}/cards/en/image", data=JPEG, content_type="image/jpeg", headers=lead
    )
    assert put.status_code == 200, put.json
    assert put.json["image_type"] == "image/jpeg"
    assert put.json["image_url"] == f"{FEATURE}/cards/en/image"
    got = client.get(put.json["image_url"], headers=lead)
    assert (got.status_code, got.mimetype, got.data) == (200, "image/jpeg", JPEG)
    client.put(f"{FEATURE}/cards/en", json=CARD, headers=lead)  # a new text keeps the image
    assert client.get(f"{FEATURE}/cards/en/image", headers=lead).data == JPEG


@pytest.mark.parametrize(
    ("data", "content_type", "status", "details"),
    [
        (b"GIF89a" + bytes(20), "image/png", 422,
         {"image": ["Not a PNG, JPEG or WebP image (by its first bytes)."]}),
        (JPEG, "image/png", 422,
         {"image": ["The bytes are image/jpeg, but were sent as image/png."]}),
        (PNG + bytes(1024 * 1024), "image/png", 422,
         {"image": ["At most 1,048,576 bytes (1 MB); got 1,048,604."]}),
        (PNG, "image/gif", 415, {"Content-Type": ["image/gif"]}),
        (PNG, "application/json", 415, {"Content-Type": ["application/json"]}),
    ],
)  # fmt: skip
def test_a_bad_image_is_refused_with_the_reason(
    client, feature, lead, data, content_type, status, details
):
    client.put(f"{FEATURE}/cards/en", json=CARD, headers=lead)
    response = client.put(
        f"{FEATURE}/cards/en/image", data=data, content_type=content_type, headers=lead
    )
    assert response.status_code == status
    assert response.json["error"]["details"] == details


def test_an_image_needs_its_card_first(client, feature, lead):
    response = client.put(
        f"{FEATURE}/cards/zh/image", data=PNG, content_type="image/png", headers=lead
    )
    assert response.status_code == 404


def test_delete_removes_the_card(client, feature, lead):
    client.put(f"{FEATURE}/cards/en", json=CARD, headers=lead)
    assert client.delete(f"{FEATURE}/cards/en", headers=lead).status_code == 204
    assert client.get(f"{FEATURE}/cards", headers=lead).json == []


def test_feature_titles_by_locale_through_put(client, make_token):
    admin = make_token("admin", name="admin-t")
    body = {"title": "Exchange", "titles": {"zh": " 换货 "}}
    response = client.put(FEATURE, json=body, headers=admin)
    assert response.status_code == 201
    assert response.json["titles"] == {"zh": "换货"}
    bad = client.put(FEATURE, json={"titles": {"fr": "Échange", "zh": "x" * 201}}, headers=admin)
    assert bad.status_code == 422
    assert bad.json["error"]["details"] == {
        "titles": {"fr": ["Unknown field."], "zh": ["Length must be between 0 and 200."]}
    }
    cleared = client.put(FEATURE, json={"titles": None}, headers=admin)
    assert cleared.json["titles"] is None


def test_put_cards_sets_several_locales_at_once_and_keeps_the_others(client, feature, lead):
    client.put(f"{FEATURE}/cards/en", json=CARD, headers=lead)
    zh = {"title": "换货", "steps": ["扫描小票。"]}
    response = client.put(f"{FEATURE}/cards", json={"zh": zh}, headers=lead)
    assert response.status_code == 200, response.json
    assert [(c["locale"], c["title"]) for c in response.json] == [
        ("en", "Exchange an item"),
        ("zh", "换货"),
    ]
    bad = client.put(f"{FEATURE}/cards", json={"zh": {**zh, "steps": []}}, headers=lead)
    assert bad.status_code == 422
    assert bad.json["error"]["details"] == {"zh": {"steps": ["Length must be between 1 and 10."]}}


def test_put_on_the_cards_path_never_creates_a_feature_named_cards(client, feature, make_token):
    admin = make_token("admin", name="admin-t")
    client.put(f"{FEATURE}/cards", json={}, headers=admin)
    assert client.get(f"{FEATURE}/cards", headers=admin).json == []
    features = client.get("/api/v1/features", headers=admin).json
    assert [f["action"] for f in features] == ["returns.exchange"]
