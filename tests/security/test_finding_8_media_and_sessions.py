"""Finding 8: media and sessions. /media and /static lacked `nosniff`; media could only come from
the instance's own origin; signing out left the session cookie valid for its 14 days."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from activitypub.testing import FakeRemote
from fedi.composition import build_runtime
from fedi.models.accounts import Account
from fedi.runtime import Runtime
from fedi.services.accounts import create_local_account
from fedi.services.system import ensure_system_accounts
from tests.api.conftest import issue_token
from tests.conftest import make_test_settings
from tests.web.markup import csrf_token

MEDIA_ORIGIN = "https://media.fedi-cdn.test"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(buffer, format="PNG")
    return buffer.getvalue()


async def _upload(client: httpx.AsyncClient, token: str) -> dict[str, object]:
    response = await client.post(
        "/api/v2/media",
        files={"file": ("a.png", _png(), "image/png")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code in (200, 202), response.text
    return response.json()  # type: ignore[no-any-return]


async def test_finding_8_files_and_api_answers_carry_nosniff(
    runtime: Runtime, client: httpx.AsyncClient, local_account: Account
) -> None:
    media = await _upload(client, issue_token(runtime, local_account))
    url = str(media["url"])
    for path in (
        url.removeprefix(runtime.settings.base_url),
        "/static/fedi.css",
        "/api/v1/instance",
        "/nowhere",
    ):
        response = await client.get(path)
        assert response.headers.get("x-content-type-options") == "nosniff", (path, response.status_code)


@pytest.fixture
def media_host_runtime(database_url: str, tmp_path: Path, remote: FakeRemote) -> Iterator[Runtime]:
    settings = make_test_settings(tmp_path / "data", database_url, media={"base_url": MEDIA_ORIGIN})
    runtime = build_runtime(settings, immediate_jobs=True, transport=remote.transport())
    ensure_system_accounts(runtime)
    yield runtime
    runtime.close()


@pytest.fixture
async def two_origins(
    media_host_runtime: Runtime,
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    from fedi.app import create_app

    transport = httpx.ASGITransport(app=create_app(media_host_runtime))
    async with (
        httpx.AsyncClient(transport=transport, base_url=media_host_runtime.settings.base_url) as site,
        httpx.AsyncClient(transport=transport, base_url=MEDIA_ORIGIN) as media,
    ):
        yield site, media


async def test_finding_8_media_can_live_on_another_origin(
    media_host_runtime: Runtime, two_origins: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    site, media_origin = two_origins
    with media_host_runtime.db.session() as session:
        alice = create_local_account(
            session,
            media_host_runtime.urls,
            username="alice",
            email="a@example.org",
            password="correct horse",
            passwords=media_host_runtime.passwords,
        )
    media = await _upload(site, issue_token(media_host_runtime, alice))
    url = str(media["url"])
    assert url.startswith(MEDIA_ORIGIN + "/")
    served = await media_origin.get(url)
    assert served.status_code == 200 and served.content.startswith(b"\x89PNG")
    assert served.headers["x-content-type-options"] == "nosniff"
    # The instance's own origin no longer serves uploaded bytes: it points at the media origin.
    key = url.removeprefix(MEDIA_ORIGIN + "/")
    own = await site.get(f"/media/{key}")
    assert own.status_code == 301 and own.headers["location"] == url
    # The media origin serves media only: no pages, no API, no sign-in cookie.
    for path in ("/api/v1/instance", "/auth/sign_in", "/"):
        elsewhere = await media_origin.get(path, headers={"Accept": "text/html"})
        assert elsewhere.status_code == 404 and "set-cookie" not in elsewhere.headers


async def _sign_in(client: httpx.AsyncClient) -> None:
    token = csrf_token((await client.get("/auth/sign_in")).text)
    form = {"csrf_token": token, "email": "alice@example.org", "password": "correct horse", "next": "/"}
    assert (await client.post("/auth/sign_in", data=form)).status_code == 303


async def _signed_in_with(runtime: Runtime, cookies: httpx.Cookies) -> bool:
    from fedi.app import create_app

    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(
        transport=transport, base_url=runtime.settings.base_url, cookies=cookies
    ) as other:
        return (await other.get("/settings/profile")).status_code == 200


async def test_finding_8_signing_out_ends_the_session_everywhere(
    runtime: Runtime, client: httpx.AsyncClient, local_account: Account
) -> None:
    await _sign_in(client)
    stolen = httpx.Cookies(client.cookies)
    assert await _signed_in_with(runtime, stolen)
    token = csrf_token((await client.get("/settings/profile")).text)
    assert (await client.post("/auth/sign_out", data={"csrf_token": token})).status_code == 303
    assert not await _signed_in_with(runtime, stolen)


async def test_finding_8_a_password_change_ends_existing_sessions(
    runtime: Runtime, client: httpx.AsyncClient, local_account: Account
) -> None:
    from fedi.services import accounts

    await _sign_in(client)
    stolen = httpx.Cookies(client.cookies)
    with runtime.db.session() as session:
        accounts.change_password(session, runtime.passwords, "alice", "a new long password")
    assert not await _signed_in_with(runtime, stolen)
