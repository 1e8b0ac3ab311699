"""Request bodies are bounded on every route by counting bytes: chunked bodies and lying lengths
get 413 after at most the limit is read; uploads to the web settings are refused before their
body is read when the sender is not signed in or not on this site."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fedi.api.bodylimit import INBOX_BYTES, MB, BodyLimitMiddleware, body_limit
from fedi.models.accounts import Account
from fedi.runtime import Runtime
from tests.api.conftest import issue_token
from tests.web.conftest import sign_in
from tests.web.markup import csrf_token

CHUNK = 64 * 1024
BOUNDARY = "fedi-test-boundary"


class Body:
    """A chunked body of `size` bytes that counts how much of it the server read."""

    def __init__(self, size: int, *, head: bytes = b"") -> None:
        self.size = size
        self.head = head
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.head:
            self.sent += len(self.head)
            yield self.head
        while self.sent < self.size:
            chunk = b"x" * min(CHUNK, self.size - self.sent)
            self.sent += len(chunk)
            yield chunk


def _multipart_head(fields: dict[str, str], file_field: str) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{file_field}"; filename="big.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    )
    return "".join(parts).encode()


MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


async def _too_large(client: httpx.AsyncClient, path: str, body: Body, **headers: str) -> None:
    response = await client.post(path, content=body, headers=headers)
    assert response.status_code == 413, (path, response.status_code, response.text[:200])
    if path.startswith("/settings/"):  # a page the browser shows: the HTML error page
        assert "too large" in response.text
    else:
        assert response.json() == {"error": "Request body too large"}
    limit = body_limit(client._transport.app.state.runtime.settings, path)  # type: ignore[attr-defined]
    assert body.sent <= limit + CHUNK, f"{path} read {body.sent} bytes for a limit of {limit}"


async def test_chunked_bodies_over_the_limit_get_413_on_every_route_class(
    client: httpx.AsyncClient, runtime: Runtime, local_account: Account
) -> None:
    size = 60 * MB
    await _too_large(client, "/api/v1/apps", Body(size), **{"Content-Type": "application/json"})
    await _too_large(client, "/inbox", Body(size), **{"Content-Type": "application/activity+json"})
    token = issue_token(runtime, local_account)
    await _too_large(
        client,
        "/api/v2/media",
        Body(size, head=_multipart_head({}, "file")),
        Authorization=f"Bearer {token}",
        **MULTIPART,
    )
    await sign_in(client)
    csrf = csrf_token((await client.get("/settings/profile")).text)
    avatar = Body(size, head=_multipart_head({"csrf_token": csrf}, "avatar"))
    await _too_large(client, "/settings/profile", avatar, **MULTIPART)


@pytest.mark.parametrize(
    "path", ["/api/v1/apps", "/inbox", "/users/alice/inbox", "/api/v2/media", "/oauth/token"]
)
async def test_a_declared_length_over_the_limit_is_refused_before_reading(
    client: httpx.AsyncClient, local_account: Account, path: str
) -> None:
    body = Body(INBOX_BYTES)
    limit = body_limit(client._transport.app.state.runtime.settings, path)  # type: ignore[attr-defined]
    response = await client.post(path, content=body, headers={"Content-Length": str(limit + 1)})
    assert response.status_code == 413
    assert body.sent == 0


async def test_uploads_to_the_settings_are_refused_unread_when_not_signed_in_or_cross_site(
    client: httpx.AsyncClient, local_account: Account
) -> None:
    anonymous = Body(20 * MB, head=_multipart_head({"csrf_token": "x"}, "avatar"))
    response = await client.post("/settings/profile", content=anonymous, headers=MULTIPART)
    assert response.status_code == 303 and response.headers["location"].startswith("/auth/sign_in")
    assert anonymous.sent <= CHUNK
    await sign_in(client)
    forged = Body(20 * MB, head=_multipart_head({"csrf_token": "x"}, "avatar"))
    response = await client.post(
        "/settings/profile", content=forged, headers=MULTIPART | {"Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    assert forged.sent <= CHUNK
    same_site = Body(1000, head=_multipart_head({"csrf_token": "forged"}, "avatar"))
    response = await client.post(
        "/settings/profile", content=same_site, headers=MULTIPART | {"Origin": "https://fedi.test"}
    )
    assert response.status_code == 403  # read, then refused on its token
    # A browser under our no-referrer policy sends Origin "null"; Sec-Fetch-Site says enough.
    browser = Body(1000, head=_multipart_head({"csrf_token": "forged"}, "avatar"))
    response = await client.post(
        "/settings/profile",
        content=browser,
        headers=MULTIPART | {"Origin": "null", "Sec-Fetch-Site": "same-origin"},
    )
    assert response.status_code == 403 and browser.sent == browser.size  # read, then refused on its token
    cross = Body(20 * MB, head=_multipart_head({"csrf_token": "x"}, "avatar"))
    response = await client.post(
        "/settings/profile",
        content=cross,
        headers=MULTIPART | {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403 and cross.sent <= CHUNK


async def test_a_handler_that_swallows_the_error_still_answers_413(runtime: Runtime) -> None:
    async def careless(request: Request) -> JSONResponse:
        try:
            await request.body()
        except Exception:
            return JSONResponse({"error": "bad body"}, status_code=400)
        return JSONResponse({})

    app = Starlette(routes=[Route("/api/v1/careless", careless, methods=["POST"])])
    wrapped = BodyLimitMiddleware(app, runtime.settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=wrapped), base_url="https://x.test"
    ) as client:
        response = await client.post("/api/v1/careless", content=Body(3 * MB))
    assert response.status_code == 413
    assert response.json() == {"error": "Request body too large"}
