"""Pinned posts federate as Mastodon does it: the `featured` collection, and an Add (pin) or
Remove (unpin) aimed at it, sent to the followers' servers."""

from __future__ import annotations

import httpx

from activitypub.testing import STATIC_KEYS, FakeRemote
from fedi.models.accounts import Account
from fedi.runtime import Runtime
from fedi.services import relationships
from fedi.services.federation import remote as remote_service
from tests.api.conftest import issue_token

AP = {"Accept": "application/activity+json"}
BOB = "https://remote.test/users/bob"
FEATURED = "https://fedi.test/users/alice/collections/featured"


async def test_pinning_sends_add_and_unpinning_sends_remove_to_followers(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, local_account: Account
) -> None:
    remote.add_actor("bob", key=STATIC_KEYS[1])
    bob = remote_service.actor(runtime, BOB).result(timeout=10)
    with runtime.db.session() as session:
        alice = session.get(Account, local_account.id)
        assert alice is not None
        relationships.received_follow(session, runtime, bob, alice, f"{BOB}#follows/1")
    auth = {"Authorization": f"Bearer {issue_token(runtime, local_account)}"}
    posted = (await client.post("/api/v1/statuses", json={"status": "pin me"}, headers=auth)).json()
    remote.inbox.clear()

    assert (await client.post(f"/api/v1/statuses/{posted['id']}/pin", headers=auth)).json()["pinned"] is True
    await client.post(f"/api/v1/statuses/{posted['id']}/pin", headers=auth)  # already pinned: nothing sent
    [add] = remote.inbox
    assert (add["type"], add["actor"], add["object"], add["target"]) == (
        "Add",
        "https://fedi.test/users/alice",
        posted["uri"],
        FEATURED,
    )
    featured = (await client.get("/users/alice/collections/featured", headers=AP)).json()
    assert [n["id"] for n in featured["orderedItems"]] == [posted["uri"]]

    await client.post(f"/api/v1/statuses/{posted['id']}/unpin", headers=auth)
    remove = remote.inbox[-1]
    assert (remove["type"], remove["object"], remove["target"]) == ("Remove", posted["uri"], FEATURED)
    assert (await client.get("/users/alice/collections/featured", headers=AP)).json()["orderedItems"] == []
