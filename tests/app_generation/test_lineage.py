"""A post's lineage: the remix chain above it (across servers) and the remixes below it, local
and remote; the author of a remixed image is told, in a way stock clients understand."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from activitypub.testing import STATIC_KEYS, FakeRemote
from fedi.models.accounts import Account
from fedi.runtime import Runtime
from fedi.services.accounts import create_local_account
from tests.api.conftest import issue_token
from tests.federation.helpers import create, note, post_activity

BOB = "https://remote.test/users/bob"
ORIGIN = f"{BOB}/statuses/1"
MADE = {"model": "tiny", "prompt": "a green door", "seed": 3, "steps": 2, "width": 64, "height": 64}


@pytest.fixture
def alice(runtime: Runtime, local_account: Account) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(runtime, local_account)}"}


@pytest.fixture
def carol(runtime: Runtime) -> dict[str, str]:
    with runtime.db.session() as session:
        account = create_local_account(
            session,
            runtime.urls,
            username="carol",
            email="c@x.org",
            password="12345678",
            passwords=runtime.passwords,
        )
    return {"Authorization": f"Bearer {issue_token(runtime, account)}"}


async def _remix(client: httpx.AsyncClient, auth: dict[str, str], source: str, prompt: str) -> dict[str, Any]:
    made = await client.post(
        "/api/v1/fedi/generations", json={"remix_of": source, "prompt": prompt}, headers=auth
    )
    assert made.status_code == 202, made.text
    posted = await client.post(
        "/api/v1/statuses",
        json={"status": prompt, "media_ids": [made.json()["media_attachment"]["id"]]},
        headers=auth,
    )
    assert posted.status_code == 200, posted.text
    return dict(posted.json())


async def _lineage(client: httpx.AsyncClient, status_id: str, auth: dict[str, str] | None = None) -> Any:
    found = await client.get(f"/api/v1/fedi/statuses/{status_id}/lineage", headers=auth or {})
    assert found.status_code == 200, found.text
    return found.json()


async def test_a_three_generation_chain_across_two_servers(
    client: httpx.AsyncClient,
    runtime: Runtime,
    remote: FakeRemote,
    alice: dict[str, str],
    carol: dict[str, str],
) -> None:
    # bob's generated post on remote.test; alice remixes it here; carol remixes alice's remix.
    remote.add_actor("bob", key=STATIC_KEYS[1])
    image = {
        "type": "Document",
        "mediaType": "image/png",
        "url": "https://remote.test/m/1.png",
        "name": "door",
    }
    remote.add_object(ORIGIN, note(BOB, ORIGIN, "<p>a green door</p>", attachment=[image], generation=MADE))
    second = await _remix(client, alice, ORIGIN, "a red door")
    third = await _remix(client, carol, second["id"], "a blue door")

    middle = await _lineage(client, second["id"])
    assert [link["uri"] for link in middle["ancestors"]] == [ORIGIN]
    assert middle["ancestors"][0]["status"]["account"]["acct"] == "bob@remote.test"
    assert [link["uri"] for link in middle["descendants"]] == [third["uri"]]
    assert middle["descendants"][0]["status"]["fedi_generation"]["prompt"] == "a blue door"
    newest = await _lineage(client, third["id"])
    assert [link["uri"] for link in newest["ancestors"]] == [ORIGIN, second["uri"]]
    assert newest["descendants"] == []
    # The chain seen from its origin: both generations below it.
    with runtime.db.reader() as session:
        from fedi.store import statuses as status_store

        origin = status_store.by_uri(session, ORIGIN)
        assert origin is not None
    oldest = await _lineage(client, str(origin.id))
    assert [link["uri"] for link in oldest["descendants"]] == [second["uri"], third["uri"]]


async def test_a_remote_remix_of_a_local_image_reaches_its_lineage_and_its_author(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, alice: dict[str, str]
) -> None:
    original = (
        await client.post("/api/v1/statuses", json={"status": "/imagine a lantern --seed 5"}, headers=alice)
    ).json()
    remote.add_actor("bob", key=STATIC_KEYS[1])
    remix_uri = f"{BOB}/statuses/9"
    remixed = note(BOB, remix_uri, "<p>a red lantern</p>", remixOf=original["uri"], generation=MADE)
    delivered = await post_activity(client, create(BOB, remixed), remote.key_pair(BOB))
    assert delivered.status_code == 202

    found = await _lineage(client, original["id"])
    assert [link["uri"] for link in found["descendants"]] == [remix_uri]
    # Stock clients see a mention-like notification; clients that ask for fedi's type see it.
    plain = (await client.get("/api/v1/notifications", headers=alice)).json()
    assert [(n["type"], n["status"]["uri"]) for n in plain] == [("mention", remix_uri)]
    own = (await client.get("/api/v1/notifications", params={"types[]": "fedi_remix"}, headers=alice)).json()
    assert [n["type"] for n in own] == ["fedi_remix"]
    mentions = (
        await client.get("/api/v1/notifications", params={"types[]": "mention"}, headers=alice)
    ).json()
    assert [n["type"] for n in mentions] == ["mention"]
    hidden = (
        await client.get("/api/v1/notifications", params={"exclude_types[]": "mention"}, headers=alice)
    ).json()
    assert hidden == []


async def test_what_the_viewer_may_not_see_is_only_a_uri(
    client: httpx.AsyncClient, runtime: Runtime, alice: dict[str, str], carol: dict[str, str]
) -> None:
    original = (
        await client.post(
            "/api/v1/statuses",
            json={"status": "/imagine a kite --seed 2", "visibility": "private"},
            headers=alice,
        )
    ).json()
    remix = await _remix(client, alice, original["id"], "a red kite")
    # carol does not follow alice: the private origin is named, not shown.
    seen = await _lineage(client, remix["id"], carol)
    assert seen["ancestors"] == [{"uri": original["uri"], "status": None}]
    assert (await client.get("/api/v1/fedi/statuses/999/lineage")).status_code == 404


async def test_the_post_page_shows_where_an_image_came_from_and_what_came_from_it(
    client: httpx.AsyncClient, runtime: Runtime, alice: dict[str, str], carol: dict[str, str]
) -> None:
    original = (
        await client.post("/api/v1/statuses", json={"status": "/imagine a kite --seed 2"}, headers=alice)
    ).json()
    remix = await _remix(client, carol, original["id"], "a red kite")
    page = await client.get(f"/@alice/{original['id']}")
    assert page.status_code == 200
    assert "Remixed into" in page.text and f'href="/@carol/{remix["id"]}"' in page.text
    assert "Made from" not in page.text
    remix_page = await client.get(f"/@carol/{remix['id']}")
    assert "Made from" in remix_page.text and f'href="/@alice/{original["id"]}"' in remix_page.text
