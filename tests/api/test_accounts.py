"""Profiles, one's own credentials, relationships, and finding people (here and elsewhere)."""

from __future__ import annotations

import httpx

from activitypub.testing import FakeRemote
from fedi.runtime import Runtime
from tests.api.conftest import Caller, image_bytes, issue_token, local_caller


async def test_update_credentials_from_a_multipart_form(client: httpx.AsyncClient, alice: Caller) -> None:
    response = await client.patch(
        "/api/v1/accounts/update_credentials",
        data={
            "display_name": "Alice A.",
            "note": "I draw with #diffusion",
            "locked": "1",
            "bot": "true",
            "fields_attributes[0][name]": "Site",
            "fields_attributes[0][value]": "https://alice.example",
            "fields_attributes[1][name]": "Pronouns",
            "fields_attributes[1][value]": "she/her",
            "source[privacy]": "unlisted",
            "source[sensitive]": "on",
            "source[language]": "fr",
        },
        files={"avatar": ("me.jpg", image_bytes("JPEG", (800, 600)), "image/jpeg")},
        headers=alice.auth,
    )
    assert response.status_code == 200, response.text
    me = response.json()
    assert me["display_name"] == "Alice A." and me["locked"] is True and me["bot"] is True
    assert 'href="https://fedi.test/tags/diffusion"' in me["note"]
    assert me["source"]["note"] == "I draw with #diffusion"
    assert [f["name"] for f in me["fields"]] == ["Site", "Pronouns"]
    assert '<a href="https://alice.example"' in me["fields"][0]["value"]
    assert me["source"]["fields"][0]["value"] == "https://alice.example"
    assert (me["source"]["privacy"], me["source"]["sensitive"], me["source"]["language"]) == (
        "unlisted",
        True,
        "fr",
    )
    assert me["avatar"].startswith("https://fedi.test/media/avatars/")
    avatar = await client.get(me["avatar"].removeprefix("https://fedi.test"))
    assert avatar.status_code == 200

    preferences = (await client.get("/api/v1/preferences", headers=alice.auth)).json()
    assert preferences["posting:default:visibility"] == "unlisted"
    post = (
        await client.post("/api/v1/statuses", json={"status": "default visibility"}, headers=alice.auth)
    ).json()
    assert post["visibility"] == "unlisted"

    too_many = {f"fields_attributes[{i}][name]": f"f{i}" for i in range(5)}
    refused = await client.patch("/api/v1/accounts/update_credentials", data=too_many, headers=alice.auth)
    assert refused.status_code == 422 and refused.json()["field"] == "fields_attributes"


async def test_relationships_follow_block_mute_and_notes(
    client: httpx.AsyncClient, alice: Caller, bob: Caller
) -> None:
    bob_id = str(bob.account.id)
    followed = (
        await client.post(f"/api/v1/accounts/{bob_id}/follow", data={"notify": "true"}, headers=alice.auth)
    ).json()
    assert followed["following"] is True and followed["notifying"] is True
    noted = await client.post(
        f"/api/v1/accounts/{bob_id}/note", json={"comment": "met at the gallery"}, headers=alice.auth
    )
    assert noted.json()["note"] == "met at the gallery"
    found = (
        await client.get(f"/api/v1/accounts/relationships?id[]={bob_id}&id[]=999", headers=alice.auth)
    ).json()
    assert [r["id"] for r in found] == [bob_id, "999"]
    assert found[0]["following"] is True and found[0]["note"] == "met at the gallery"
    followers = (await client.get(f"/api/v1/accounts/{bob_id}/followers")).json()
    assert [a["username"] for a in followers] == ["alice"]
    following = (await client.get(f"/api/v1/accounts/{alice.account.id}/following")).json()
    assert [a["username"] for a in following] == ["bob"]

    muted = (await client.post(f"/api/v1/accounts/{bob_id}/mute", headers=alice.auth)).json()
    assert muted["muting"] is True and muted["muting_notifications"] is True
    assert [a["id"] for a in (await client.get("/api/v1/mutes", headers=alice.auth)).json()] == [bob_id]
    assert (await client.post(f"/api/v1/accounts/{bob_id}/unmute", headers=alice.auth)).json()[
        "muting"
    ] is False
    blocked = (await client.post(f"/api/v1/accounts/{bob_id}/block", headers=alice.auth)).json()
    assert blocked["blocking"] is True and blocked["following"] is False
    assert [a["id"] for a in (await client.get("/api/v1/blocks", headers=alice.auth)).json()] == [bob_id]
    assert (await client.post(f"/api/v1/accounts/{bob_id}/unblock", headers=alice.auth)).json()[
        "blocking"
    ] is False


async def test_follow_requests_of_a_locked_account(
    client: httpx.AsyncClient, alice: Caller, bob: Caller
) -> None:
    await client.patch("/api/v1/accounts/update_credentials", data={"locked": "true"}, headers=alice.auth)
    requested = (await client.post(f"/api/v1/accounts/{alice.account.id}/follow", headers=bob.auth)).json()
    assert requested["requested"] is True and requested["following"] is False
    me = (await client.get("/api/v1/accounts/verify_credentials", headers=alice.auth)).json()
    assert me["source"]["follow_requests_count"] == 1
    pending = (await client.get("/api/v1/follow_requests", headers=alice.auth)).json()
    assert [a["username"] for a in pending] == ["bob"]
    answer = await client.post(f"/api/v1/follow_requests/{bob.account.id}/authorize", headers=alice.auth)
    assert answer.json()["followed_by"] is True
    assert (await client.get("/api/v1/follow_requests", headers=alice.auth)).json() == []
    again = await client.post(f"/api/v1/follow_requests/{bob.account.id}/reject", headers=alice.auth)
    assert again.status_code == 404


async def test_account_statuses_with_filters(client: httpx.AsyncClient, alice: Caller) -> None:
    async def post(**body: object) -> str:
        return (await client.post("/api/v1/statuses", json=body, headers=alice.auth)).json()["id"]

    media_id = (
        await client.post(
            "/api/v2/media", files={"file": ("a.png", image_bytes(), "image/png")}, headers=alice.auth
        )
    ).json()["id"]
    plain = await post(status="plain #art")
    pictured = await post(status="picture", media_ids=[media_id])
    reply = await post(status="thread", in_reply_to_id=plain)
    await client.post(f"/api/v1/statuses/{plain}/pin", headers=alice.auth)
    base = f"/api/v1/accounts/{alice.account.id}/statuses"

    async def ids(query: str) -> list[str]:
        return [s["id"] for s in (await client.get(f"{base}?{query}")).json()]

    assert await ids("") == [reply, pictured, plain]
    assert await ids("only_media=true") == [pictured]
    assert await ids("exclude_replies=1") == [reply, pictured, plain]  # a self-reply stays (a thread)
    assert await ids("pinned=true") == [plain]
    assert await ids("tagged=art") == [plain]
    assert await ids("limit=1") == [reply]


async def test_lookup_and_search_find_people(
    client: httpx.AsyncClient, alice: Caller, bob: Caller, remote: FakeRemote, runtime: Runtime
) -> None:
    assert (await client.get("/api/v1/accounts/lookup?acct=bob")).json()["id"] == str(bob.account.id)
    assert (await client.get("/api/v1/accounts/lookup?acct=carol@remote.test")).status_code == 404

    found = (await client.get("/api/v1/accounts/search?q=bo", headers=alice.auth)).json()
    assert [a["username"] for a in found] == ["bob"]
    remote.add_actor("carol", host="remote.test")
    anonymous = await client.get("/api/v2/search?q=@carol@remote.test&resolve=true")
    assert anonymous.status_code == 401
    unresolved = (await client.get("/api/v2/search?q=@carol@remote.test", headers=alice.auth)).json()
    assert unresolved["accounts"] == []
    resolved = (
        await client.get("/api/v2/search?q=@carol@remote.test&resolve=true", headers=alice.auth)
    ).json()
    assert [a["acct"] for a in resolved["accounts"]] == ["carol@remote.test"]
    remote_account = resolved["accounts"][0]
    assert remote_account["avatar"].startswith("https://fedi.test/static/")  # the default image
    assert (await client.get("/api/v1/accounts/lookup?acct=carol@remote.test")).status_code == 200

    await client.post(
        "/api/v1/statuses", json={"status": "#Watercolour and #watermelons"}, headers=alice.auth
    )
    tags = (await client.get("/api/v2/search?q=%23water&type=hashtags")).json()
    assert [t["name"] for t in tags["hashtags"]] == ["Watercolour", "watermelons"]
    assert tags["accounts"] == [] and tags["statuses"] == []

    status = (await client.post("/api/v1/statuses", json={"status": "find me"}, headers=bob.auth)).json()
    by_url = (await client.get("/api/v2/search", params={"q": status["uri"]}, headers=alice.auth)).json()
    assert [s["id"] for s in by_url["statuses"]] == [status["id"]]


async def test_apps_can_sign_people_up_when_registrations_are_open(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    from sqlmodel import select

    from fedi.models.accounts import User

    app_token = issue_token(runtime, None, scopes="read write")
    headers = {"Authorization": f"Bearer {app_token}"}
    form = {
        "username": "newbie",
        "email": "newbie@example.org",
        "password": "long enough",
        "agreement": "true",
    }
    closed = await client.post("/api/v1/accounts", data=form, headers=headers)
    assert closed.status_code == 403
    runtime.settings.instance.registrations_open = True
    missing = await client.post("/api/v1/accounts", data={**form, "agreement": "false"}, headers=headers)
    assert missing.status_code == 422 and missing.json()["field"] == "agreement"
    signed_up = await client.post("/api/v1/accounts", data=form, headers=headers)
    assert signed_up.status_code == 200, signed_up.text
    token = signed_up.json()["access_token"]
    me = await client.get("/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "newbie"
    taken = await client.post("/api/v1/accounts", data=form, headers=headers)
    assert taken.status_code == 422
    with runtime.db.reader() as session:
        assert len(session.exec(select(User).where(User.email == "newbie@example.org")).all()) == 1


async def test_removing_the_avatar_and_header(client: httpx.AsyncClient, alice: Caller) -> None:
    files = {
        "avatar": ("a.png", image_bytes(), "image/png"),
        "header": ("h.png", image_bytes(size=(300, 100)), "image/png"),
    }
    me = (await client.patch("/api/v1/accounts/update_credentials", files=files, headers=alice.auth)).json()
    avatar_path = me["avatar"].removeprefix("https://fedi.test")
    assert (await client.get(avatar_path)).status_code == 200
    removed = await client.delete("/api/v1/profile/avatar", headers=alice.auth)
    assert removed.status_code == 200
    assert removed.json()["avatar"].startswith("https://fedi.test/static/")  # the default image
    assert removed.json()["header"] == me["header"]
    assert (await client.get(avatar_path)).status_code == 404  # the file is gone
    header = (await client.delete("/api/v1/profile/header", headers=alice.auth)).json()
    assert header["header"].startswith("https://fedi.test/static/")
    assert (
        await client.delete("/api/v1/profile/avatar", headers=alice.auth)
    ).status_code == 200  # again: no-op
    assert (await client.delete("/api/v1/profile/banner", headers=alice.auth)).status_code == 404


async def test_familiar_followers_and_the_directory(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, bob: Caller
) -> None:
    carol, dave = local_caller(runtime, "carol"), local_caller(runtime, "dave")
    await client.post(f"/api/v1/accounts/{carol.account.id}/follow", headers=alice.auth)
    await client.post(f"/api/v1/accounts/{bob.account.id}/follow", headers=carol.auth)
    await client.post(f"/api/v1/accounts/{bob.account.id}/follow", headers=dave.auth)
    found = await client.get(
        f"/api/v1/accounts/familiar_followers?id[]={bob.account.id}&id[]={dave.account.id}",
        headers=alice.auth,
    )
    assert [(f["id"], [a["username"] for a in f["accounts"]]) for f in found.json()] == [
        (str(bob.account.id), ["carol"]),  # dave follows bob too, but alice does not follow dave
        (str(dave.account.id), []),
    ]

    for caller, text in ((bob, "first"), (dave, "second")):
        await client.post("/api/v1/statuses", json={"status": text}, headers=caller.auth)
    await client.patch(
        "/api/v1/accounts/update_credentials", data={"discoverable": "false"}, headers=dave.auth
    )
    active = (await client.get("/api/v1/directory?order=active")).json()
    assert [a["username"] for a in active] == ["bob"]  # dave opted out; the others never posted
    new = [a["username"] for a in (await client.get("/api/v1/directory?order=new&local=true")).json()]
    assert new[:3] == ["carol", "bob", "alice"] and "dave" not in new
    assert [
        a["username"] for a in (await client.get("/api/v1/directory?order=new&offset=1&limit=1")).json()
    ] == ["bob"]
    assert (await client.get("/api/v1/directory?order=popular")).status_code == 422


async def test_endorsing_followed_accounts(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, bob: Caller
) -> None:
    carol = local_caller(runtime, "carol")
    refused = await client.post(f"/api/v1/accounts/{bob.account.id}/endorse", headers=alice.auth)
    assert refused.status_code == 422 and "follow" in refused.json()["error"]
    for someone in (bob, carol):
        await client.post(f"/api/v1/accounts/{someone.account.id}/follow", headers=alice.auth)
    endorsed = await client.post(f"/api/v1/accounts/{bob.account.id}/endorse", headers=alice.auth)
    assert endorsed.json()["endorsed"] is True
    assert (await client.post(f"/api/v1/accounts/{carol.account.id}/pin", headers=alice.auth)).json()[
        "endorsed"
    ]
    mine = await client.get("/api/v1/endorsements?limit=1", headers=alice.auth)
    assert [a["username"] for a in mine.json()] == ["carol"] and 'rel="next"' in mine.headers["link"]
    theirs = await client.get(f"/api/v1/accounts/{alice.account.id}/endorsements")
    assert [a["username"] for a in theirs.json()] == ["carol", "bob"]
    relationship = (
        await client.get(f"/api/v1/accounts/relationships?id[]={bob.account.id}", headers=alice.auth)
    ).json()
    assert relationship[0]["endorsed"] is True
    await client.post(f"/api/v1/accounts/{carol.account.id}/unpin", headers=alice.auth)
    await client.post(
        f"/api/v1/accounts/{bob.account.id}/unfollow", headers=alice.auth
    )  # takes the endorsement
    assert (await client.get("/api/v1/endorsements", headers=alice.auth)).json() == []


async def test_several_accounts_at_once(client: httpx.AsyncClient, alice: Caller, bob: Caller) -> None:
    found = await client.get(f"/api/v1/accounts?id[]={bob.account.id}&id[]=999&id[]={alice.account.id}")
    assert [a["username"] for a in found.json()] == ["bob", "alice"]
    too_many = "&".join(f"id[]={n}" for n in range(1, 50))
    assert (await client.get(f"/api/v1/accounts?{too_many}")).status_code == 422
    assert (await client.get("/api/v1/instance/translation_languages")).json() == {}


async def test_suggestions_are_friends_of_friends(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, bob: Caller
) -> None:
    carol, dave, erin = (local_caller(runtime, name) for name in ("carol", "dave", "erin"))
    await client.post(f"/api/v1/accounts/{bob.account.id}/follow", headers=alice.auth)
    await client.post(f"/api/v1/accounts/{carol.account.id}/follow", headers=alice.auth)
    for follower in (bob, carol):
        await client.post(f"/api/v1/accounts/{dave.account.id}/follow", headers=follower.auth)
    await client.post(f"/api/v1/accounts/{erin.account.id}/follow", headers=bob.auth)
    await client.post(f"/api/v1/accounts/{alice.account.id}/follow", headers=bob.auth)  # alice herself: never
    v2 = (await client.get("/api/v2/suggestions", headers=alice.auth)).json()
    assert [(s["account"]["username"], s["sources"]) for s in v2] == [
        ("dave", ["friends_of_friends"]),  # followed by two of alice's follows
        ("erin", ["friends_of_friends"]),
    ]
    await client.post(f"/api/v1/accounts/{erin.account.id}/mute", headers=alice.auth)
    await client.post(f"/api/v1/accounts/{dave.account.id}/follow", headers=alice.auth)
    assert (await client.get("/api/v1/suggestions", headers=alice.auth)).json() == []
