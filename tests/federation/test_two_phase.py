"""Fetch, then write: received activities never wait on a remote server inside a transaction;
what they need and lack is fetched first, and an activity still waiting is tried again later."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from activitypub.testing import STATIC_KEYS, FakeRemote
from activitypub.vocab import PUBLIC
from fedi.models.federation import InboxItem
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services.accounts import create_local_account
from fedi.services.federation import process, threads
from fedi.services.federation.recovery import INBOX_GRACE
from fedi.services.federation.retention import prune_inbox
from fedi.store import inbox as inbox_store
from tests.api.conftest import issue_token
from tests.federation.helpers import create, note, post_activity
from tests.federation.test_inbox_budgets import Gate, _runtime

BOB = "https://remote.test/users/bob"
SLOW = "https://slow.test/users/sam"
SLOW_POST = f"{SLOW}/statuses/1"


@pytest.fixture
def gate(remote: FakeRemote) -> Iterator[Gate]:
    remote.add_actor("bob", key=STATIC_KEYS[1])
    remote.add_actor("sam", host="slow.test", key=STATIC_KEYS[2])
    remote.add_object(SLOW_POST, note(SLOW, SLOW_POST, "<p>from a slow server</p>"))
    gate = Gate(remote)
    yield gate
    gate.release.set()


@pytest.fixture
def runtime(database_url: str, tmp_path: Path, gate: Gate) -> Iterator[Runtime]:
    # Retries are run by hand in these tests. Their delays must not be over by the time they are
    # queued, or the inline job queue runs them at once (and waits on the slow host again).
    runtime = _runtime(database_url, tmp_path, gate, retry_delay_scale=1.0)
    yield runtime
    runtime.close()


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    from fedi.app import create_app

    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url=runtime.settings.base_url) as client:
        yield client


def _announce(number: int, target: str = SLOW_POST) -> dict[str, object]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{BOB}/statuses/{number}/activity",
        "type": "Announce",
        "actor": BOB,
        "object": target,
        "to": [PUBLIC],
        "published": "2026-11-20T10:00:00Z",
    }


def _items(runtime: Runtime) -> list[InboxItem]:
    with runtime.db.reader() as session:
        return list(session.exec(select(InboxItem).order_by(InboxItem.id)).all())


def _statuses(runtime: Runtime) -> list[Status]:
    with runtime.db.reader() as session:
        return list(session.exec(select(Status).order_by(Status.id)).all())


def _wait_for_fetches(runtime: Runtime) -> None:
    deadline = time.monotonic() + 10
    while runtime.fetches.running() and time.monotonic() < deadline:
        time.sleep(0.02)


async def test_a_boost_of_a_post_on_a_slow_server_waits_outside_any_transaction(
    client: httpx.AsyncClient, runtime: Runtime, gate: Gate, remote: FakeRemote
) -> None:
    gate.held.add(SLOW_POST)
    # Processing runs inline in tests (immediate jobs): the delivery's answer includes it.
    delivery = asyncio.create_task(post_activity(client, _announce(1), remote.key_pair(BOB)))
    await asyncio.sleep(0.5)  # the fetch of the boosted post hangs now

    def write_something() -> float:
        started = time.monotonic()
        with runtime.db.session() as session:
            inbox_store.insert_new(session, [_row("https://remote.test/other", received=datetime.now(UTC))])
        return time.monotonic() - started

    # Nobody holds the database meanwhile: another writer goes straight through.
    assert await asyncio.to_thread(write_something) < 1.0
    assert (await delivery).status_code == 202
    item = next(i for i in _items(runtime) if i.activity_type == "Announce")
    assert item.state == "pending" and item.attempts == 1 and item.retry_at is not None
    assert [s.uri for s in _statuses(runtime)] == []

    gate.release.set()
    _wait_for_fetches(runtime)
    process.process(runtime, item.id)  # the requeued job, when its delay is over
    process.process(runtime, item.id)  # and once more: nothing happens twice
    item = next(i for i in _items(runtime) if i.activity_type == "Announce")
    assert item.state == "done"
    [boosted] = [s for s in _statuses(runtime) if s.reblog_of_id is None]
    [boost] = [s for s in _statuses(runtime) if s.reblog_of_id is not None]
    assert boosted.uri == SLOW_POST and boost.reblog_of_id == boosted.id
    assert sum(1 for r in remote.requests if str(r.url) == SLOW_POST) == 1


async def test_a_boost_of_a_post_that_is_gone_is_ignored_at_once(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote
) -> None:
    missing = f"{SLOW}/statuses/404"
    assert (await post_activity(client, _announce(2, missing), remote.key_pair(BOB))).status_code == 202
    [item] = _items(runtime)
    assert item.state == "ignored" and item.error == "ignored: boosted post could not be fetched"
    assert _statuses(runtime) == []


async def test_a_reply_is_stored_at_once_and_its_parent_fetched_later(
    client: httpx.AsyncClient, runtime: Runtime, gate: Gate, remote: FakeRemote
) -> None:
    gate.held.add(SLOW_POST)
    reply = note(BOB, f"{BOB}/statuses/7", "<p>replying</p>", inReplyTo=SLOW_POST)
    started = time.monotonic()
    assert (await post_activity(client, create(BOB, reply), remote.key_pair(BOB))).status_code == 202
    assert time.monotonic() - started < threads.WAIT_S + 2
    [stored] = _statuses(runtime)
    assert stored.in_reply_to_uri == SLOW_POST and stored.in_reply_to_id is None

    gate.release.set()
    _wait_for_fetches(runtime)
    threads.fetch_parent(runtime, stored.id, 1, 2)  # the rescheduled job
    threads.fetch_parent(runtime, stored.id, 1, 3)
    parent = next(s for s in _statuses(runtime) if s.uri == SLOW_POST)
    reply_now = next(s for s in _statuses(runtime) if s.id == stored.id)
    assert reply_now.in_reply_to_id == parent.id
    assert len(_statuses(runtime)) == 2


async def test_a_local_post_resolves_its_mentions_before_it_is_written(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    with runtime.db.session() as session:
        alice = create_local_account(
            session,
            runtime.urls,
            username="alice",
            email="a@x.org",
            password="12345678",
            passwords=runtime.passwords,
        )
    headers = {"Authorization": f"Bearer {issue_token(runtime, alice)}"}
    response = await client.post("/api/v1/statuses", json={"status": "hello @sam@slow.test"}, headers=headers)
    assert response.status_code == 200, response.text
    assert [m["acct"] for m in response.json()["mentions"]] == ["sam@slow.test"]


def test_the_sweep_leaves_postponed_items_alone_until_they_are_due(runtime: Runtime) -> None:
    now = datetime.now(UTC)
    with runtime.db.session() as session:
        rows = [
            _row("https://remote.test/a/1", received=now - timedelta(minutes=10)),
            _row("https://remote.test/a/2", received=now - timedelta(minutes=10)),
        ]
        created = inbox_store.insert_new(session, rows)
        inbox_store.postpone(
            session, created["https://remote.test/a/2"], attempts=3, retry_at=now + timedelta(minutes=30)
        )
    with runtime.db.reader() as session:
        due = inbox_store.pending_ids(session, now - INBOX_GRACE, limit=10)
    assert due == [created["https://remote.test/a/1"]]


def test_processed_activities_are_pruned_after_the_retention_and_pending_ones_kept(runtime: Runtime) -> None:
    now = datetime.now(UTC)
    old, recent = now - timedelta(days=8), now - timedelta(days=2)
    with runtime.db.session() as session:
        created = inbox_store.insert_new(
            session,
            [
                _row("https://remote.test/old-done", received=old, state="done", processed=old),
                _row("https://remote.test/old-ignored", received=old, state="ignored", processed=old),
                _row("https://remote.test/old-pending", received=old),
                _row("https://remote.test/recent-done", received=recent, state="done", processed=recent),
            ],
        )
    assert len(created) == 4
    assert prune_inbox(runtime, now=now) == 2
    kept = sorted(item.activity_id for item in _items(runtime))
    assert kept == ["https://remote.test/old-pending", "https://remote.test/recent-done"]
    # A redelivery of what is kept is still recognised as one.
    with runtime.db.session() as session:
        again = inbox_store.insert_new(session, [_row("https://remote.test/recent-done", received=now)])
    assert again == {}


def _row(
    activity_id: str, *, received: datetime, state: str = "pending", processed: datetime | None = None
) -> dict[str, object]:
    from fedi.ids import new_id

    return {
        "id": new_id(),
        "activity_id": activity_id,
        "activity_type": "Like",
        "actor_uri": BOB,
        "recipient_account_id": None,
        "payload": json.loads(json.dumps({"id": activity_id, "type": "Like", "actor": BOB})),
        "state": state,
        "attempts": 0,
        "received_at": received,
        "processed_at": processed,
    }


async def test_a_remix_of_a_remote_post_fetches_it_before_the_write(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, monkeypatch: pytest.MonkeyPatch
) -> None:
    enqueue = runtime.jobs.enqueue
    monkeypatch.setattr(  # the image itself is not the point here
        runtime.jobs,
        "enqueue",
        lambda name, *a, **o: None if name == "generate_image" else enqueue(name, *a, **o),
    )
    source = f"{SLOW}/statuses/9"
    made = {"model": "tiny", "prompt": "a green door", "seed": 3, "steps": 2, "width": 256, "height": 256}
    image = {
        "type": "Document",
        "mediaType": "image/png",
        "url": "https://slow.test/media/9.png",
        "name": "a door",
    }
    remote.add_object(source, note(SLOW, source, "<p>a door</p>", attachment=[image], generation=made))
    with runtime.db.session() as session:
        alice = create_local_account(
            session,
            runtime.urls,
            username="alice",
            email="a@x.org",
            password="12345678",
            passwords=runtime.passwords,
        )
    headers = {"Authorization": f"Bearer {issue_token(runtime, alice)}"}
    response = await client.post(
        "/api/v1/fedi/generations", json={"remix_of": source, "prompt": "a red door"}, headers=headers
    )
    assert response.status_code == 202, response.text
    assert response.json()["remix_of"] == source
    assert [s.uri for s in _statuses(runtime)] == [source]


async def test_a_search_for_a_posts_page_url_fetches_the_post_before_reading(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote
) -> None:
    post = f"{BOB}/statuses/5"
    page = "https://remote.test/@bob/5"
    remote.add_object(post, note(BOB, post, "<p>found me</p>", url=page))
    remote.add_object(page, note(BOB, post, "<p>found me</p>", url=page))  # what the page serves as JSON
    with runtime.db.session() as session:
        alice = create_local_account(
            session,
            runtime.urls,
            username="alice",
            email="a@x.org",
            password="12345678",
            passwords=runtime.passwords,
        )
    headers = {"Authorization": f"Bearer {issue_token(runtime, alice)}"}
    found = await client.get("/api/v2/search", params={"q": page, "resolve": "true"}, headers=headers)
    assert found.status_code == 200, found.text
    assert [s["uri"] for s in found.json()["statuses"]] == [post]
