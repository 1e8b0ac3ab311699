"""Every entity the API returns has the fields real clients require, with the right types."""

from __future__ import annotations

import httpx

from fedi.runtime import Runtime
from tests.api import entities
from tests.api.conftest import Caller, image_bytes


async def test_every_entity_has_what_clients_require(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, bob: Caller
) -> None:
    app = (
        await client.post(
            "/api/v1/apps", data={"client_name": "c", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}
        )
    ).json()
    entities.check(app, entities.APPLICATION)
    token = await client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        },
    )
    entities.check(token.json(), entities.TOKEN)

    me = (await client.get("/api/v1/accounts/verify_credentials", headers=alice.auth)).json()
    entities.check(me, entities.CREDENTIAL_ACCOUNT)
    assert me["avatar"].startswith("https://fedi.test/static/") and me["header"].startswith(
        "https://fedi.test/"
    )
    entities.check((await client.get(f"/api/v1/accounts/{bob.account.id}")).json(), entities.ACCOUNT)

    media = await client.post(
        "/api/v2/media",
        files={"file": ("a.png", image_bytes(), "image/png")},
        data={"description": "teal"},
        headers=alice.auth,
    )
    entities.check(media.json(), entities.MEDIA_ATTACHMENT)
    root = await client.post(
        "/api/v1/statuses",
        json={"status": "look #teal", "media_ids": [media.json()["id"]], "spoiler_text": "colour"},
        headers=alice.auth,
    )
    entities.check(root.json(), entities.STATUS)
    reply = await client.post(
        "/api/v1/statuses",
        json={"status": "@alice nice", "in_reply_to_id": root.json()["id"]},
        headers=bob.auth,
    )
    entities.check(reply.json(), entities.STATUS)
    assert reply.json()["mentions"][0]["acct"] == "alice"
    boost = await client.post(f"/api/v1/statuses/{root.json()['id']}/reblog", headers=bob.auth)
    entities.check(boost.json(), entities.STATUS)
    entities.check(boost.json()["reblog"], entities.STATUS)
    entities.check(
        (await client.get(f"/api/v1/statuses/{reply.json()['id']}/context")).json(), entities.CONTEXT
    )

    follow = await client.post(f"/api/v1/accounts/{bob.account.id}/follow", headers=alice.auth)
    entities.check(follow.json(), entities.RELATIONSHIP)
    notifications = (await client.get("/api/v1/notifications", headers=alice.auth)).json()
    assert {n["type"] for n in notifications} == {"mention", "reblog"}
    for item in notifications:
        entities.check(item, entities.NOTIFICATION)
        entities.check(item["status"], entities.STATUS)

    entities.check((await client.get("/api/v2/instance")).json(), entities.INSTANCE_V2)
    entities.check((await client.get("/api/v1/instance")).json(), entities.INSTANCE_V1)


async def test_instance_says_what_fedi_is_and_can_do(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller
) -> None:
    v2 = (await client.get("/api/v2/instance")).json()
    assert v2["version"] == "4.3.0 (compatible; fedi 0.1.0)"
    assert v2["api_versions"] == {"mastodon": 2}
    assert v2["configuration"]["urls"]["streaming"] == "wss://fedi.test"
    assert v2["configuration"]["statuses"]["max_characters"] == runtime.settings.api.max_characters
    assert "image/webp" in v2["configuration"]["media_attachments"]["supported_mime_types"]
    v1 = (await client.get("/api/v1/instance")).json()
    assert v1["urls"]["streaming_api"] == "wss://fedi.test" and v1["stats"]["user_count"] == 1
