"""The wall clock, read in the web layer only and passed down to the domain as `now`."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
