"""POSTs of encrypted Web Push messages to push services.

The same rules as federation traffic: the SSRF guard (no private, loopback or link-local
address unless `federation.allow_private_addresses`), https only (http when
`federation.allow_http`), no environment proxies, never inside a database transaction, and a
whole-request deadline (`push.timeout_s`).
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from activitypub.errors import FetchError, FetchUnavailable
from activitypub.ssrf import GuardedTransport, check_url, deadline
from fedi import __version__
from fedi.config import Settings


class PushSender:
    def __init__(self, settings: Settings, before_request: Callable[[str], None]) -> None:
        federation = settings.federation
        self._allow_http = federation.allow_http
        self._allow_private = federation.allow_private_addresses
        self._budget = settings.push.timeout_s
        self._before_request = before_request
        self._http = httpx.Client(
            transport=GuardedTransport(allow_private_addresses=self._allow_private),
            timeout=httpx.Timeout(self._budget),
            headers={"User-Agent": f"fedi/{__version__} (+{settings.base_url})"},
            follow_redirects=False,
            trust_env=False,
        )

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """POST one message; return the status code the push service answered.

        Raises FetchUnavailable when it could not be reached in time, FetchError subclasses
        when the endpoint is refused before any I/O."""
        check_url(url, allow_http=self._allow_http, allow_private_addresses=self._allow_private)
        self._before_request(url)
        try:
            # The answer's body is never read: only its status matters.
            with (
                deadline(self._budget),
                self._http.stream("POST", url, content=body, headers=headers) as answer,
            ):
                return answer.status_code
        except FetchError:
            raise
        except httpx.HTTPError as exc:
            raise FetchUnavailable(url, f"push service unreachable: {type(exc).__name__}") from exc

    def close(self) -> None:
        self._http.close()
