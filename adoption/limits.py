"""The ranges every value the service stores or computes with must keep, checked where it enters.

Integers: what the column holds (32-bit INTEGER, 64-bit BIGINT ids), or a tighter domain bound.
Days: 1900-01-01 to 2999-12-31. Every date arithmetic the read models do (28-day windows, the 28
days before a dormancy window, weeks since go-live, a month's ISO weeks) then stays inside
Python's and the databases' date range (years 1 to 9999), so none of it can overflow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from adoption.errors import Invalid

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
DAY_RULE = f"Must be a date from {FIRST_DAY} to {LAST_DAY}."
MAX_TASK_MS = 86_400_000  # one day: an expert task time beyond it is a typo (as for duration_ms)
MAX_POINTS = 1_000_000


@dataclass(frozen=True)
class Whole:
    """A whole number in [low, high] (both inclusive)."""

    low: int
    high: int

    @property
    def rule(self) -> str:
        """marshmallow's Range message, so the API and the domain word a range alike."""
        return f"Must be greater than or equal to {self.low} and less than or equal to {self.high}."

    def holds(self, value: object) -> bool:
        number = isinstance(value, int) and not isinstance(value, bool)
        return number and self.low <= value <= self.high


WAVE = Whole(0, INT32_MAX)
VERSION = Whole(1, INT32_MAX)
ID = Whole(1, INT64_MAX)
ROW_ID = Whole(1, INT32_MAX)  # the id of an INTEGER primary key (api_token, kudos, …)
EXPECTED_MS = Whole(1, MAX_TASK_MS)
POINTS = Whole(0, MAX_POINTS)
DAILY_CAP = Whole(0, INT32_MAX)


def day_holds(value: object) -> bool:
    return isinstance(value, date) and FIRST_DAY <= value <= LAST_DAY


def check_values(values: dict, wholes: dict[str, Whole], days: tuple[str, ...] = ()) -> None:
    """Invalid naming every given, non-null field outside its range (a null clears a field)."""
    errors: dict[str, list[str]] = {}
    for name, whole in wholes.items():
        if values.get(name) is not None and not whole.holds(values[name]):
            errors[name] = [whole.rule]
    for name in days:
        if values.get(name) is not None and not day_holds(values[name]):
            errors[name] = [DAY_RULE]
    if errors:
        raise Invalid(errors)
