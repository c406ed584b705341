"""Web accounts as admins see them, and the bodies of the password endpoints."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from adoption.identity.credentials import MAX_PASSWORD

PASSWORD = validate.Length(min=1, max=MAX_PASSWORD)


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


class PasswordResetSchema(Schema):
    class Meta:
        unknown = RAISE

    password = fields.String(
        validate=PASSWORD,
        metadata={"description": "The new password (at least 8 characters); omit to generate one."},
    )


class PasswordResetResultSchema(Schema):
    username = fields.String()
    password = fields.String(metadata={"description": "Shown once; stored only as a hash."})


class PasswordChangeSchema(Schema):
    class Meta:
        unknown = RAISE

    current_password = fields.String(required=True, validate=PASSWORD)
    new_password = fields.String(
        required=True, validate=PASSWORD, metadata={"description": "At least 8 characters."}
    )
