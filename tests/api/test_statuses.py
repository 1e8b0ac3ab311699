"""Posting, reading, editing and deleting statuses, and acting on them."""

from __future__ import annotations

import httpx
from sqlalchemy import func
from sqlmodel import select

from fedi.models.statuses import Status
from fedi.runtime import Runtime
from tests.api.conftest import Caller, image_bytes


def count_statuses(runtime: Runtime) -> int:
    with runtime.db.reader() as session:
        return session.exec(select(func.count()).select_from(Status)).one()


async def post(client: httpx.AsyncClient, caller: Caller, **fields: object) -> dict:
    response = await client.post("/api/v1/statuses", json=fields, headers=caller.auth)
    assert response.status_code == 200, response.text
    return response.json()


async def test_post_read_and_delete_for_redraft(client: httpx.AsyncClient, alice: Caller) -> None:
    created = await post(
        client, alice, status="Hello #fedi", spoiler_text="greetings", visibility="unlisted", language="en"
    )
    assert created["content"].startswith("<p>Hello")
    assert created["spoiler_text"] == "greetings" and created["sensitive"] is True
    assert created["visibility"] == "unlisted" and created["language"] == "en"
    assert created["tags"] == [{"name": "fedi", "url": "https://fedi.test/tags/fedi"}]
    assert created["application"] == {"name": "tests", "website": None}

    shown = (await client.get(f"/api/v1/statuses/{created['id']}")).json()
    assert shown["id"] == created["id"]

    deleted = await client.delete(f"/api/v1/statuses/{created['id']}", headers=alice.auth)
    assert deleted.status_code == 200
    assert deleted.json()["text"] == "Hello #fedi"
    assert (await client.get(f"/api/v1/statuses/{created['id']}")).status_code == 404


async def test_form_bodies_with_rails_arrays(client: httpx.AsyncClient, alice: Caller) -> None:
    media = await client.post(
        "/api/v2/media", files={"file": ("a.png", image_bytes(), "image/png")}, headers=alice.auth
    )
    assert media.status_code == 200, media.text
    response = await client.post(
        "/api/v1/statuses",
        data={"status": "with a picture", "media_ids[]": [media.json()["id"]], "sensitive": "true"},
        headers=alice.auth,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [m["id"] for m in body["media_attachments"]] == [media.json()["id"]]
    assert body["sensitive"] is True


async def test_replies_build_a_context(client: httpx.AsyncClient, alice: Caller, bob: Caller) -> None:
    root = await post(client, alice, status="root")
    reply = await post(client, bob, status="@alice reply", in_reply_to_id=root["id"])
    assert reply["in_reply_to_id"] == root["id"]
    assert reply["in_reply_to_account_id"] == alice.account.id.__str__()
    context = (await client.get(f"/api/v1/statuses/{reply['id']}/context", headers=bob.auth)).json()
    assert [s["id"] for s in context["ancestors"]] == [root["id"]]
    assert context["descendants"] == []
    context = (await client.get(f"/api/v1/statuses/{root['id']}/context")).json()
    assert [s["id"] for s in context["descendants"]] == [reply["id"]]


async def test_actions_answer_the_status_as_the_viewer_sees_it(
    client: httpx.AsyncClient, alice: Caller, bob: Caller
) -> None:
    status = await post(client, alice, status="like me")
    sid = status["id"]
    favourited = (await client.post(f"/api/v1/statuses/{sid}/favourite", headers=bob.auth)).json()
    assert favourited["favourited"] is True and favourited["favourites_count"] == 1
    boost = (await client.post(f"/api/v1/statuses/{sid}/reblog", headers=bob.auth)).json()
    assert boost["reblog"]["id"] == sid and boost["reblogged"] is True
    bookmarked = (await client.post(f"/api/v1/statuses/{sid}/bookmark", headers=bob.auth)).json()
    assert bookmarked["bookmarked"] is True
    pinned = (await client.post(f"/api/v1/statuses/{sid}/pin", headers=alice.auth)).json()
    assert pinned["pinned"] is True

    by = (await client.get(f"/api/v1/statuses/{sid}/favourited_by")).json()
    assert [a["username"] for a in by] == ["bob"]
    by = (await client.get(f"/api/v1/statuses/{sid}/reblogged_by")).json()
    assert [a["username"] for a in by] == ["bob"]
    bookmarks = (await client.get("/api/v1/bookmarks", headers=bob.auth)).json()
    assert [s["id"] for s in bookmarks] == [sid]
    favourites = (await client.get("/api/v1/favourites", headers=bob.auth)).json()
    assert [s["id"] for s in favourites] == [sid]

    for action in ("unfavourite", "unreblog", "unbookmark"):
        assert (await client.post(f"/api/v1/statuses/{sid}/{action}", headers=bob.auth)).status_code == 200
    after = (await client.get(f"/api/v1/statuses/{sid}", headers=bob.auth)).json()
    assert (after["favourited"], after["reblogged"], after["bookmarked"]) == (False, False, False)
    assert after["favourites_count"] == 0 and after["reblogs_count"] == 0
    unpinned = (await client.post(f"/api/v1/statuses/{sid}/unpin", headers=alice.auth)).json()
    assert unpinned["pinned"] is False


async def test_edit_keeps_history_and_source(client: httpx.AsyncClient, alice: Caller) -> None:
    status = await post(client, alice, status="first draft")
    edited = await client.put(
        f"/api/v1/statuses/{status['id']}",
        json={"status": "second draft", "spoiler_text": "cw"},
        headers=alice.auth,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["edited_at"] is not None
    history = (await client.get(f"/api/v1/statuses/{status['id']}/history")).json()
    assert ["first draft" in h["content"] for h in history] == [True, False]
    assert history[-1]["spoiler_text"] == "cw"
    source = (await client.get(f"/api/v1/statuses/{status['id']}/source", headers=alice.auth)).json()
    assert source == {"id": status["id"], "text": "second draft", "spoiler_text": "cw"}


async def test_idempotency_key_makes_one_status(
    client: httpx.AsyncClient, alice: Caller, runtime: Runtime
) -> None:
    before = count_statuses(runtime)
    headers = {**alice.auth, "Idempotency-Key": "tusky-123"}
    first = await client.post("/api/v1/statuses", json={"status": "once"}, headers=headers)
    second = await client.post("/api/v1/statuses", json={"status": "once, edited"}, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert count_statuses(runtime) == before + 1


async def test_bad_statuses_are_refused_and_store_nothing(
    client: httpx.AsyncClient, alice: Caller, bob: Caller, runtime: Runtime
) -> None:
    bobs_media = await client.post(
        "/api/v2/media", files={"file": ("b.png", image_bytes(), "image/png")}, headers=bob.auth
    )
    own = [
        (
            await client.post(
                "/api/v2/media", files={"file": ("a.png", image_bytes(), "image/png")}, headers=alice.auth
            )
        ).json()["id"]
        for _ in range(5)
    ]
    before = count_statuses(runtime)
    cases = [
        ({"status": "x" * 501}, "status"),
        ({"status": "five", "media_ids": own}, "media_ids"),
        ({"status": "not mine", "media_ids": [bobs_media.json()["id"]]}, "media_ids"),
        ({"status": "   "}, "status"),
        ({"status": "nul\x00"}, "status"),
        ({"status": "bidi \u202e"}, "status"),
        ({"status": "vis", "visibility": "everyone"}, "visibility"),
    ]
    for body, field in cases:
        response = await client.post("/api/v1/statuses", json=body, headers=alice.auth)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["field"] == field
    assert count_statuses(runtime) == before


async def test_several_statuses_at_once(client: httpx.AsyncClient, alice: Caller, bob: Caller) -> None:
    public = (await client.post("/api/v1/statuses", json={"status": "one"}, headers=bob.auth)).json()["id"]
    private = (
        await client.post(
            "/api/v1/statuses", json={"status": "two", "visibility": "private"}, headers=bob.auth
        )
    ).json()["id"]
    own = (await client.post("/api/v1/statuses", json={"status": "three"}, headers=alice.auth)).json()["id"]
    query = f"id[]={own}&id[]={private}&id[]=12345&id[]={public}"
    found = await client.get(f"/api/v1/statuses?{query}", headers=alice.auth)
    assert [s["id"] for s in found.json()] == [own, public]  # asked order; unseen and unknown left out
    assert [s["id"] for s in (await client.get(f"/api/v1/statuses?{query}", headers=bob.auth)).json()] == [
        own,
        private,
        public,
    ]
    too_many = "&".join(f"id[]={n}" for n in range(1, 22))
    assert (await client.get(f"/api/v1/statuses?{too_many}")).status_code == 422
    assert (await client.get("/api/v1/statuses")).json() == []


async def test_muting_a_conversation(client: httpx.AsyncClient, alice: Caller, bob: Caller) -> None:
    async def say(caller: Caller, text: str, **extra: object) -> str:
        answer = await client.post("/api/v1/statuses", json={"status": text, **extra}, headers=caller.auth)
        return str(answer.json()["id"])

    async def notified() -> list[str]:
        found = (await client.get("/api/v1/notifications", headers=alice.auth)).json()
        return [n["status"]["id"] for n in found if "status" in n]

    root = await say(alice, "a thread")
    first = await say(bob, "@alice first", in_reply_to_id=root)
    muted = await client.post(f"/api/v1/statuses/{first}/mute", headers=alice.auth)
    assert muted.status_code == 200 and muted.json()["muted"] is True
    shown = (await client.get(f"/api/v1/statuses/{root}", headers=alice.auth)).json()
    assert shown["muted"] is True  # the whole thread
    assert (await client.get(f"/api/v1/statuses/{root}", headers=bob.auth)).json()["muted"] is False
    deeper = await say(bob, "@alice second", in_reply_to_id=first)
    await client.post(f"/api/v1/statuses/{root}/favourite", headers=bob.auth)
    elsewhere = await say(bob, "@alice another thread")
    assert await notified() == [elsewhere, first]
    thread = (await client.get(f"/api/v1/statuses/{deeper}/context", headers=alice.auth)).json()
    assert [s["muted"] for s in thread["ancestors"]] == [True, True]
    home = (await client.get("/api/v1/timelines/home", headers=bob.auth)).json()
    assert {s["id"]: s["muted"] for s in home} == {elsewhere: False, deeper: False, first: False}
    unmuted = await client.post(f"/api/v1/statuses/{deeper}/unmute", headers=alice.auth)
    assert unmuted.json()["muted"] is False
    third = await say(bob, "@alice third", in_reply_to_id=deeper)
    assert (await notified())[0] == third
