"""Domain errors; only `api/` maps them to HTTP status codes."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: a request the domain refuses, with a message a user can read."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """An id that does not exist."""


class Conflict(DomainError):
    """A request that contradicts the current state (e.g. an impossible status transition)."""


class Invalid(DomainError):
    """A request that is well-formed but not acceptable (e.g. a pin to an unskilled technician)."""


class Gone(DomainError):
    """Something that existed but can no longer be used (an expired or spent one-time link)."""


class Unauthenticated(DomainError):
    """No credentials, or credentials that are wrong, expired or of a disabled account."""


class Forbidden(DomainError):
    """An authenticated user whose role or ownership does not allow the request."""


class TooLarge(DomainError):
    """An upload over the configured size limit."""


class Unsupported(DomainError):
    """An upload of a kind that is not accepted (e.g. not a JPEG, PNG or WebP image)."""
