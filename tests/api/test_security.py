"""Rate limits, other people's ids, private posts, and the session secret (SECURITY.md §1h)."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from fedi.app import create_app
from fedi.runtime import Runtime
from fedi.web.session import secret_key
from tests.api.conftest import Caller


async def test_rate_limit_counts_the_caller_not_the_path(runtime: Runtime, alice: Caller) -> None:
    runtime.settings.api.rate_limit = 3
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="https://fedi.test") as client:
        first = await client.get("/api/v1/timelines/public")
        assert first.headers["x-ratelimit-limit"] == "3" and first.headers["x-ratelimit-remaining"] == "2"
        assert first.headers["x-ratelimit-reset"].endswith("Z")
        await client.get("/api/v1/timelines/public/")
        await client.get("/api/v1/instance.json")
        refused = await client.get("/API/v1/timelines/public", headers={"X-Forwarded-For": "203.0.113.9"})
        assert refused.status_code == 429 and refused.json() == {"error": "Too many requests"}
        assert refused.headers["x-ratelimit-remaining"] == "0"
        # A token has its own budget.
        assert (await client.get("/api/v1/timelines/home", headers=alice.auth)).status_code == 200
        # Pages and federation are not the client API.
        assert (await client.get("/.well-known/nodeinfo")).status_code == 200


async def test_other_peoples_things_are_not_found(
    client: httpx.AsyncClient, alice: Caller, bob: Caller
) -> None:
    status = (await client.post("/api/v1/statuses", json={"status": "mine"}, headers=alice.auth)).json()
    sid = status["id"]
    attempts = [
        client.delete(f"/api/v1/statuses/{sid}", headers=bob.auth),
        client.put(f"/api/v1/statuses/{sid}", json={"status": "hijacked"}, headers=bob.auth),
        client.get(f"/api/v1/statuses/{sid}/source", headers=bob.auth),
        client.post(f"/api/v1/statuses/{sid}/pin", headers=bob.auth),
        client.get("/api/v1/statuses/99999999999", headers=bob.auth),
        client.get("/api/v1/statuses/not-a-number", headers=bob.auth),
    ]
    for attempt in attempts:
        response = await attempt
        assert response.status_code == 404 and "error" in response.json()
    assert (await client.get(f"/api/v1/statuses/{sid}")).json()["content"] == "<p>mine</p>"


async def test_private_and_direct_posts_reach_only_their_audience(
    client: httpx.AsyncClient, alice: Caller, bob: Caller
) -> None:
    direct = (
        await client.post(
            "/api/v1/statuses", json={"status": "@bob psst", "visibility": "direct"}, headers=alice.auth
        )
    ).json()
    private = (
        await client.post(
            "/api/v1/statuses", json={"status": "friends", "visibility": "private"}, headers=alice.auth
        )
    ).json()
    assert (await client.get(f"/api/v1/statuses/{direct['id']}", headers=bob.auth)).status_code == 200
    assert (await client.get(f"/api/v1/statuses/{direct['id']}")).status_code == 404
    assert (await client.get(f"/api/v1/statuses/{private['id']}", headers=bob.auth)).status_code == 404
    assert (
        await client.post(f"/api/v1/statuses/{private['id']}/favourite", headers=bob.auth)
    ).status_code == 404
    public = (await client.get("/api/v1/timelines/public")).json()
    assert public == []
    await client.post(f"/api/v1/accounts/{alice.account.id}/follow", headers=bob.auth)
    assert (await client.get(f"/api/v1/statuses/{private['id']}", headers=bob.auth)).status_code == 200


def test_the_session_secret_is_private(tmp_path: Path) -> None:
    first = secret_key(tmp_path)
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert secret_key(tmp_path) == first and len(first) >= 32
    os.chmod(tmp_path / "secret_key", 0o644)
    with pytest.raises(RuntimeError, match="readable by others"):
        secret_key(tmp_path)


async def test_web_clients_may_call_the_api_from_their_origin(
    client: httpx.AsyncClient, alice: Caller
) -> None:
    origin = {"Origin": "https://elk.zone"}
    preflight = await client.options(
        "/api/v1/statuses",
        headers=origin
        | {
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, idempotency-key",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    answer = await client.get("/api/v1/timelines/home", headers=origin | alice.auth)
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "Link" in answer.headers["access-control-expose-headers"]
    token = await client.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=origin)
    assert token.headers["access-control-allow-origin"] == "*"
    page = await client.get("/auth/sign_in", headers=origin)
    assert "access-control-allow-origin" not in page.headers
