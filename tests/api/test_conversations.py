"""Direct conversations (/api/v1/conversations) from local and received direct posts."""

from __future__ import annotations

import httpx

from activitypub.testing import STATIC_KEYS, FakeRemote
from fedi.runtime import Runtime
from tests.api import entities
from tests.api.conftest import Caller
from tests.api.test_timelines import links, post
from tests.federation.helpers import create, note, post_activity

CONVERSATION = {"id": "id", "unread": "bool", "accounts": [entities.ACCOUNT], "last_status": entities.STATUS}


async def conversations(client: httpx.AsyncClient, caller: Caller, query: str = "") -> list[dict]:
    response = await client.get(f"/api/v1/conversations{query}", headers=caller.auth)
    assert response.status_code == 200, response.text
    return list(response.json())


async def test_a_direct_thread_is_one_conversation_for_each_side(
    client: httpx.AsyncClient, alice: Caller, bob: Caller, carol: Caller
) -> None:
    first = await post(client, alice, "@bob psst", visibility="direct")
    await post(client, alice, "for everyone, @bob")
    [mine] = await conversations(client, alice)
    entities.check(mine, CONVERSATION)
    assert mine["unread"] is False and [a["username"] for a in mine["accounts"]] == ["bob"]
    assert mine["last_status"]["id"] == first
    [theirs] = await conversations(client, bob)
    assert theirs["unread"] is True and [a["username"] for a in theirs["accounts"]] == ["alice"]
    assert await conversations(client, carol) == []

    reply = await post(client, bob, "@alice what?", visibility="direct", in_reply_to_id=first)
    [mine] = await conversations(client, alice)
    assert mine["last_status"]["id"] == reply and mine["unread"] is True
    read = await client.post(f"/api/v1/conversations/{mine['id']}/read", headers=alice.auth)
    assert read.json()["unread"] is False
    assert (await conversations(client, alice))[0]["unread"] is False

    # A new direct post (not a reply) starts another conversation; pages follow the Link header.
    other = await post(client, alice, "@bob @carol all of us", visibility="direct")
    page = await client.get("/api/v1/conversations?limit=1", headers=alice.auth)
    assert [c["last_status"]["id"] for c in page.json()] == [other]
    assert {a["username"] for a in page.json()[0]["accounts"]} == {"bob", "carol"}
    older = await client.get(links(page)["next"].removeprefix("https://fedi.test"), headers=alice.auth)
    assert [c["last_status"]["id"] for c in older.json()] == [reply]

    # Someone else's conversation is not found; removing one's own hides it.
    assert (
        await client.post(f"/api/v1/conversations/{mine['id']}/read", headers=bob.auth)
    ).status_code == 404
    assert (await client.delete(f"/api/v1/conversations/{mine['id']}", headers=alice.auth)).json() == {}
    assert [c["last_status"]["id"] for c in await conversations(client, alice)] == [other]
    assert len(await conversations(client, bob)) == 2


async def test_deleted_statuses_leave_their_conversation(
    client: httpx.AsyncClient, alice: Caller, bob: Caller
) -> None:
    first = await post(client, alice, "@bob one", visibility="direct")
    second = await post(client, alice, "@bob two", visibility="direct", in_reply_to_id=first)
    await client.delete(f"/api/v1/statuses/{second}", headers=alice.auth)
    [theirs] = await conversations(client, bob)
    assert theirs["last_status"]["id"] == first
    await client.delete(f"/api/v1/statuses/{first}", headers=alice.auth)
    assert await conversations(client, bob) == []


async def test_a_received_direct_post_is_a_conversation(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, alice: Caller
) -> None:
    dan = str(remote.add_actor("dan", key=STATIC_KEYS[1])["id"])
    alice_uri = alice.account.uri
    doc = note(
        dan,
        f"{dan}/statuses/1",
        "<p>@alice hi</p>",
        to=[alice_uri],
        cc=[],
        tag=[{"type": "Mention", "href": alice_uri, "name": "@alice@fedi.test"}],
    )
    response = await post_activity(client, create(dan, doc), remote.key_pair(dan))
    assert response.status_code == 202
    [found] = await conversations(client, alice)
    assert found["unread"] is True and [a["acct"] for a in found["accounts"]] == ["dan@remote.test"]
    assert found["last_status"]["uri"] == f"{dan}/statuses/1"
    assert found["last_status"]["visibility"] == "direct"
