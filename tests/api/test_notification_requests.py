"""Notification policies hold or drop notifications from the kinds of sender they name, and
requests release or discard them (Mastodon 4.3)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api import entities
from tests.api.conftest import Caller
from tests.api.test_timelines import post


async def set_policy(client: httpx.AsyncClient, caller: Caller, **policy: str) -> dict[str, Any]:
    answer = await client.patch("/api/v2/notifications/policy", json=policy, headers=caller.auth)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def notified(client: httpx.AsyncClient, caller: Caller) -> list[tuple[str, str]]:
    found = (await client.get("/api/v1/notifications", headers=caller.auth)).json()
    return [(n["type"], n["account"]["username"]) for n in found]


async def requests(client: httpx.AsyncClient, caller: Caller) -> list[dict[str, Any]]:
    answer = await client.get("/api/v1/notifications/requests", headers=caller.auth)
    assert answer.status_code == 200, answer.text
    return list(answer.json())


async def test_a_stranger_is_held_until_accepted(
    client: httpx.AsyncClient, alice: Caller, bob: Caller, carol: Caller
) -> None:
    await client.post(f"/api/v1/accounts/{carol.account.id}/follow", headers=alice.auth)
    policy = await set_policy(client, alice, for_not_following="filter")
    assert policy["for_not_following"] == "filter" and policy["for_new_accounts"] == "accept"
    await post(client, bob, "@alice hello from a stranger")
    latest = await post(client, bob, "@alice are you there?")
    await post(client, carol, "@alice hello from a friend")  # alice follows carol: not held

    assert await notified(client, alice) == [("mention", "carol")]
    grouped = (await client.get("/api/v2/notifications", headers=alice.auth)).json()
    assert [g["sample_account_ids"] for g in grouped["notification_groups"]] == [[str(carol.account.id)]]
    unread = await client.get("/api/v1/notifications/unread_count", headers=alice.auth)
    assert unread.json()["count"] == 1
    summary = (await client.get("/api/v2/notifications/policy", headers=alice.auth)).json()["summary"]
    assert summary == {"pending_requests_count": 1, "pending_notifications_count": 2}

    (held,) = await requests(client, alice)
    entities.check(held, entities.NOTIFICATION_REQUEST)
    assert held["account"]["id"] == str(bob.account.id) and held["notifications_count"] == "2"
    assert held["last_status"]["id"] == latest
    shown = await client.get(f"/api/v1/notifications/requests/{held['id']}", headers=alice.auth)
    assert shown.json()["id"] == held["id"]
    # Someone else's request is not there for bob.
    assert (
        await client.get(f"/api/v1/notifications/requests/{held['id']}", headers=bob.auth)
    ).status_code == 404
    assert (
        await client.post(f"/api/v1/notifications/requests/{held['id']}/accept", headers=bob.auth)
    ).status_code == 404

    accepted = await client.post(f"/api/v1/notifications/requests/{held['id']}/accept", headers=alice.auth)
    assert accepted.status_code == 200
    assert await requests(client, alice) == []
    assert sorted(await notified(client, alice)) == [
        ("mention", "bob"),
        ("mention", "bob"),
        ("mention", "carol"),
    ]
    # Accepted once, bob passes from now on.
    await post(client, bob, "@alice thanks")
    assert (await notified(client, alice))[0] == ("mention", "bob") and await requests(client, alice) == []


async def test_dismissing_discards_and_drop_keeps_nothing(
    client: httpx.AsyncClient, alice: Caller, bob: Caller, carol: Caller
) -> None:
    await set_policy(client, alice, for_not_followers="filter")
    await post(client, bob, "@alice one")
    await post(client, carol, "@alice two")
    held = await requests(client, alice)
    assert {r["account"]["username"] for r in held} == {"bob", "carol"}
    by_name = {r["account"]["username"]: r["id"] for r in held}
    dismissed = await client.post(
        f"/api/v1/notifications/requests/{by_name['bob']}/dismiss", headers=alice.auth
    )
    assert dismissed.status_code == 200
    assert [r["account"]["username"] for r in await requests(client, alice)] == ["carol"]
    assert await notified(client, alice) == []
    # A later notification from bob makes a new request.
    await post(client, bob, "@alice again")
    assert {r["account"]["username"] for r in await requests(client, alice)} == {"bob", "carol"}
    ids = [r["id"] for r in await requests(client, alice)]
    bulk = await client.post("/api/v1/notifications/requests/accept", json={"id": ids}, headers=alice.auth)
    assert bulk.status_code == 200 and await requests(client, alice) == []
    assert sorted(await notified(client, alice)) == [("mention", "bob"), ("mention", "carol")]

    # Every fixture account is new, but bob and carol are accepted senders now: not dropped.
    await set_policy(client, alice, for_not_followers="accept", for_new_accounts="drop")
    before = await notified(client, alice)
    await client.post(f"/api/v1/accounts/{alice.account.id}/follow", headers=bob.auth)
    assert await notified(client, alice) == [("follow", "bob"), *before]


async def test_new_accounts_dropped_and_policy_values_checked(
    client: httpx.AsyncClient, alice: Caller, bob: Caller
) -> None:
    await set_policy(client, alice, for_new_accounts="drop")
    await post(client, bob, "@alice you will not hear this")
    await client.post(f"/api/v1/accounts/{alice.account.id}/follow", headers=bob.auth)
    assert await notified(client, alice) == [] and await requests(client, alice) == []
    refused = await client.patch(
        "/api/v2/notifications/policy", json={"for_not_following": "ignore"}, headers=alice.auth
    )
    assert refused.status_code == 422 and refused.json()["field"] == "for_not_following"
    # v1 speaks booleans: `filter` (and `drop`) read as true.
    v1 = (await client.get("/api/v1/notifications/policy", headers=alice.auth)).json()
    assert v1["filter_new_accounts"] is True and v1["filter_not_following"] is False
    changed = await client.patch(
        "/api/v1/notifications/policy", json={"filter_private_mentions": True}, headers=alice.auth
    )
    assert changed.json()["filter_private_mentions"] is True
    v2 = (await client.get("/api/v2/notifications/policy", headers=alice.auth)).json()
    assert v2["for_private_mentions"] == "filter"
