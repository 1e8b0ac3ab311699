"""Request bodies are bounded for every route, by counting the bytes as they arrive.

A declared `Content-Length` over the limit is refused before anything is read; a chunked body,
or one longer than it claimed, is cut off the moment it passes the limit (the handler reading
it gets PayloadTooLarge, and multipart parsing removes its temporary files). Either way the
answer is 413 with a JSON error. Limits by route class:

- inboxes: 1 MB (Mastodon's limit for an activity);
- media uploads: `media.max_upload_bytes` plus 1 MB for the other form fields;
- profile updates (avatar and header): twice `media.max_upload_bytes` plus 1 MB;
- everything else (API JSON and forms, web forms): 1 MB.
"""

from __future__ import annotations

import json
import re

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fedi.config import Settings
from fedi.errors import PayloadTooLarge

MB = 1024 * 1024
INBOX_BYTES = 1_000_000
FORM_BYTES = MB
_INBOX = re.compile(r"^/(inbox|actor/inbox|users/[^/]+/inbox)$")
UPLOAD_PATHS = frozenset({"/api/v1/media", "/api/v2/media"})
PROFILE_PATHS = frozenset({"/api/v1/accounts/update_credentials", "/settings/profile"})


def body_limit(settings: Settings, path: str) -> int:
    """The most bytes a request body to `path` may have."""
    path = path.rstrip("/") or "/"
    if _INBOX.match(path):
        return INBOX_BYTES
    if path in UPLOAD_PATHS:
        return settings.media.max_upload_bytes + FORM_BYTES
    if path in PROFILE_PATHS:
        return 2 * settings.media.max_upload_bytes + FORM_BYTES
    return FORM_BYTES


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(self.settings, scope["path"])
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(send)
            return
        guard = _Counted(receive, send, limit)
        try:
            await self.app(scope, guard.receive, guard.send)
        except PayloadTooLarge:
            if guard.started:
                raise
            await _too_large(send)


class _Counted:
    """The receive and send of one request, counting what arrives."""

    def __init__(self, receive: Receive, send: Send, limit: int) -> None:
        self._receive = receive
        self._send = send
        self._limit = limit
        self._received = 0
        self.exceeded = False
        self.started = False
        self._replaced = False

    async def receive(self) -> Message:
        if self.exceeded:
            raise PayloadTooLarge("Request body too large")
        message = await self._receive()
        if message["type"] == "http.request":
            self._received += len(message.get("body", b""))
            if self._received > self._limit:
                self.exceeded = True
                raise PayloadTooLarge("Request body too large")
        return message

    async def send(self, message: Message) -> None:
        if self._replaced:
            return
        if message["type"] == "http.response.start":
            if self.exceeded and message["status"] != 413:
                # The handler caught the error and answered something else: the body was cut
                # short, so whatever it concluded from it does not stand.
                self._replaced = self.started = True
                await _too_large(self._send)
                return
            self.started = True
        await self._send(message)


async def _too_large(send: Send) -> None:
    body = json.dumps({"error": "Request body too large"}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
