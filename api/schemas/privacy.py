"""Forgetting a person, and the access log of works-council mode (docs/privacy.md)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.pagination import PageArgs
from api.schemas.events import TrimmedString
from api.schemas.fields import Day


class ForgetSchema(Schema):
    user_id = fields.String(metadata={"description": "The pseudonymous id, e.g. erased-7F3A2C1B."})
    display_name = fields.String(metadata={"description": "e.g. Former employee 7F3A2C1B."})
    erased_at = fields.DateTime()
    already_erased = fields.Boolean(
        metadata={"description": "True when the person was forgotten before: nothing changed."}
    )
    changed = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "Rows each part changed (events deleted, logins disabled, …)."},
    )


class AccessLogArgs(PageArgs):
    """`from`/`to` are UTC days, inclusive, either end open; CSV ignores `limit` and `cursor`."""

    from_ = Day(data_key="from", load_default=None, metadata={"description": "First UTC day."})
    to = Day(load_default=None, metadata={"description": "Last UTC day (inclusive)."})
    user_id = TrimmedString(
        load_default=None,
        validate=validate.Length(min=1, max=128),
        metadata={"description": "Only the reads of this person's data."},
    )
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))


class AccessEntrySchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    viewer = fields.String(metadata={"description": "The token or login name that read."})
    viewer_role = fields.String()
    user_id = fields.String(metadata={"description": "Whose data was read."})
    what = fields.String(metadata={"description": "record, progress, proficiency, badges, …"})
    path = fields.String()
