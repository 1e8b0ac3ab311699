"""Origin checks: nobody speaks for another actor or another server, whatever they sign."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select

from activitypub.testing import STATIC_KEYS, FakeRemote
from fedi.models.accounts import Account
from fedi.models.federation import InboxItem
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from tests.federation.helpers import create, note, post_activity

BOB = "https://remote.test/users/bob"
MALLORY = "https://evil.test/users/mallory"
VICTIM = "https://victim.test/users/vic"


@pytest.fixture(autouse=True)
def actors(remote: FakeRemote) -> None:
    remote.add_actor("bob", key=STATIC_KEYS[1])
    remote.add_actor("mallory", host="evil.test", key=STATIC_KEYS[2])
    remote.add_actor("vic", host="victim.test", key=STATIC_KEYS[0])


def _status(runtime: Runtime, uri: str) -> Status | None:
    with runtime.db.reader() as session:
        return session.exec(select(Status).where(Status.uri == uri)).first()


def _count(runtime: Runtime) -> int:
    with runtime.db.reader() as session:
        return session.exec(select(func.count()).select_from(Status)).one()


async def test_an_activity_claiming_another_actor_is_refused(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote
) -> None:
    # Mallory signs with her own, valid key, but names Bob as the actor.
    forged = create(BOB, note(BOB, f"{BOB}/statuses/10", "<p>I am bob</p>"))
    response = await post_activity(client, forged, remote.key_pair(MALLORY))
    assert response.status_code == 401
    with runtime.db.reader() as session:
        assert session.exec(select(func.count()).select_from(InboxItem)).one() == 0
    assert _count(runtime) == 0


async def test_a_create_of_an_object_attributed_to_someone_else_does_not_land(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote
) -> None:
    # Same origin as the sender, but attributed to someone else on it.
    remote.add_actor("carol", key=STATIC_KEYS[0])
    carols = note(
        "https://remote.test/users/carol", f"{BOB}/statuses/11", "<p>words put in carol's mouth</p>"
    )
    assert (await post_activity(client, create(BOB, carols), remote.key_pair(BOB))).status_code == 202
    # Another origin entirely: the object is fetched from where it claims to live (404 there).
    victims = note(VICTIM, "https://victim.test/users/vic/statuses/12", "<p>vic never said this</p>")
    forged = create(BOB, victims, activity_id=f"{BOB}/activities/12")
    assert (await post_activity(client, forged, remote.key_pair(BOB))).status_code == 202
    assert _count(runtime) == 0


async def test_an_embedded_object_from_another_origin_is_refetched_from_its_origin(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote
) -> None:
    real_uri = "https://victim.test/users/vic/statuses/13"
    remote.add_object(real_uri, note(VICTIM, real_uri, "<p>what vic really said</p>"))
    forged_copy = note(VICTIM, real_uri, "<p>a forged copy</p>")
    announce = {
        "id": f"{BOB}/statuses/14/activity",
        "type": "Announce",
        "actor": BOB,
        "object": forged_copy,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    }
    assert (await post_activity(client, announce, remote.key_pair(BOB))).status_code == 202
    original = _status(runtime, real_uri)
    assert original is not None
    assert original.content == "<p>what vic really said</p>"
    boost = _status(runtime, f"{BOB}/statuses/14/activity")
    assert boost is not None and boost.reblog_of_id == original.id


async def test_a_delete_or_update_of_someone_elses_post_changes_nothing(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote
) -> None:
    uri = f"{BOB}/statuses/15"
    await post_activity(client, create(BOB, note(BOB, uri, "<p>bob's words</p>")), remote.key_pair(BOB))
    assert _status(runtime, uri) is not None
    delete = {"id": f"{MALLORY}#delete/1", "type": "Delete", "actor": MALLORY, "object": uri}
    assert (await post_activity(client, delete, remote.key_pair(MALLORY))).status_code == 202
    update = {
        "id": f"{MALLORY}#update/1",
        "type": "Update",
        "actor": MALLORY,
        "object": note(BOB, uri, "<p>rewritten by mallory</p>", updated="2026-11-21T00:00:00Z"),
    }
    assert (await post_activity(client, update, remote.key_pair(MALLORY))).status_code == 202
    kept = _status(runtime, uri)
    assert kept is not None and kept.content == "<p>bob's words</p>"
    # The author can.
    delete = {
        "id": f"{BOB}#delete/1",
        "type": "Delete",
        "actor": BOB,
        "object": {"id": uri, "type": "Tombstone"},
    }
    assert (await post_activity(client, delete, remote.key_pair(BOB))).status_code == 202
    assert _status(runtime, uri) is None


async def test_a_create_of_a_local_object_is_refused(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, local_account: Account
) -> None:
    ours = note(BOB, "https://fedi.test/users/alice/statuses/1", "<p>spoofed local post</p>")
    await post_activity(client, create(BOB, ours, activity_id=f"{BOB}/activities/1"), remote.key_pair(BOB))
    assert _count(runtime) == 0


async def test_a_delete_that_arrives_before_its_create_wins(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote
) -> None:
    uri = f"{BOB}/statuses/16"
    delete = {"id": f"{BOB}#delete/16", "type": "Delete", "actor": BOB, "object": uri}
    await post_activity(client, delete, remote.key_pair(BOB))
    await post_activity(client, create(BOB, note(BOB, uri)), remote.key_pair(BOB))
    assert _status(runtime, uri) is None


async def test_an_edit_cannot_widen_the_audience(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote
) -> None:
    uri = f"{BOB}/statuses/17"
    private = note(BOB, uri, "<p>for followers</p>", to=[f"{BOB}/followers"], cc=[])
    await post_activity(client, create(BOB, private), remote.key_pair(BOB))
    public = note(BOB, uri, "<p>for everyone</p>", updated="2026-11-21T00:00:00Z")
    update = {"id": f"{BOB}#updates/17", "type": "Update", "actor": BOB, "object": public}
    await post_activity(client, update, remote.key_pair(BOB))
    edited = _status(runtime, uri)
    assert edited is not None
    assert edited.content == "<p>for everyone</p>"
    assert edited.visibility == "private"
