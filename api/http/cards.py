"""Quick-reference cards of a feature, per locale: list, read, write, delete, and the card's
image as raw bytes. Thin handlers: the rules are `adoption.masterdata.cards`.

Features are addressed as in `api.http.masterdata` (`/features/{action}`, the action trimmed and
lower-cased, slashes allowed); the card routes end in `/cards…`, which the router prefers.
"""

from __future__ import annotations

from flask import Response, g, request, url_for

from adoption.errors import NotFound, UnsupportedEncoding
from adoption.locales import LOCALES
from adoption.masterdata import cards
from adoption.masterdata.feature_records import get_feature
from adoption.models import QuickCard
from api import database
from api.auth import ALL_READERS, requires
from api.clock import utcnow
from api.http.blueprint import Blueprint, path
from api.schemas.cards import CardBodySchema, CardsBodySchema, CardSchema

bp = Blueprint("cards", __name__, description="Quick-reference cards of the feature catalog.")

WRITERS = ("rollout_lead",)  # and admin, always
LOCALE = {
    "in": "path",
    "name": "locale",
    "required": True,
    "description": "The card's language.",
    "schema": {"type": "string", "enum": list(LOCALES)},
}
CARD_PATH = "/features/<path:action>/cards/<locale>"
IMAGE_CONTENT = {
    kind: {"schema": {"type": "string", "format": "binary"}} for kind in cards.IMAGE_TYPES
}


def _view(card: QuickCard, action: str) -> dict:
    """The card as `CardSchema` dumps it: the feature's action and where its image is."""
    image_url = None
    if card.image is not None:
        image_url = url_for("cards.card_image", action=action, locale=card.locale)
    return {
        "action": action,
        "locale": card.locale,
        "title": card.title,
        "steps": card.steps,
        "notes": card.notes,
        "image_type": card.image_type,
        "image_url": image_url,
        "created_at": card.created_at,
        "updated_at": card.updated_at,
    }


def _action(action: str) -> str:
    return get_feature(database.session(), action).action


@bp.get("/features/<path:action>/cards", parameters=path("action"))
@requires(*ALL_READERS)
@bp.response(200, CardSchema(many=True))
def list_cards(action):
    """The feature's cards, one per locale that has one (`[]`: none); 404 for an unknown
    feature."""
    found = cards.list_cards(database.session(), action)
    name = _action(action)
    return [_view(c, name) for c in found]


@bp.put("/features/<path:action>/cards", parameters=path("action"))
@requires(*WRITERS)
@bp.arguments(CardsBodySchema)
@bp.response(200, CardSchema(many=True))
def put_cards(values, action):
    """Create or replace the cards of the locales named (`{"en": {…}, "zh": {…}}`, each as the
    PUT of one card), in one transaction; the other locales' cards stay. Answers every card of
    the feature. (This route also keeps `PUT /features/x/cards` from meaning a feature
    "x/cards".)"""
    session = database.session()
    for locale, card in values.items():
        cards.set_card(session, action, locale, card, now=utcnow(), actor=g.principal.name)
    name = _action(action)
    return [_view(c, name) for c in cards.list_cards(session, action)]


@bp.get(CARD_PATH, parameters=[*path("action"), LOCALE])
@requires(*ALL_READERS)
@bp.response(200, CardSchema)
def get_card(action, locale):
    """The card in exactly this locale (404 when the feature has none there; the pages fall
    back to another locale, the API says what is stored)."""
    return _view(cards.get_card(database.session(), action, locale), _action(action))


@bp.put(CARD_PATH, parameters=[*path("action"), LOCALE])
@requires(*WRITERS)
@bp.arguments(CardBodySchema)
@bp.response(200, CardSchema)
@bp.alt_response(201, schema=CardSchema, description="Created")
def put_card(values, action, locale):
    """Create or replace the card: title (1–200 characters), steps (1 to 10, each 1–300),
    notes (optional). An image already on the card stays. Audited."""
    card, created = cards.set_card(
        database.session(), action, locale, values, now=utcnow(), actor=g.principal.name
    )
    return _view(card, _action(action)), 201 if created else 200


@bp.delete(CARD_PATH, parameters=[*path("action"), LOCALE])
@requires(*WRITERS)
@bp.response(204)
def delete_card(action, locale):
    """Delete the card in this locale, its image with it; 404 when there is none. Audited."""
    cards.remove_card(database.session(), action, locale, now=utcnow(), actor=g.principal.name)


@bp.put(f"{CARD_PATH}/image", parameters=[*path("action"), LOCALE])
@requires(*WRITERS)
@bp.doc(requestBody={"required": True, "content": IMAGE_CONTENT})
@bp.response(200, CardSchema)
def put_card_image(action, locale):
    """Put the image on an existing card, replacing any: the raw bytes as the body, sent as
    image/png, image/jpeg or image/webp (the type the bytes are), at most 1 MB. 404 without a
    card; 422 naming `image` for anything else; 415 for a body of another media type."""
    declared = request.mimetype or None
    if declared not in cards.IMAGE_TYPES:
        raise UnsupportedEncoding(
            "Send the image as image/png, image/jpeg or image/webp.",
            {"Content-Type": [declared or "none"]},
        )
    card = cards.set_card_image(
        database.session(),
        action,
        locale,
        request.get_data(cache=False),
        declared,
        now=utcnow(),
        actor=g.principal.name,
    )
    return _view(card, _action(action))


@bp.get(f"{CARD_PATH}/image", parameters=[*path("action"), LOCALE])
@requires(*ALL_READERS)
@bp.doc(responses={"200": {"description": "The card's image.", "content": IMAGE_CONTENT}})
def card_image(action, locale):
    """The card's image as stored, with its type; 404 when the card or its image is missing."""
    card = cards.get_card(database.session(), action, locale)
    if card.image is None:
        raise NotFound(
            f"The {locale!r} card of {_action(action)!r} has no image.", {"image": "none"}
        )
    response = Response(card.image, mimetype=card.image_type)
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
