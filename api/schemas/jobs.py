"""Scheduled job runs as admins see them."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.pagination import PageArgs


class JobRunSchema(Schema):
    id = fields.Integer()
    job = fields.String()
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True, metadata={"description": "Null while running."})
    outcome = fields.String(metadata={"description": "running, ok or failed."})
    message = fields.String(allow_none=True, metadata={"description": "The error of a failed run."})
    details = fields.Dict(allow_none=True, metadata={"description": "What the job reported."})


class JobRunListArgs(PageArgs):
    """Newest first (by id); `limit` (default 100) runs a page, the cursor is the last run's id."""

    job = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "One job only, e.g. snapshots."},
    )
