"""Quick-reference cards as the API shows them, and their PUT body (`adoption.masterdata.cards`)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from adoption.locales import LOCALES
from adoption.masterdata import cards
from api.schemas.fields import text


class CardSchema(Schema):
    action = fields.String(metadata={"description": "The feature's action."})
    locale = fields.String(metadata={"description": f"One of: {', '.join(LOCALES)}."})
    title = fields.String()
    steps = fields.List(fields.String())
    notes = fields.String(allow_none=True)
    image_type = fields.String(
        allow_none=True,
        metadata={"description": "image/png, image/jpeg or image/webp; null: none."},
    )
    image_url = fields.String(
        allow_none=True, metadata={"description": "Where to GET the image; null: none."}
    )
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class CardBodySchema(Schema):
    """The body of `PUT /features/{action}/cards/{locale}`."""

    class Meta:
        unknown = RAISE

    title = text(cards.TITLE_MAX, required=True, metadata={"description": "The card's heading."})
    steps = fields.List(
        text(cards.STEP_MAX),
        required=True,
        validate=validate.Length(min=1, max=cards.STEPS_MAX),
        metadata={"description": "What to do, in order: 1 to 10 steps of 1 to 300 characters."},
    )
    notes = text(
        cards.NOTES_MAX,
        min_length=0,
        allow_none=True,
        metadata={"description": "Optional; blank or null: none. An image on the card stays."},
    )


# The body of `PUT /features/{action}/cards`: a card by locale, each as `CardBodySchema`.
CardsBodySchema = Schema.from_dict(
    {locale: fields.Nested(CardBodySchema) for locale in LOCALES}, name="CardsBodySchema"
)
