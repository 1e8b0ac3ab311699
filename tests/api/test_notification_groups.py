"""Grouped notifications (/api/v2/notifications) as Ice Cubes and Mastodon's web app read them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from fedi.models.notifications import Notification
from fedi.runtime import Runtime
from fedi.services import notification_groups
from tests.api import entities
from tests.api.conftest import Caller
from tests.api.test_timelines import links, post


async def favourite(client: httpx.AsyncClient, caller: Caller, status_id: str) -> None:
    response = await client.post(f"/api/v1/statuses/{status_id}/favourite", headers=caller.auth)
    assert response.status_code == 200, response.text


async def test_favourites_of_one_post_form_one_group(
    client: httpx.AsyncClient, alice: Caller, bob: Caller, carol: Caller
) -> None:
    first = await post(client, alice, "first")
    second = await post(client, alice, "second")
    await favourite(client, bob, first)
    await favourite(client, carol, first)
    await favourite(client, bob, second)
    await client.post(f"/api/v1/accounts/{alice.account.id}/follow", headers=bob.auth)
    await client.post(f"/api/v1/accounts/{alice.account.id}/follow", headers=carol.auth)
    mention = await post(client, bob, "@alice hello")

    answer = await client.get("/api/v2/notifications", headers=alice.auth)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    entities.check(body, entities.GROUPED_NOTIFICATIONS)
    groups = body["notification_groups"]
    assert [(g["type"], g["notifications_count"]) for g in groups] == [
        ("mention", 1),
        ("follow", 2),
        ("favourite", 1),
        ("favourite", 2),
    ]
    mentioned, follows, on_second, on_first = groups
    bob_id, carol_id = str(bob.account.id), str(carol.account.id)
    assert on_first["status_id"] == first and on_first["sample_account_ids"] == [carol_id, bob_id]
    assert on_second["status_id"] == second and on_second["sample_account_ids"] == [bob_id]
    assert follows["sample_account_ids"] == [carol_id, bob_id] and "status_id" not in follows
    assert on_first["group_key"].startswith(f"favourite-{first}-")
    assert mentioned["group_key"] == f"ungrouped-{mentioned['most_recent_notification_id']}"
    assert mentioned["status_id"] == mention
    assert int(on_first["page_min_id"]) < int(on_first["page_max_id"])
    assert on_first["page_max_id"] == on_first["most_recent_notification_id"]
    assert on_first["latest_page_notification_at"].endswith("Z")
    assert {a["id"] for a in body["accounts"]} == {bob_id, carol_id, str(alice.account.id)}
    assert {s["id"] for s in body["statuses"]} == {first, second, mention}
    # The v1 notifications name the same groups.
    v1 = (await client.get("/api/v1/notifications?types[]=favourite", headers=alice.auth)).json()
    assert {n["group_key"] for n in v1} == {on_first["group_key"], on_second["group_key"]}


async def test_pages_follow_link_headers(
    client: httpx.AsyncClient, alice: Caller, bob: Caller, carol: Caller
) -> None:
    posts = [await post(client, alice, f"post {n}") for n in range(3)]
    for status_id in posts:
        await favourite(client, bob, status_id)
        await favourite(client, carol, status_id)

    first = await client.get("/api/v2/notifications?limit=2", headers=alice.auth)
    assert [g["status_id"] for g in first.json()["notification_groups"]] == [posts[2], posts[1]]
    # As in Mastodon, the next page starts below the oldest notification shown: bob's older
    # favourite of posts[1] comes again, counted up to the page (clients merge the two).
    older = await client.get(links(first)["next"].removeprefix("https://fedi.test"), headers=alice.auth)
    assert [(g["status_id"], g["notifications_count"]) for g in older.json()["notification_groups"]] == [
        (posts[1], 1),
        (posts[0], 2),
    ]
    newest_of_oldest = older.json()["notification_groups"][1]["most_recent_notification_id"]
    newer = await client.get(f"/api/v2/notifications?min_id={newest_of_oldest}&limit=1", headers=alice.auth)
    assert [g["status_id"] for g in newer.json()["notification_groups"]] == [posts[1]]
    empty = await client.get(f"/api/v2/notifications?max_id={newest_of_oldest}", headers=alice.auth)
    body = empty.json()
    assert body["notification_groups"][0]["notifications_count"] == 1  # carol's is above the bound
    assert "link" in empty.headers
    ungrouped = await client.get("/api/v2/notifications?grouped_types[]=follow", headers=alice.auth)
    assert len(ungrouped.json()["notification_groups"]) == 6


async def test_one_group_its_accounts_dismissal_and_unread_count(
    client: httpx.AsyncClient, alice: Caller, bob: Caller, carol: Caller
) -> None:
    status_id = await post(client, alice, "liked")
    await favourite(client, bob, status_id)
    await client.post(
        "/api/v1/markers",
        json={
            "notifications": {
                "last_read_id": (await client.get("/api/v1/notifications", headers=alice.auth)).json()[0][
                    "id"
                ]
            }
        },
        headers=alice.auth,
    )
    assert (await client.get("/api/v2/notifications/unread_count", headers=alice.auth)).json() == {"count": 0}
    await favourite(client, carol, status_id)
    await client.post(f"/api/v1/accounts/{alice.account.id}/follow", headers=carol.auth)
    assert (await client.get("/api/v2/notifications/unread_count", headers=alice.auth)).json() == {"count": 2}

    key = (await client.get("/api/v2/notifications?types[]=favourite", headers=alice.auth)).json()[
        "notification_groups"
    ][0]["group_key"]
    one = (await client.get(f"/api/v2/notifications/{key}", headers=alice.auth)).json()
    assert [(g["group_key"], g["notifications_count"]) for g in one["notification_groups"]] == [(key, 2)]
    assert "page_min_id" not in one["notification_groups"][0]
    accounts = (await client.get(f"/api/v2/notifications/{key}/accounts", headers=alice.auth)).json()
    assert [a["username"] for a in accounts] == ["carol", "bob"]

    assert (await client.get(f"/api/v2/notifications/{key}", headers=bob.auth)).status_code == 404
    assert (await client.post(f"/api/v2/notifications/{key}/dismiss", headers=bob.auth)).status_code == 200
    assert (await client.get(f"/api/v2/notifications/{key}", headers=alice.auth)).status_code == 200
    assert (await client.post(f"/api/v2/notifications/{key}/dismiss", headers=alice.auth)).json() == {}
    assert (await client.get(f"/api/v2/notifications/{key}", headers=alice.auth)).status_code == 404
    left = (await client.get("/api/v2/notifications", headers=alice.auth)).json()["notification_groups"]
    assert [g["type"] for g in left] == ["follow"]
    assert (await client.get("/api/v2/notifications/ungrouped-abc", headers=alice.auth)).status_code == 404


async def test_partial_accounts_and_bad_parameters(
    client: httpx.AsyncClient, alice: Caller, bob: Caller, carol: Caller
) -> None:
    status_id = await post(client, alice, "liked")
    await favourite(client, bob, status_id)
    await favourite(client, carol, status_id)
    body = (
        await client.get("/api/v2/notifications?expand_accounts=partial_avatars", headers=alice.auth)
    ).json()
    assert {a["username"] for a in body["accounts"]} == {"carol", "alice"}
    assert [set(a) for a in body["partial_accounts"]] == [
        {"id", "acct", "locked", "bot", "url", "avatar", "avatar_static"}
    ]
    bad = await client.get("/api/v2/notifications?expand_accounts=all", headers=alice.auth)
    assert bad.status_code == 400 and "error" in bad.json()
    assert (await client.get("/api/v2/notifications")).status_code == 401


def test_a_group_spans_at_most_twelve_hours(runtime: Runtime, alice: Caller, bob: Caller) -> None:
    start = datetime(2026, 11, 29, 8, 30, tzinfo=UTC)
    recipient, sender = alice.account.id, bob.account.id
    with runtime.db.session() as session:

        def notified(at: datetime) -> str | None:
            key = notification_groups.key_for(session, recipient, "follow", None, at)
            session.add(
                Notification(account_id=recipient, from_account_id=sender, type="follow", group_key=key)
            )
            session.flush()
            return key

        first = notified(start)
        assert notified(start + timedelta(hours=11, minutes=20)) == first  # bucket 8 + 11 = 19
        later = notified(start + timedelta(hours=11, minutes=40))  # bucket 20: the span is over
        assert later != first
        assert notified(start + timedelta(hours=12)) == later
        assert notification_groups.key_for(session, recipient, "mention", None, start) is None
        favourite = notification_groups.key_for(session, recipient, "favourite", 42, start)
        assert favourite == f"favourite-42-{int(start.timestamp()) // 3600}"


async def test_by_default_the_policy_accepts_everything_and_holds_no_requests(
    client: httpx.AsyncClient, alice: Caller, bob: Caller
) -> None:
    policy = (await client.get("/api/v2/notifications/policy", headers=alice.auth)).json()
    assert policy["for_not_following"] == "accept" and policy["summary"]["pending_requests_count"] == 0
    await post(client, bob, "@alice hello from a stranger")  # not filtered: it is notified
    assert (await client.get("/api/v1/notifications/requests", headers=alice.auth)).json() == []
    assert [n["type"] for n in (await client.get("/api/v1/notifications", headers=alice.auth)).json()] == [
        "mention"
    ]
    assert (await client.get("/api/v1/notifications/requests/merged", headers=alice.auth)).json() == {
        "merged": True
    }
    assert (await client.get("/api/v1/notifications/requests/1", headers=alice.auth)).status_code == 404
