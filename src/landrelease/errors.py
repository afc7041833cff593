"""One exception hierarchy for every layer.

Adapters map these to exit codes (CLI) and RFC 9457 problem responses (HTTP). A user mistake is
always one of these, with a one-line message that says what to fix; anything else is a bug.
"""

from __future__ import annotations


class LandreleaseError(Exception):
    """Base of every error a user can cause and fix."""

    exit_code = 1
    http_status = 400
    title = "Bad request"

    def __init__(self, message: str, *, field: str | None = None, label: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field  # the field's name: machines (the problem's "field", a form's input) use it
        self.label = label  # what people call the field (domain.model Field.label): messages use it

    def __str__(self) -> str:  # one line, always
        text = " ".join(self.message.split())
        who = self.label or self.field
        return f"{who}: {text}" if who else text


class ValidationError(LandreleaseError):
    """Input breaks a rule (geometry, vocabulary, land release accounting…)."""

    exit_code = 2
    http_status = 422
    title = "Invalid input"


class NotFound(LandreleaseError):
    exit_code = 3
    http_status = 404
    title = "Not found"


class Conflict(LandreleaseError):
    """The record changed underneath the caller, or the request clashes with its state."""

    exit_code = 4
    http_status = 409
    title = "Conflict"


class Forbidden(LandreleaseError):
    exit_code = 5
    http_status = 403
    title = "Forbidden"


class StoreError(LandreleaseError):
    """The database cannot be reached or is not initialised."""

    exit_code = 6
    http_status = 503
    title = "Store unavailable"


class Unauthenticated(LandreleaseError):
    """No valid credentials: sign in (web), send a token (API) or name the account (CLI --as)."""

    exit_code = 7
    http_status = 401
    title = "Unauthorized"


class TooManyAttempts(LandreleaseError):
    """Login rate limit reached for this account or address."""

    exit_code = 8
    http_status = 429
    title = "Too many requests"

    def __init__(self, message: str, *, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after
