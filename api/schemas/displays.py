"""Store display links (docs/api.md "Store displays"): create, list, revoke."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields

from adoption import limits
from adoption.identity.credentials import MAX_TOKEN_NAME
from api.schemas.fields import text, whole
from rewards.display import MAX_EXPIRES_DAYS


class DisplayCreateSchema(Schema):
    class Meta:
        unknown = RAISE

    site_id = text(64, required=True, metadata={"description": "The store the screen shows."})
    name = text(
        MAX_TOKEN_NAME,
        load_default=None,
        metadata={"description": "Unique among the store's live links; default <site>-tv."},
    )
    expires_in_days = whole(
        limits.Whole(1, MAX_EXPIRES_DAYS),
        load_default=None,
        allow_none=True,
        metadata={"description": "Days until the link stops working; null: until revoked."},
    )


class DisplayListArgs(Schema):
    site_id = text(
        64, load_default=None, metadata={"description": "Only this store's links (any case)."}
    )


class DisplaySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    site_id = fields.String(metadata={"description": "The store's code."})
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    status = fields.String(metadata={"description": "live, expired or revoked."})


class DisplayCreatedSchema(DisplaySchema):
    url = fields.String(
        metadata={"description": "The screen's link, /display/<token>: shown once."}
    )
    token = fields.String(metadata={"description": "The link's secret part: shown once."})
