"""Rate limits on the client API, Mastodon's way: per token (else per address), per 5 minutes.

Every answer under /api/ and /oauth/ carries `X-RateLimit-Limit`, `-Remaining` and `-Reset`
(an ISO 8601 time); over the limit the answer is 429 `{"error": ...}`. Limits are counted per
caller, not per path, so `.json` suffixes, trailing slashes or case cannot reset them (the
client address comes from uvicorn, which believes X-Forwarded-For only from trusted proxies).
Media uploads have their own tighter budget, as on Mastodon (30 per 30 minutes).
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime

from limits import RateLimitItem, RateLimitItemPerMinute, parse
from limits.aio.strategies import FixedWindowRateLimiter
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fedi.config import Settings
from fedi.security.counters import counter_storage

LIMITED_PREFIXES = ("/api/", "/oauth/")
# A stream is one long request: counting it is pointless, and its reconnects must not starve.
UNLIMITED_PREFIXES = ("/api/v1/streaming",)
UPLOAD_PATHS = ("/api/v1/media", "/api/v2/media")
UPLOADS = RateLimitItemPerMinute(30, 30)
# Mastodon's sign-up limit: 5 per 30 minutes per address, whatever the app token.
SIGN_UPS = RateLimitItemPerMinute(5, 30)


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.item: RateLimitItem = parse(f"{max(settings.api.rate_limit, 1)}/5 minutes")
        self.enabled = settings.api.rate_limit > 0
        self._settings = settings
        self._limiter: FixedWindowRateLimiter | None = None

    def _get_limiter(self) -> FixedWindowRateLimiter:
        # Built on first use: the storages need the running event loop.
        if self._limiter is None:
            self._limiter = FixedWindowRateLimiter(counter_storage(self._settings))
        return self._limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "").lower()
        if (
            scope["type"] != "http"
            or not self.enabled
            or not path.startswith(LIMITED_PREFIXES)
            or path.startswith(UNLIMITED_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        limiter = self._get_limiter()
        caller = _caller_key(scope)
        allowed = await limiter.hit(self.item, caller)
        if allowed and scope["method"] == "POST" and path.rstrip("/") in UPLOAD_PATHS:
            allowed = await limiter.hit(UPLOADS, "upload", caller)
        if allowed and scope["method"] == "POST" and path.rstrip("/") == "/api/v1/accounts":
            client = scope.get("client")
            allowed = await limiter.hit(SIGN_UPS, "sign-up", client[0] if client else "unknown")
        stats = await limiter.get_window_stats(self.item, caller)
        headers = {
            "X-RateLimit-Limit": str(self.item.amount),
            "X-RateLimit-Remaining": str(stats.remaining),
            "X-RateLimit-Reset": _iso(stats.reset_time),
        }
        if not allowed:
            retry_after = max(int(stats.reset_time - time.time()), 1)
            await _too_many(send, headers | {"Retry-After": str(retry_after)})
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                mutable = MutableHeaders(scope=message)
                for name, value in headers.items():
                    mutable[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _caller_key(scope: Scope) -> str:
    authorization = Headers(scope=scope).get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return "token:" + hashlib.sha256(authorization[7:].strip().encode()).hexdigest()
    client = scope.get("client")
    return "ip:" + (client[0] if client else "unknown")


def _iso(timestamp: float) -> str:
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


async def _too_many(send: Send, headers: dict[str, str]) -> None:
    body = json.dumps({"error": "Too many requests"}).encode()
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 429, "headers": raw})
    await send({"type": "http.response.body", "body": body})
