"""Keyset pagination for lists: `limit` and an opaque `cursor`, next page in a Link header."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import date
from typing import TypeVar
from urllib.parse import urlencode

from flask import request
from marshmallow import Schema, fields, validate

from adoption.errors import Invalid
from adoption.limits import Whole, day_holds
from api.schemas.fields import whole

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+$"  # unpadded base64url, as `encode_cursor` writes it
MAX_CURSOR_LENGTH = 1000
NOT_A_CURSOR = "Not a valid cursor."
K = TypeVar("K")


class PageArgs(Schema):
    limit = whole(
        Whole(1, MAX_LIMIT),
        query=True,
        load_default=DEFAULT_LIMIT,
        metadata={"description": "Rows per page (1 to 1000)."},
    )
    cursor = fields.String(
        load_default=None,
        validate=[
            validate.Length(min=1, max=MAX_CURSOR_LENGTH),
            validate.Regexp(CURSOR_PATTERN, error=NOT_A_CURSOR),
        ],
        metadata={
            "description": "Opaque; from the previous page's Link. One this service did not "
            "write is 422."
        },
    )


def encode_cursor(value: str | int) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise Invalid({"cursor": [NOT_A_CURSOR]}) from exc
    if "\x00" in value:  # never written by this service; PostgreSQL text cannot hold it
        raise Invalid({"cursor": [NOT_A_CURSOR]})
    return value


def parse_cursor(cursor: str | None, parse: Callable[[str], K]) -> K | None:
    """The decoded cursor read by `parse` (e.g. `int`, `day_of`); 422 when it fails."""
    value = decode_cursor(cursor)
    if value is None:
        return None
    try:
        return parse(value)
    except ValueError as exc:
        raise Invalid({"cursor": [NOT_A_CURSOR]}) from exc


def day_of(text: str) -> date:
    """A day cursor: YYYY-MM-DD within `adoption.limits` (a page starts the day after it, so
    9999-12-31 would overflow); ValueError otherwise."""
    day = date.fromisoformat(text)
    if not day_holds(day):
        raise ValueError(text)
    return day


def id_cursor(cursor: str | None, limit: Whole) -> int | None:
    """A cursor holding a row id or number: ASCII digits within the column's range (`limit`),
    so the query never sees a number its column cannot hold."""
    value = decode_cursor(cursor)
    if value is None:
        return None
    if not (value.isascii() and value.isdigit() and limit.holds(int(value))):
        raise Invalid({"cursor": [NOT_A_CURSOR]})
    return int(value)


def next_link(items: list, limit: int, key_of_last) -> dict[str, str]:
    """A Link header for the next page when this page is full."""
    if len(items) < limit:
        return {}
    args = request.args.to_dict()
    args["cursor"] = encode_cursor(key_of_last(items[-1]))
    args["limit"] = str(limit)
    return {"Link": f'<{request.base_url}?{urlencode(args)}>; rel="next"'}
