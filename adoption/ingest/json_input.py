"""Reading JSON that anyone may have written: request bodies, JSONL lines, stored payloads,
corrections typed by an admin.

`read_json` raises nothing but `UnreadableJson`: a JSON integer too long for Python's int (over
4,300 digits) comes back as an `OversizedNumber` instead of a ValueError, nesting too deep for
the parser is an `UnreadableJson` instead of a RecursionError, and so are bytes that are not
UTF-8. The event validator (`adoption.ingest.validation`) then names the field at fault.
"""

from __future__ import annotations

import json

from adoption.errors import Unreadable

#: Longer digit runs are not read as int (Python refuses above 4,300 digits; any of them is absurd).
MAX_INT_DIGITS = 4000


class OversizedNumber:
    """A JSON integer too long to read as an int; `text` keeps its digits as sent."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OversizedNumber) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"OversizedNumber({len(self.text)} characters)"


class UnreadableJson(Unreadable):
    """Bytes that are not JSON (or not UTF-8, or nested too deeply to read); `message` says why,
    and `details` name the body as the field at fault."""

    def __init__(self, message: str) -> None:
        super().__init__(message, {"body": [message]})


def parse_int(text: str) -> int | OversizedNumber:
    """The integer of a run of digits (JSON's, or a CSV cell's); never a ValueError for length."""
    return int(text) if len(text) <= MAX_INT_DIGITS else OversizedNumber(text)


def read_json(body: bytes | str) -> object:
    """Parse JSON without ever raising anything but UnreadableJson."""
    try:
        return json.loads(body, parse_int=parse_int)
    except RecursionError as exc:
        raise UnreadableJson("The body's JSON is nested too deeply.") from exc
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise UnreadableJson(f"The body is not valid JSON: {exc}.") from exc
