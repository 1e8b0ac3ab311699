"""Reads remembered until the database changes (fedi/memo.py): a change is seen by the
very next request, whoever made it — this process through the API, or another process (a job
worker, a `fedi` command, a second web worker) writing to the same database."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy import text

from fedi.db import make_engine
from fedi.runtime import Runtime
from tests.api.conftest import Caller


async def _home(client: httpx.AsyncClient, caller: Caller) -> list[dict]:
    response = await client.get("/api/v1/timelines/home", headers=caller.auth)
    assert response.status_code == 200, response.text
    return list(response.json())


async def test_changes_through_the_api_show_at_once(
    client: httpx.AsyncClient, alice: Caller, bob: Caller
) -> None:
    await client.post(f"/api/v1/accounts/{bob.account.id}/follow", headers=alice.auth)
    posted = (await client.post("/api/v1/statuses", json={"status": "first"}, headers=bob.auth)).json()
    for _ in range(2):  # the second read is answered from what the first remembered
        [shown] = await _home(client, alice)
        assert shown["content"] == "<p>first</p>" and shown["favourites_count"] == 0
    await client.put(f"/api/v1/statuses/{posted['id']}", json={"status": "edited"}, headers=bob.auth)
    await client.post(f"/api/v1/statuses/{posted['id']}/favourite", headers=alice.auth)
    [shown] = await _home(client, alice)
    assert shown["content"] == "<p>edited</p>"
    assert shown["favourites_count"] == 1 and shown["favourited"] is True
    await client.patch(
        "/api/v1/accounts/update_credentials", data={"display_name": "Bob B."}, headers=bob.auth
    )
    [shown] = await _home(client, alice)
    assert shown["account"]["display_name"] == "Bob B."
    await client.delete(f"/api/v1/statuses/{posted['id']}", headers=bob.auth)
    assert await _home(client, alice) == []


async def test_writes_by_another_process_show_at_once(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, bob: Caller
) -> None:
    await client.post(f"/api/v1/accounts/{bob.account.id}/follow", headers=alice.auth)
    posted = (await client.post("/api/v1/statuses", json={"status": "first"}, headers=bob.auth)).json()
    await _home(client, alice)
    await _home(client, alice)
    # Another engine on the same database stands for another process.
    other = make_engine(runtime.settings)
    try:
        with other.begin() as connection:
            connection.execute(
                text("UPDATE statuses SET favourites_count = 7 WHERE id = :id"), {"id": int(posted["id"])}
            )
        [shown] = await _home(client, alice)
        assert shown["favourites_count"] == 7
        with other.begin() as connection:
            connection.execute(text("UPDATE oauth_tokens SET revoked_at = :now"), {"now": datetime.now(UTC)})
        response = await client.get("/api/v1/timelines/home", headers=alice.auth)
        assert response.status_code == 401
    finally:
        other.dispose()
