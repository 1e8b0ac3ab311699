"""Featured tags: featuring, suggestions, another account's, and the `featuredTags` collection."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from tests.api.conftest import Caller
from tests.api.test_timelines import post


async def test_featuring_hashtags(client: httpx.AsyncClient, alice: Caller, bob: Caller) -> None:
    for text in ("#Cats one", "#cats two", "#dogs", "#cats private"):
        await post(client, alice, text, visibility="private" if "private" in text else "public")
    suggested = (await client.get("/api/v1/featured_tags/suggestions", headers=alice.auth)).json()
    assert [t["name"] for t in suggested] == ["Cats", "dogs"]  # most used first

    created = await client.post("/api/v1/featured_tags", json={"name": "#cats"}, headers=alice.auth)
    assert created.status_code == 200, created.text
    featured = created.json()
    assert featured["name"] == "Cats" and featured["statuses_count"] == "2"  # the private one is not counted
    assert featured["url"] == "https://fedi.test/@alice/tagged/cats"
    assert featured["last_status_at"] == datetime.now(UTC).date().isoformat()
    assert (
        await client.post("/api/v1/featured_tags", json={"name": "cats"}, headers=alice.auth)
    ).status_code == 422
    bad = await client.post("/api/v1/featured_tags", json={"name": "not a tag"}, headers=alice.auth)
    assert bad.status_code == 422 and bad.json()["field"] == "name"
    assert [
        t["name"] for t in (await client.get("/api/v1/featured_tags/suggestions", headers=alice.auth)).json()
    ] == ["dogs"]

    theirs = (await client.get(f"/api/v1/accounts/{alice.account.id}/featured_tags")).json()
    assert theirs == [featured]
    collection = (
        await client.get("/users/alice/collections/tags", headers={"Accept": "application/activity+json"})
    ).json()
    assert collection["totalItems"] == 1
    assert collection["orderedItems"] == [
        {"type": "Hashtag", "href": "https://fedi.test/tags/cats", "name": "#Cats"}
    ]

    assert (
        await client.delete(f"/api/v1/featured_tags/{featured['id']}", headers=bob.auth)
    ).status_code == 404
    assert (await client.delete(f"/api/v1/featured_tags/{featured['id']}", headers=alice.auth)).json() == {}
    assert (await client.get("/api/v1/featured_tags", headers=alice.auth)).json() == []
