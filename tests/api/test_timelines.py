"""Timelines and notifications, paged by Link headers as clients page them."""

from __future__ import annotations

import re

import httpx

from tests.api.conftest import Caller, image_bytes


def links(response: httpx.Response) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers.get("link", ""))}


async def post(client: httpx.AsyncClient, caller: Caller, text: str, **extra: object) -> str:
    response = await client.post("/api/v1/statuses", json={"status": text, **extra}, headers=caller.auth)
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


async def test_home_pages_by_link_headers(client: httpx.AsyncClient, alice: Caller, bob: Caller) -> None:
    await client.post(f"/api/v1/accounts/{bob.account.id}/follow", headers=alice.auth)
    ids = [await post(client, bob, f"post {n}") for n in range(5)]
    newest_first = list(reversed(ids))

    first = await client.get("/api/v1/timelines/home?limit=2", headers=alice.auth)
    assert [s["id"] for s in first.json()] == newest_first[:2]
    pages = links(first)
    assert pages["next"] == f"https://fedi.test/api/v1/timelines/home?limit=2&max_id={newest_first[1]}"
    assert pages["prev"] == f"https://fedi.test/api/v1/timelines/home?limit=2&min_id={newest_first[0]}"
    second = await client.get(pages["next"].removeprefix("https://fedi.test"), headers=alice.auth)
    assert [s["id"] for s in second.json()] == newest_first[2:4]
    newer = await client.get(f"/api/v1/timelines/home?min_id={ids[1]}&limit=2", headers=alice.auth)
    assert [s["id"] for s in newer.json()] == [ids[3], ids[2]]
    since = await client.get(f"/api/v1/timelines/home?since_id={ids[3]}", headers=alice.auth)
    assert [s["id"] for s in since.json()] == [ids[4]]
    end = await client.get(f"/api/v1/timelines/home?max_id={ids[0]}", headers=alice.auth)
    assert end.json() == [] and "link" not in end.headers
    clamped = await client.get("/api/v1/timelines/home?limit=5000", headers=alice.auth)
    assert len(clamped.json()) == 5


async def test_public_and_hashtag_timelines(client: httpx.AsyncClient, alice: Caller, bob: Caller) -> None:
    media_id = (
        await client.post(
            "/api/v2/media", files={"file": ("a.png", image_bytes(), "image/png")}, headers=bob.auth
        )
    ).json()["id"]
    plain = await post(client, alice, "hello #Sky")
    pictured = await post(client, bob, "picture #sky", media_ids=[media_id])
    await post(client, bob, "not for everyone", visibility="unlisted")
    await post(client, bob, "followers only", visibility="private")

    public = (await client.get("/api/v1/timelines/public")).json()
    assert [s["id"] for s in public] == [pictured, plain]
    local = (await client.get("/api/v1/timelines/public?local=true")).json()
    assert [s["id"] for s in local] == [pictured, plain]
    assert (await client.get("/api/v1/timelines/public?remote=true")).json() == []
    media_only = (await client.get("/api/v1/timelines/public?only_media=1")).json()
    assert [s["id"] for s in media_only] == [pictured]
    tagged = await client.get("/api/v1/timelines/tag/sky?limit=1")
    assert [s["id"] for s in tagged.json()] == [pictured]
    assert "tag/sky?limit=1&max_id=" in links(tagged)["next"]
    assert (await client.get("/api/v1/timelines/home")).status_code == 401


async def test_notifications_filter_dismiss_clear_and_markers(
    client: httpx.AsyncClient, alice: Caller, bob: Caller
) -> None:
    status = await post(client, alice, "notice me")
    await client.post(f"/api/v1/accounts/{alice.account.id}/follow", headers=bob.auth)
    await client.post(f"/api/v1/statuses/{status}/favourite", headers=bob.auth)
    await post(client, bob, "@alice hi")

    everything = (await client.get("/api/v1/notifications", headers=alice.auth)).json()
    assert [n["type"] for n in everything] == ["mention", "favourite", "follow"]
    only = await client.get("/api/v1/notifications?types[]=mention&types[]=follow", headers=alice.auth)
    assert [n["type"] for n in only.json()] == ["mention", "follow"]
    assert "types%5B%5D=mention&types%5B%5D=follow" in links(only)["next"]
    excluded = (await client.get("/api/v1/notifications?exclude_types[]=mention", headers=alice.auth)).json()
    assert [n["type"] for n in excluded] == ["favourite", "follow"]
    one = (await client.get(f"/api/v1/notifications/{everything[0]['id']}", headers=alice.auth)).json()
    assert (
        one["status"]["content"]
        == '<p><span class="h-card" translate="no"><a href="https://fedi.test/@alice" class="u-url mention">@<span>alice</span></a></span> hi</p>'
    )
    assert (
        await client.get(f"/api/v1/notifications/{everything[0]['id']}", headers=bob.auth)
    ).status_code == 404

    assert (await client.get("/api/v1/notifications/unread_count", headers=alice.auth)).json() == {"count": 3}
    saved = await client.post(
        "/api/v1/markers",
        data={"notifications[last_read_id]": everything[1]["id"], "home[last_read_id]": status},
        headers=alice.auth,
    )
    assert saved.json()["notifications"]["last_read_id"] == everything[1]["id"]
    markers = (
        await client.get("/api/v1/markers?timeline[]=home&timeline[]=notifications", headers=alice.auth)
    ).json()
    assert markers["home"]["last_read_id"] == status and markers["home"]["version"] == 1
    assert (await client.get("/api/v1/notifications/unread_count", headers=alice.auth)).json() == {"count": 1}

    dismissed = await client.post(f"/api/v1/notifications/{everything[0]['id']}/dismiss", headers=alice.auth)
    assert dismissed.status_code == 200
    assert len((await client.get("/api/v1/notifications", headers=alice.auth)).json()) == 2
    assert (await client.post("/api/v1/notifications/clear", headers=alice.auth)).status_code == 200
    assert (await client.get("/api/v1/notifications", headers=alice.auth)).json() == []


STUBS = [
    "/api/v1/lists",
    "/api/v1/filters",
    "/api/v2/filters",
    "/api/v1/custom_emojis",
    "/api/v1/announcements",
    "/api/v1/trends",
    "/api/v1/trends/tags",
    "/api/v1/trends/statuses",
    "/api/v1/trends/links",
    "/api/v1/suggestions",
    "/api/v2/suggestions",
    "/api/v1/followed_tags",
    "/api/v1/domain_blocks",
    "/api/v1/endorsements",
    "/api/v1/featured_tags",
    "/api/v1/conversations",
    "/api/v1/scheduled_statuses",
    "/api/v1/instance/peers",
    "/api/v1/bookmarks",
    "/api/v1/favourites",
    "/api/v1/blocks",
    "/api/v1/mutes",
    "/api/v1/follow_requests",
]


async def test_start_up_endpoints_answer_empty_shapes(client: httpx.AsyncClient, alice: Caller) -> None:
    for path in STUBS:
        response = await client.get(path, headers=alice.auth)
        assert response.status_code == 200 and response.json() == [], path
    for path in (
        f"/api/v1/accounts/{alice.account.id}/lists",
        f"/api/v1/accounts/{alice.account.id}/featured_tags",
    ):
        assert (await client.get(path, headers=alice.auth)).json() == []
    assert (await client.get("/api/v1/instance/rules")).json() == []
    assert (await client.get("/api/v1/markers", headers=alice.auth)).json() == {}
    assert (await client.get("/api/v1/lists")).status_code == 401
    health = await client.get("/api/v1/streaming/health")
    assert health.text == "OK"
