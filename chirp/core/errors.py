"""Domain errors. The web layer maps each class to one HTTP status; the message is shown to clients."""

from __future__ import annotations

import math
from typing import Any


class ChirpError(Exception):
    """Base class; `status` is the HTTP status the web layer answers with."""

    status = 400

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(ChirpError):
    status = 422


class ValidationFailed(ChirpError):
    """A record failed validation; `details` maps fields to Mastodon-style error entries."""

    status = 422


class NotAuthenticated(ChirpError):
    status = 401


class Forbidden(ChirpError):
    status = 403


class NotFound(ChirpError):
    status = 404


class Conflict(ChirpError):
    status = 409


class RateLimited(ChirpError):
    """Too many requests; `retry_after` whole seconds until the next one is allowed."""

    status = 429

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(1, math.ceil(retry_after))


class OAuthError(ChirpError):
    """An RFC 6749 error: `error` is the standard code, `message` the human description."""

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.status = status
