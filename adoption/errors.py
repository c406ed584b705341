"""Domain exceptions. They carry a message and details for the caller and know nothing of HTTP.

Each front door decides what an error means to its caller: `api.errors.ERRORS` maps every class
here to an HTTP status and error code (for the JSON API and the HTML pages alike); the CLI prints
the message and exits with that status's code (2: the input does not validate; 1: refused).
"""

from __future__ import annotations


class DomainError(Exception):
    """Something the caller asked for cannot be done."""

    def __init__(self, message: str = "", details: dict | None = None):
        text = message or (self.__class__.__doc__ or self.__class__.__name__).strip()
        super().__init__(text)
        self.message = text
        self.details = details or {}


class NotFound(DomainError):
    """The requested item does not exist."""


class Conflict(DomainError):
    """The request conflicts with the current state."""


class MonthNotOver(Conflict):
    """The month cannot be closed before its last local day has ended at every site."""


class Unauthorized(DomainError):
    """Authentication is required."""


class Forbidden(DomainError):
    """The caller may not do this."""


class Invalid(DomainError):
    """The input did not validate; details map each field to its messages."""

    def __init__(self, details: dict[str, list[str]], message: str = "The input is not valid."):
        super().__init__(message, details)


class Unreadable(DomainError):
    """The input could not be read (not JSON, a broken gzip stream, the wrong shape)."""


class TooLarge(DomainError):
    """The input is larger than the limits allow; nothing was stored."""


class UnsupportedEncoding(DomainError):
    """The input's encoding is not supported."""


class Unavailable(DomainError):
    """The database is busy; the request can be retried."""
