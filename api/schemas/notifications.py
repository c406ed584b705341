"""Notification subscriptions, the delivery log and its attempts (docs/api.md "Notifications")."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from adoption import limits
from adoption.identity.models import ROLES
from adoption.locales import LOCALES
from adoption.notify.events import EVENT_NAMES
from adoption.notify.outbox import STATUSES
from api.schemas.fields import text, whole

SECRET_LENGTH = (16, 200)


class SubscriptionCreateSchema(Schema):
    class Meta:
        unknown = RAISE

    event = fields.String(
        required=True,
        validate=validate.OneOf(EVENT_NAMES),
        metadata={"description": "What to be told of.", "example": "month.closed"},
    )
    channel = text(
        2000,
        required=True,
        metadata={
            "description": "mailto:address, a webhook http(s)://… (signed with `secret`), or a "
            "URL apprise speaks: slack://, workflows:// (Microsoft Teams), dingtalk://, "
            "feishu://, lark://, wecombot://, … (docs/integrations.md). Never shown again in "
            "full.",
            "example": "mailto:hr@example.com",
        },
    )
    site_id = text(
        64,
        load_default=None,
        metadata={"description": "Only this site's occurrences (e.g. a store's manager)."},
    )
    role = fields.String(
        load_default=None,
        validate=validate.OneOf(ROLES),
        metadata={"description": "Whose channel it is; a role the event is meant for, or admin."},
    )
    user_id = text(
        128,
        load_default=None,
        metadata={
            "description": "A person's own subscription (person.badge, month.closed as a "
            "champion): only their occurrences."
        },
    )
    secret = fields.String(
        load_default=None,
        validate=validate.Length(*SECRET_LENGTH),
        metadata={
            "description": "Signs a webhook: X-Uptake-Signature is sha256=HMAC-SHA256(secret, "
            "'<timestamp>.<body>'). Only with an http(s) channel; never shown again."
        },
    )
    locale = fields.String(
        load_default=None,
        validate=validate.OneOf(LOCALES),
        metadata={
            "description": "The messages' language: en or zh (Simplified Chinese). Default: a "
            "person's own subscription follows their account's language, any other is English."
        },
    )


class SubscriptionSchema(Schema):
    id = fields.Integer()
    event = fields.String()
    channel = fields.String(metadata={"description": "Redacted: scheme and host only."})
    signed = fields.Boolean(metadata={"description": "A secret signs its webhook calls."})
    site_id = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    user_id = fields.String(allow_none=True)
    locale = fields.String(allow_none=True)
    created_at = fields.DateTime()
    created_by = fields.String()
    removed_at = fields.DateTime(allow_none=True)


class TestResultSchema(Schema):
    ok = fields.Boolean(metadata={"description": "The channel took the test message."})
    status_code = fields.Integer(allow_none=True, metadata={"description": "HTTP or SMTP code."})
    error = fields.String(allow_none=True)


class AttemptSchema(Schema):
    attempted_at = fields.DateTime()
    ok = fields.Boolean()
    status_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    duration_ms = fields.Integer()


class DeliverySchema(Schema):
    id = fields.Integer()
    subscription_id = fields.Integer()
    event = fields.String()
    key = fields.String(metadata={"description": "The occurrence; owed once per subscription."})
    subject = fields.String()
    status = fields.String(metadata={"description": "pending, delivered or failed."})
    attempts = fields.Integer()
    created_at = fields.DateTime()
    next_attempt_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    channel = fields.String(metadata={"description": "Redacted: scheme and host only."})
    tries = fields.List(fields.Nested(AttemptSchema), metadata={"description": "Oldest first."})


class DeliveryListArgs(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    event = fields.String(load_default=None, validate=validate.OneOf(EVENT_NAMES))
    limit = whole(
        limits.Whole(1, 1000),
        query=True,
        load_default=100,
        metadata={"description": "Newest first, at most this many (1 to 1000)."},
    )
