"""Endorsed accounts federate in the actor's `endorsements` collection (fedi's extension term):
published with an Update of the actor on each change, and read back from remote actors."""

from __future__ import annotations

import time

import httpx

from activitypub.testing import STATIC_KEYS, FakeRemote
from fedi.models.accounts import Account
from fedi.runtime import Runtime
from fedi.services import relationships
from fedi.services.federation import remote as remote_service
from fedi.store import accounts as account_store
from tests.api.conftest import Caller, issue_token, local_caller

AP = {"Accept": "application/activity+json"}
BOB = "https://remote.test/users/bob"
DORA = "https://remote.test/users/dora"
ZED = "https://remote.test/users/zed"
COLLECTION = f"{DORA}/collections/endorsements"


def _remote_account(runtime: Runtime, uri: str) -> Account:
    return remote_service.actor(runtime, uri).result(timeout=10)


async def test_endorsing_publishes_the_collection_and_updates_the_actor(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, local_account: Account
) -> None:
    remote.add_actor("bob", key=STATIC_KEYS[1])
    bob = _remote_account(runtime, BOB)
    with runtime.db.session() as session:
        alice = session.get(Account, local_account.id)
        assert alice is not None
        relationships.received_follow(session, runtime, bob, alice, f"{BOB}#follows/1")
    alice_caller = Caller(local_account, issue_token(runtime, local_account))
    carol = local_caller(runtime, "carol")
    await client.post(f"/api/v1/accounts/{carol.account.id}/follow", headers=alice_caller.auth)
    remote.inbox.clear()

    endorsed = await client.post(f"/api/v1/accounts/{carol.account.id}/endorse", headers=alice_caller.auth)
    assert endorsed.status_code == 200 and endorsed.json()["endorsed"] is True
    [update] = remote.inbox
    collection_url = "https://fedi.test/users/alice/collections/endorsements"
    assert update["type"] == "Update" and update["object"]["endorsements"] == collection_url
    assert update["@context"][-1] == "https://fedi.test/ns/fedi"  # where the term is defined
    actor = (await client.get("/users/alice", headers=AP)).json()
    assert actor["endorsements"] == collection_url
    collection = (await client.get("/users/alice/collections/endorsements", headers=AP)).json()
    assert collection["type"] == "OrderedCollection" and collection["totalItems"] == 1
    assert collection["orderedItems"] == ["https://fedi.test/users/carol"]

    # Endorsing again changes nothing and sends nothing; unendorsing empties it and says so.
    await client.post(f"/api/v1/accounts/{carol.account.id}/endorse", headers=alice_caller.auth)
    assert len(remote.inbox) == 1
    await client.post(f"/api/v1/accounts/{carol.account.id}/unendorse", headers=alice_caller.auth)
    assert [a["type"] for a in remote.inbox] == ["Update", "Update"]
    collection = (await client.get("/users/alice/collections/endorsements", headers=AP)).json()
    assert collection["totalItems"] == 0 and collection["orderedItems"] == []
    assert (await client.get("/users/nobody/collections/endorsements", headers=AP)).status_code == 404


def _dora(remote: FakeRemote, endorsements: object = COLLECTION) -> None:
    doc = remote.add_actor("dora", key=STATIC_KEYS[2])
    remote.add_object(DORA, {**doc, "endorsements": endorsements})


async def _endorsements_of(client: httpx.AsyncClient, account_id: int, query: str = "") -> list[str]:
    answer = await client.get(f"/api/v1/accounts/{account_id}/endorsements{query}")
    assert answer.status_code == 200, answer.text
    assert "link" not in answer.headers  # one page only: clients must not loop
    return [a["acct"] for a in answer.json()]


async def test_a_remote_actors_endorsements_are_read_from_its_collection(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote
) -> None:
    remote.add_actor("bob", key=STATIC_KEYS[1])
    remote.add_actor("zed", key=STATIC_KEYS[1])
    _dora(remote)
    page = f"{COLLECTION}?page=1"
    remote.add_object(
        COLLECTION, {"id": COLLECTION, "type": "OrderedCollection", "totalItems": 5, "first": page}
    )
    remote.add_object(
        page,
        {
            "id": page,
            "type": "OrderedCollectionPage",
            "partOf": COLLECTION,
            "orderedItems": [BOB, {"id": ZED, "type": "Person"}, "not a url", 42, None, BOB],
        },
    )
    _remote_account(runtime, BOB)
    dora = _remote_account(runtime, DORA)
    assert dora.endorsements_url == COLLECTION

    # Bob is known here and answered at once; zed is fetched in the background for next time.
    assert await _endorsements_of(client, dora.id) == ["bob@remote.test"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with runtime.db.reader() as session:
            if account_store.by_uri(session, ZED) is not None:
                break
        time.sleep(0.05)
    assert await _endorsements_of(client, dora.id) == ["bob@remote.test", "zed@remote.test"]
    assert await _endorsements_of(client, dora.id, "?limit=1") == ["bob@remote.test"]
    assert await _endorsements_of(client, dora.id, f"?max_id={dora.id}") == []


async def test_hostile_endorsement_collections_are_bounded_and_never_fail(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote
) -> None:
    remote.add_actor("bob", key=STATIC_KEYS[1])
    _remote_account(runtime, BOB)
    # A collection on another origin is not even stored.
    _dora(remote, endorsements="https://elsewhere.test/collections/endorsements")
    dora = _remote_account(runtime, DORA)
    assert dora.endorsements_url is None
    assert await _endorsements_of(client, dora.id) == []

    # Thousands of inline items: only the first 40 are looked at.
    _dora(remote)
    dora = remote_service.actor(runtime, DORA, refresh=True).result(timeout=10)
    items = [f"https://remote.test/users/u{n}" for n in range(5000)] + [BOB]
    remote.add_object(COLLECTION, {"id": COLLECTION, "type": "Collection", "items": items})
    remote.requests.clear()
    assert await _endorsements_of(client, dora.id) == []  # bob is item 5001
    assert len([r for r in remote.requests if str(r.url) == COLLECTION]) == 1

    # Not JSON, an error, a page on another origin: an empty list, never a 500.
    for body, status in ((b"<html>", 200), (b"{}", 500)):
        remote.add_object(COLLECTION, body, status=status)
        runtime.fetches.forget_failure(f"endorsements:{COLLECTION}")
        assert await _endorsements_of(client, dora.id) == []
    remote.add_object(
        COLLECTION,
        {"id": COLLECTION, "type": "OrderedCollection", "first": "https://elsewhere.test/page"},
    )
    runtime.fetches.forget_failure(f"endorsements:{COLLECTION}")
    assert await _endorsements_of(client, dora.id) == []
    assert not any(r.url.host == "elsewhere.test" for r in remote.requests)
