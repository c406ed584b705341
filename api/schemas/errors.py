"""The error body every 4xx/5xx answer carries, for the OpenAPI document (api/errors.py makes it).

flask-smorest documents its own `{code, status, message, errors}` by default; `UptakeApi` points
its DEFAULT_ERROR and per-status responses at this schema instead.
"""

from __future__ import annotations

from marshmallow import Schema, fields


class ErrorBodySchema(Schema):
    code = fields.String(
        required=True,
        metadata={"description": "snake_case, e.g. not_found, validation_error, month_not_over."},
    )
    message = fields.String(required=True, metadata={"description": "A human sentence."})
    details = fields.Dict(
        required=True,
        metadata={
            "description": "What the error rests on; for validation_error: field → messages."
        },
    )


class ErrorSchema(Schema):
    """`{"error": {"code", "message", "details"}}`."""

    error = fields.Nested(ErrorBodySchema, required=True)
