"""Exceptions raised by the activitypub library.

Every message is safe to show to a remote peer, e.g. as ``{"error": str(exc)}``.

    ActivityPubError
    ├── FormatError              malformed AS2, JRD, acct:, PEM, ...
    ├── SignatureError           an incoming HTTP signature was refused (answer 401)
    │   ├── SignatureMissing     neither Signature nor Signature-Input present
    │   ├── SignatureMalformed   headers that cannot be parsed, missing parameters
    │   ├── SignatureExpired     Date / created outside the accepted time window
    │   ├── SignatureInvalid     bad maths, digest mismatch, required parts not signed
    │   └── UnsupportedAlgorithm
    ├── FetchError(url)          an outbound request failed; ``retryable`` says whether to retry
    │   ├── FetchGone            410
    │   ├── FetchNotFound        404
    │   ├── FetchUnavailable     5xx, 408, 429, timeouts, connection errors
    │   ├── FetchTooLarge        body over the configured limit
    │   ├── FetchForbiddenAddress  the SSRF guard refused the destination
    │   ├── FetchBadContentType  not an ActivityStreams (or expected) media type
    │   └── FetchInvalidURL      rejected before any I/O
    └── ActorMismatchError       a document claims an id its origin may not speak for
"""

from __future__ import annotations


class ActivityPubError(Exception):
    """Base class of every error this library raises."""


class FormatError(ActivityPubError):
    """A document or value does not have the shape the protocol requires."""


class SignatureError(ActivityPubError):
    """An incoming request's HTTP signature was refused."""


class SignatureMissing(SignatureError):
    def __init__(self, message: str = "Request not signed") -> None:
        super().__init__(message)


class SignatureMalformed(SignatureError):
    pass


class SignatureExpired(SignatureError):
    def __init__(self, message: str = "Signed request date outside acceptable time window") -> None:
        super().__init__(message)


class SignatureInvalid(SignatureError):
    pass


class UnsupportedAlgorithm(SignatureError):
    pass


class FetchError(ActivityPubError):
    """An outbound request to ``url`` failed.

    ``retryable`` tells a delivery queue whether trying again later may help;
    ``status_code`` is the peer's HTTP status when there was one.
    """

    default_retryable = False

    def __init__(
        self,
        url: str,
        message: str,
        *,
        status_code: int | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.url = url
        self.status_code = status_code
        self.retryable = self.default_retryable if retryable is None else retryable


class FetchGone(FetchError):
    pass


class FetchNotFound(FetchError):
    pass


class FetchUnavailable(FetchError):
    default_retryable = True


class FetchTooLarge(FetchError):
    pass


class FetchForbiddenAddress(FetchError):
    pass


class FetchBadContentType(FetchError):
    pass


class FetchInvalidURL(FetchError):
    pass


class ActorMismatchError(ActivityPubError):
    """A document's ``id`` (or owner) is not on the origin that served it."""
