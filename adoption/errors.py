"""Domain exceptions. They carry details for the caller and know nothing of HTTP."""

from __future__ import annotations


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message: str = "", details: dict | None = None):
        super().__init__(message or self.__class__.__doc__ or self.code)
        self.message = message or (self.__class__.__doc__ or self.code).strip()
        self.details = details or {}


class NotFound(DomainError):
    """The requested item does not exist."""

    code = "not_found"


class Conflict(DomainError):
    """The request conflicts with the current state."""

    code = "conflict"


class Forbidden(DomainError):
    """The caller may not do this."""

    code = "forbidden"


class Invalid(DomainError):
    """The input did not validate; details map each field to its messages."""

    code = "validation_error"

    def __init__(self, details: dict[str, list[str]], message: str = "The input is not valid."):
        super().__init__(message, details)


class Unavailable(DomainError):
    """The database is busy; the request can be retried."""

    code = "unavailable"
