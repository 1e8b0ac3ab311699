"""Application errors: each carries the HTTP status and a message safe to show a client.

    FediError (500)
     ├── BadRequest (400)
     ├── Unauthorized (401)
     ├── Forbidden (403)
     ├── NotFound (404)
     ├── Gone (410)
     ├── PayloadTooLarge (413)
     ├── Unprocessable (422)   validation errors; `field` names the input at fault
     │    └── GenerationNotReady   image generation cannot run now; `reason` says why
     ├── TooManyRequests (429)
     ├── ServiceUnavailable (503)
     └── OAuthError (400/401)  RFC 6749 errors: `error` is the code, the message its description

Raise them from services; the HTTP edge turns them into `{"error": message}` bodies.
"""

from __future__ import annotations


class FediError(Exception):
    status = 500
    default_message = "Internal server error"

    def __init__(
        self, message: str | None = None, *, field: str | None = None, retry_after: int | None = None
    ) -> None:
        self.message = message or self.default_message
        self.field = field
        # Seconds after which trying again may work (sent as Retry-After with 429 and 503).
        self.retry_after = retry_after
        super().__init__(self.message)


class BadRequest(FediError):
    status, default_message = 400, "Bad request"


class Unauthorized(FediError):
    status, default_message = 401, "The access token is invalid"


class Forbidden(FediError):
    status, default_message = 403, "This action is outside the authorized scopes"


class NotFound(FediError):
    status, default_message = 404, "Record not found"


class Gone(FediError):
    status, default_message = 410, "Gone"


class PayloadTooLarge(FediError):
    status, default_message = 413, "Payload too large"


class Unprocessable(FediError):
    status, default_message = 422, "Validation failed"


class GenerationNotReady(Unprocessable):
    """Image generation cannot take requests now; `reason` is a readiness reason's value. With
    `retry_after` it is a passing state (a full queue): 503 rather than 422."""

    def __init__(self, message: str, *, reason: str, retry_after: int | None = None) -> None:
        super().__init__(message, field="generation", retry_after=retry_after)
        self.reason = reason
        if retry_after is not None:
            self.status = 503


class TooManyRequests(FediError):
    """`retry_after`: seconds until the caller may try again (sent as Retry-After)."""

    status, default_message = 429, "Too many requests"

    def __init__(self, message: str | None = None, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServiceUnavailable(FediError):
    status, default_message = 503, "Service unavailable"


class OAuthError(FediError):
    """An OAuth 2 protocol error, answered as `{"error": code, "error_description": message}`."""

    status, default_message = 400, "The request is invalid"

    def __init__(self, error: str, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.error = error
        self.status = status
