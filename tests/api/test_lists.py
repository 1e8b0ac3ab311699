"""Lists: CRUD, members (followed accounts only), reply policies, exclusive lists, the timeline
and the `list` stream."""

from __future__ import annotations

import json

import httpx
from starlette.testclient import TestClient

from fedi.runtime import Runtime
from tests.api.conftest import Caller, local_caller
from tests.api.test_timelines import links, post
from tests.support.websocket import receive_json

LIST = {"id": "id", "title": "str", "replies_policy": "str", "exclusive": "bool"}


async def new_list(client: httpx.AsyncClient, caller: Caller, **fields: object) -> dict:
    response = await client.post("/api/v1/lists", json=fields, headers=caller.auth)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_lists_are_created_changed_and_deleted(
    client: httpx.AsyncClient, alice: Caller, bob: Caller
) -> None:
    created = await new_list(client, alice, title="Friends")
    assert (
        created["title"] == "Friends"
        and created["replies_policy"] == "list"
        and created["exclusive"] is False
    )
    changed = await client.put(
        f"/api/v1/lists/{created['id']}",
        data={"title": "Close friends", "replies_policy": "none", "exclusive": "true"},
        headers=alice.auth,
    )
    assert changed.json() == created | {"title": "Close friends", "replies_policy": "none", "exclusive": True}
    assert (await client.get("/api/v1/lists", headers=alice.auth)).json() == [changed.json()]
    assert (await client.get(f"/api/v1/lists/{created['id']}", headers=bob.auth)).status_code == 404
    assert (await client.get("/api/v1/lists", headers=bob.auth)).json() == []

    blank = await client.post("/api/v1/lists", json={"title": "  "}, headers=alice.auth)
    assert blank.status_code == 422 and blank.json()["field"] == "title"
    policy = await client.post(
        "/api/v1/lists", json={"title": "x", "replies_policy": "all"}, headers=alice.auth
    )
    assert policy.status_code == 422 and policy.json()["field"] == "replies_policy"
    assert (await client.delete(f"/api/v1/lists/{created['id']}", headers=bob.auth)).status_code == 404
    assert (await client.delete(f"/api/v1/lists/{created['id']}", headers=alice.auth)).json() == {}
    assert (await client.get("/api/v1/lists", headers=alice.auth)).json() == []


async def test_members_are_followed_accounts(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, bob: Caller, carol: Caller
) -> None:
    friends = await new_list(client, alice, title="Friends")
    path = f"/api/v1/lists/{friends['id']}/accounts"
    refused = await client.post(path, json={"account_ids": [bob.account.id]}, headers=alice.auth)
    assert refused.status_code == 422 and "follow" in refused.json()["error"]
    dave = local_caller(runtime, "dave")
    for someone in (bob, carol, dave):
        await client.post(f"/api/v1/accounts/{someone.account.id}/follow", headers=alice.auth)
    added = await client.post(path, data={"account_ids[]": [str(bob.account.id)]}, headers=alice.auth)
    assert added.json() == {}
    more = {"account_ids[]": [str(carol.account.id), str(dave.account.id), str(bob.account.id)]}
    assert (await client.post(path, data=more, headers=alice.auth)).status_code == 200
    first = await client.get(f"{path}?limit=2", headers=alice.auth)
    assert {a["username"] for a in first.json()} == {"carol", "dave"}  # added last
    rest = await client.get(links(first)["next"].removeprefix("https://fedi.test"), headers=alice.auth)
    assert [a["username"] for a in rest.json()] == ["bob"]
    everyone = await client.get(f"{path}?limit=0", headers=alice.auth)
    assert {a["username"] for a in everyone.json()} == {"bob", "carol", "dave"}
    holding = await client.get(f"/api/v1/accounts/{bob.account.id}/lists", headers=alice.auth)
    assert [item["id"] for item in holding.json()] == [friends["id"]]

    await client.request("DELETE", path, json={"account_ids": [carol.account.id]}, headers=alice.auth)
    await client.post(f"/api/v1/accounts/{dave.account.id}/unfollow", headers=alice.auth)
    left = await client.get(f"{path}?limit=0", headers=alice.auth)
    assert [a["username"] for a in left.json()] == ["bob"]
    assert (await client.get(path, headers=bob.auth)).status_code == 404


async def test_the_list_timeline_follows_its_reply_policy(
    client: httpx.AsyncClient, alice: Caller, bob: Caller, carol: Caller
) -> None:
    for someone in (bob, carol):
        await client.post(f"/api/v1/accounts/{someone.account.id}/follow", headers=alice.auth)
    just_bob = await new_list(client, alice, title="Bob", replies_policy="list")
    await client.post(
        f"/api/v1/lists/{just_bob['id']}/accounts", json={"account_ids": [bob.account.id]}, headers=alice.auth
    )
    carols = await post(client, carol, "carol speaks")
    plain = await post(client, bob, "bob speaks")
    to_carol = await post(client, bob, "@carol indeed", in_reply_to_id=carols)
    to_alice = await post(client, bob, "@alice hi", in_reply_to_id=await post(client, alice, "mine"))
    to_self = await post(client, bob, "and another thing", in_reply_to_id=plain)

    timeline = f"/api/v1/timelines/list/{just_bob['id']}"
    shown = [s["id"] for s in (await client.get(timeline, headers=alice.auth)).json()]
    assert shown == [to_self, to_alice, plain]
    await client.put(
        f"/api/v1/lists/{just_bob['id']}", json={"replies_policy": "followed"}, headers=alice.auth
    )
    shown = [s["id"] for s in (await client.get(timeline, headers=alice.auth)).json()]
    assert shown == [to_self, to_alice, to_carol, plain]
    await client.put(f"/api/v1/lists/{just_bob['id']}", json={"replies_policy": "none"}, headers=alice.auth)
    shown = [s["id"] for s in (await client.get(timeline, headers=alice.auth)).json()]
    assert shown == [to_self, to_alice, plain]
    assert (await client.get(timeline, headers=bob.auth)).status_code == 404

    # An exclusive list takes its members out of home.
    home = [s["id"] for s in (await client.get("/api/v1/timelines/home", headers=alice.auth)).json()]
    assert plain in home and carols in home
    await client.put(f"/api/v1/lists/{just_bob['id']}", json={"exclusive": True}, headers=alice.auth)
    home = [s["id"] for s in (await client.get("/api/v1/timelines/home", headers=alice.auth)).json()]
    assert plain not in home and carols in home


def test_the_list_stream_carries_members_posts(
    web: TestClient, alice: Caller, bob: Caller, carol: Caller
) -> None:
    for someone in (bob, carol):
        web.post(f"/api/v1/accounts/{someone.account.id}/follow", headers=alice.auth)
    listed = web.post("/api/v1/lists", json={"title": "Bob"}, headers=alice.auth).json()
    web.post(
        f"/api/v1/lists/{listed['id']}/accounts", json={"account_ids": [bob.account.id]}, headers=alice.auth
    )
    with web.websocket_connect(f"/api/v1/streaming?access_token={bob.token}") as ws:
        ws.send_json({"type": "subscribe", "stream": "list", "list": listed["id"]})
        assert receive_json(ws) == {"error": "Record not found", "status": 404}
    with web.websocket_connect(f"/api/v1/streaming?access_token={alice.token}") as ws:
        ws.send_json({"type": "subscribe", "stream": "list", "list": listed["id"]})
        ws.send_json({"type": "subscribe", "stream": "list"})
        assert receive_json(ws)["status"] == 422  # the subscription before it is live by now
        web.post("/api/v1/statuses", json={"status": "not in the list"}, headers=carol.auth)
        posted = web.post("/api/v1/statuses", json={"status": "in the list"}, headers=bob.auth).json()
        event = receive_json(ws)
        assert event["stream"] == ["list", listed["id"]] and event["event"] == "update"
        assert json.loads(event["payload"])["id"] == posted["id"]
