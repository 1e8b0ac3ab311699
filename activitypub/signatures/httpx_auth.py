"""``httpx.Auth`` that signs every outgoing request at send time, for sync and async clients."""

from __future__ import annotations

from collections.abc import Callable, Generator
from datetime import UTC, datetime
from typing import Literal

import httpx

from . import cavage, rfc9421

_BODYLESS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


def _utc_now() -> datetime:
    return datetime.now(UTC)


class HttpSignatureAuth(httpx.Auth):
    """Sign as Mastodon does: GET ``(request-target) host date accept``, POST
    ``(request-target) host date digest content-type``.

    Signing happens when the request is sent, so each retry carries a fresh ``Date``.
    ``scheme="rfc9421"`` signs with HTTP Message Signatures instead, for double-knocking.
    """

    requires_request_body = True

    def __init__(
        self,
        key_id: str,
        private_key_pem: str,
        *,
        scheme: Literal["cavage", "rfc9421"] = "cavage",
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._key_id = key_id
        self._private_key_pem = private_key_pem
        self._sign = cavage.sign if scheme == "cavage" else rfc9421.sign
        self._clock = clock

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        body: bytes | None = request.content
        if request.method in _BODYLESS and not body:
            body = None
        covered = "content-type" if body is not None else "accept"
        to_sign = {covered: request.headers[covered]} if covered in request.headers else {}
        added = self._sign(
            request.method,
            str(request.url),
            to_sign,
            body,
            private_key_pem=self._private_key_pem,
            key_id=self._key_id,
            now=self._clock(),
        )
        request.headers.update(added)
        yield request
