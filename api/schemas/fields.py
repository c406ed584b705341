"""Field types whose OpenAPI description and validation are one rule (`adoption.limits`).

JSON bodies are typed: a body's integer, number or boolean is refused when sent as a string (or
a boolean as 0/1), as the document's types say. Query parameters arrive as text, so their
integers are read from digits and their booleans are exactly `true` or `false`.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import fields, validate

from adoption import limits
from api.schemas.events import TrimmedString

DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
INTEGER_TEXT = re.compile(r"-?[0-9]+", re.ASCII)
# 1900-01-01 .. 2999-12-31 as a pattern, so the document states the range a client may send.
DAY_PATTERN = r"^(19[0-9]{2}|2[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
MONTH_PATTERN = r"^(19[0-9]{2}|2[0-9]{3})-(0[1-9]|1[0-2])$"
#: The characters Python's `str.strip()` removes, which is how every text is trimmed, spelled out
#: for the document's patterns: JSON Schema's `\s` (ECMA-262) is another set (U+001C to U+001F
#: are not space there, U+FEFF is), so a pattern with `\s` would let a client send a name of
#: only U+001C that the service trims to nothing and refuses.
SPACE = r"[\t-\r\x1c- \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
NOT_SPACE = "[^" + SPACE[1:]
NOT_BLANK = NOT_SPACE  # trimmed text must keep a character
NO_NUL = "Text never contains NUL (U+0000)."


class Day(fields.Date):
    """A local date `YYYY-MM-DD` from 1900-01-01 to 2999-12-31 (`adoption.limits`)."""

    default_error_messages = {"invalid": "Not a valid date (YYYY-MM-DD)."}

    def __init__(self, **kwargs: Any) -> None:
        metadata = kwargs.pop("metadata", {})
        text = metadata.get("description", "")
        metadata = {
            **metadata,
            "pattern": DAY_PATTERN,
            "description": f"{text} From {limits.FIRST_DAY} to {limits.LAST_DAY}.".strip(),
        }
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any):
        if not isinstance(value, str) or not DATE_TEXT.fullmatch(value):
            raise self.make_error("invalid")  # date.fromisoformat also reads 20261101
        day = super()._deserialize(value, attr, data, **kwargs)
        if not limits.day_holds(day):
            raise validate.ValidationError(limits.DAY_RULE)
        return day


class Whole(fields.Integer):
    """An integer: in a body a JSON integer, in a query ASCII digits (Python's int() would also
    read "1_000", " 7" and non-ASCII digits)."""

    def __init__(self, *, query: bool = False, **kwargs: Any) -> None:
        self.query = query
        super().__init__(strict=not query, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any):
        if self.query and not (isinstance(value, str) and INTEGER_TEXT.fullmatch(value)):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


def whole(limit: limits.Whole, *, query: bool = False, **kwargs: Any) -> Whole:
    """An integer in `limit`'s range."""
    rule = validate.Range(min=limit.low, max=limit.high, error=limit.rule)
    return Whole(query=query, validate=rule, **kwargs)


class Number(fields.Float):
    """A JSON number (not a string, not a boolean)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Flag(fields.Boolean):
    """A JSON `true` or `false`."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def query_flag(**kwargs: Any) -> fields.Boolean:
    """A query parameter that is exactly `true` or `false`."""
    return fields.Boolean(truthy={"true"}, falsy={"false"}, **kwargs)


def text(
    max_length: int, *, min_length: int = 1, lower: bool = False, **kwargs: Any
) -> TrimmedString:
    """Trimmed text of `min_length`..`max_length` characters (after trimming)."""
    metadata = dict(kwargs.pop("metadata", {}))
    if min_length:
        metadata.setdefault("pattern", NOT_BLANK)
    extra = kwargs.pop("validate", None)
    rules = [validate.Length(min=min_length, max=max_length), *([extra] if extra else [])]
    return TrimmedString(lower=lower, validate=rules, metadata=metadata, **kwargs)
