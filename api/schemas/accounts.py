"""Web accounts as admins see them, and the bodies of the password endpoints."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from adoption.identity.accounts import MIN_PASSWORD
from adoption.identity.credentials import MAX_PASSWORD
from adoption.locales import LOCALES

PASSWORD = validate.Length(min=1, max=MAX_PASSWORD)  # the current one, as it was set
NEW_RULE = f"{MIN_PASSWORD} to {MAX_PASSWORD:,} characters, and not the username (in any case)."
NEW_PASSWORD = [  # the service's messages (`accounts.check_new_password`), and the document's
    validate.Length(min=MIN_PASSWORD, error=f"At least {MIN_PASSWORD} characters."),
    validate.Length(max=MAX_PASSWORD, error=f"At most {MAX_PASSWORD} characters."),
]


class AccountSchema(Schema):
    username = fields.String()
    role = fields.String()
    sites = fields.Method("_sites", metadata={"description": "Codes of a manager's sites."})
    user_id = fields.Method("_user_id", metadata={"description": "The linked employee, if any."})
    created_at = fields.DateTime()
    disabled_at = fields.DateTime(allow_none=True)
    password_changed_at = fields.DateTime(allow_none=True)

    def _sites(self, account) -> list[str]:
        return sorted(site.code for site in account.sites)

    def _user_id(self, account) -> str | None:
        return account.employee.external_id if account.employee else None


class LocaleSchema(Schema):
    """The signed-in account's language (api/i18n.py); null: the browser's Accept-Language."""

    class Meta:
        unknown = RAISE

    locale = fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf(LOCALES),
        metadata={"description": f"One of {', '.join(LOCALES)}, or null for the browser's."},
    )


class PasswordResetSchema(Schema):
    class Meta:
        unknown = RAISE

    password = fields.String(
        validate=NEW_PASSWORD,
        metadata={"description": f"The new password: {NEW_RULE} Omit it to generate one."},
    )


class PasswordResetResultSchema(Schema):
    username = fields.String()
    password = fields.String(metadata={"description": "Shown once; stored only as a hash."})


class PasswordChangeSchema(Schema):
    class Meta:
        unknown = RAISE

    current_password = fields.String(required=True, validate=PASSWORD)
    new_password = fields.String(
        required=True, validate=NEW_PASSWORD, metadata={"description": NEW_RULE}
    )
