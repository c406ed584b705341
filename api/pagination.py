"""Keyset pagination for lists: `limit` and an opaque `cursor`, next page in a Link header."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlencode

from flask import request
from marshmallow import Schema, fields, validate

from adoption.errors import Invalid

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
K = TypeVar("K")


class PageArgs(Schema):
    limit = fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": "Rows per page (1 to 1000)."},
    )
    cursor = fields.String(
        load_default=None, metadata={"description": "Opaque; from the previous page's Link."}
    )


def encode_cursor(value: str | int) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise Invalid({"cursor": ["Not a valid cursor."]}) from exc


def parse_cursor(cursor: str | None, parse: Callable[[str], K]) -> K | None:
    """The decoded cursor read by `parse` (e.g. `int`, `date.fromisoformat`); 422 when it fails."""
    value = decode_cursor(cursor)
    if value is None:
        return None
    try:
        return parse(value)
    except ValueError as exc:
        raise Invalid({"cursor": ["Not a valid cursor."]}) from exc


def next_link(items: list, limit: int, key_of_last) -> dict[str, str]:
    """A Link header for the next page when this page is full."""
    if len(items) < limit:
        return {}
    args = request.args.to_dict()
    args["cursor"] = encode_cursor(key_of_last(items[-1]))
    args["limit"] = str(limit)
    return {"Link": f'<{request.base_url}?{urlencode(args)}>; rel="next"'}
