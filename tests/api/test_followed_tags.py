"""Followed hashtags: follow, unfollow, followed_tags, `following`, and tagged public posts,
local or received, reaching the follower's home timeline."""

from __future__ import annotations

import httpx

from activitypub.testing import STATIC_KEYS, FakeRemote
from tests.api.conftest import Caller
from tests.api.test_timelines import links, post
from tests.federation.helpers import create, note, post_activity


async def home_ids(client: httpx.AsyncClient, caller: Caller) -> list[str]:
    return [s["id"] for s in (await client.get("/api/v1/timelines/home", headers=caller.auth)).json()]


async def test_following_a_tag(client: httpx.AsyncClient, alice: Caller, bob: Caller) -> None:
    followed = await client.post("/api/v1/tags/Gardening/follow", headers=alice.auth)
    assert followed.status_code == 200, followed.text
    assert followed.json()["name"] == "Gardening" and followed.json()["following"] is True
    assert (await client.get("/api/v1/tags/gardening", headers=alice.auth)).json()["following"] is True
    assert (await client.get("/api/v1/tags/gardening", headers=bob.auth)).json()["following"] is False
    await client.post("/api/v1/tags/cats/follow", headers=alice.auth)
    page = await client.get("/api/v1/followed_tags?limit=1", headers=alice.auth)
    assert [t["name"] for t in page.json()] == ["cats"]
    older = await client.get(links(page)["next"].removeprefix("https://fedi.test"), headers=alice.auth)
    assert [t["name"] for t in older.json()] == ["Gardening"]

    tagged = await post(client, bob, "tomatoes #gardening")
    quiet = await post(client, bob, "unlisted #gardening", visibility="unlisted")
    untagged = await post(client, bob, "tomatoes")
    home = await home_ids(client, alice)
    assert tagged in home and quiet not in home and untagged not in home

    unfollowed = await client.post("/api/v1/tags/gardening/unfollow", headers=alice.auth)
    assert unfollowed.json()["following"] is False
    later = await post(client, bob, "more #gardening")
    assert later not in await home_ids(client, alice)
    assert [t["name"] for t in (await client.get("/api/v1/followed_tags", headers=alice.auth)).json()] == [
        "cats"
    ]

    bad = await client.post("/api/v1/tags/no%20spaces/follow", headers=alice.auth)
    assert bad.status_code == 422 and "error" in bad.json()
    assert (await client.post("/api/v1/tags/unknown/unfollow", headers=alice.auth)).status_code == 404


async def test_a_muted_author_stays_out(client: httpx.AsyncClient, alice: Caller, bob: Caller) -> None:
    await client.post("/api/v1/tags/cats/follow", headers=alice.auth)
    await client.post(f"/api/v1/accounts/{bob.account.id}/mute", headers=alice.auth)
    assert await post(client, bob, "#cats") not in await home_ids(client, alice)


async def test_a_received_tagged_post_reaches_the_follower(
    client: httpx.AsyncClient, remote: FakeRemote, alice: Caller
) -> None:
    await client.post("/api/v1/tags/cats/follow", headers=alice.auth)
    dan = str(remote.add_actor("dan", key=STATIC_KEYS[1])["id"])
    doc = note(
        dan,
        f"{dan}/statuses/7",
        "<p>look #cats</p>",
        tag=[{"type": "Hashtag", "href": "https://remote.test/tags/cats", "name": "#cats"}],
    )
    assert (await post_activity(client, create(dan, doc), remote.key_pair(dan))).status_code == 202
    home = (await client.get("/api/v1/timelines/home", headers=alice.auth)).json()
    assert [s["uri"] for s in home] == [f"{dan}/statuses/7"]
