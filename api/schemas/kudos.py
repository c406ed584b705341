"""Kudos: a thank-you for something concrete."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.points import StatementArgs
from rewards.kudos import MESSAGE_LENGTH


class KudosBodySchema(Schema):
    message = fields.String(
        required=True,
        validate=validate.Length(*MESSAGE_LENGTH),
        metadata={
            "description": "What the thanks is for, e.g. 'helped E012 with returns' "
            f"({MESSAGE_LENGTH[0]} to {MESSAGE_LENGTH[1]} characters, trimmed)."
        },
    )


class KudosArgs(StatementArgs):
    """`from`/`to` as for the points statement: default this month through today."""


class KudosSchema(Schema):
    id = fields.Integer()
    day = fields.Date(metadata={"description": "The recipient's home-site day it was given."})
    message = fields.String()
    from_ = fields.String(
        data_key="from",
        attribute="from",
        metadata={"description": "The colleague's name, or the giver's account name."},
    )
    colleague = fields.Boolean(metadata={"description": "Given by a colleague."})
    points = fields.Integer(metadata={"description": "Points it carried (0: none)."})
