"""Deliveries: durable, retried on Mastodon's schedule, once per inbox, stopped by 410."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from activitypub.testing import STATIC_KEYS, FakeRemote
from fedi.composition import build_runtime
from fedi.models.accounts import Account
from fedi.models.federation import Delivery, OutboxActivity, Peer
from fedi.runtime import Runtime
from fedi.services import relationships, statuses
from fedi.services.federation import delivery
from fedi.services.federation import remote as remote_service
from fedi.services.system import ensure_system_accounts
from tests.conftest import make_test_settings

BOB = "https://remote.test/users/bob"


@pytest.fixture
def fast_runtime(database_url: str, tmp_path: Path, remote: FakeRemote) -> Iterator[Runtime]:
    settings = make_test_settings(tmp_path / "data", database_url, federation={"retry_delay_scale": 0.0001})
    runtime = build_runtime(settings, immediate_jobs=True, transport=remote.transport())
    ensure_system_accounts(runtime)
    yield runtime
    runtime.close()


def _alice_with_follower(runtime: Runtime, remote: FakeRemote, *followers: str) -> Account:
    from fedi.services.accounts import create_local_account

    fetched = [remote_service.actor(runtime, actor).result(timeout=10) for actor in followers]
    with runtime.db.session() as session:
        alice = create_local_account(
            session,
            runtime.urls,
            username="alice",
            email="a@x.org",
            password="12345678",
            passwords=runtime.passwords,
        )
        for follower in fetched:
            relationships.received_follow(session, runtime, follower, alice, f"{follower.uri}#follows/1")
    return alice


def _post(runtime: Runtime, author: Account, text: str) -> int:
    with runtime.db.session() as session:
        status = statuses.create(session, runtime, author, statuses.StatusDraft(text=text))
        return status.id


def _deliveries(runtime: Runtime, activity_type: str) -> list[Delivery]:
    with runtime.db.reader() as session:
        stmt = select(Delivery).join(OutboxActivity).where(OutboxActivity.activity_type == activity_type)
        return list(session.exec(stmt).all())


def _run_due(runtime: Runtime, activity_id: int, *, rounds: int = 20) -> None:
    """What the scheduler does: run the fan-out again whenever a retry falls due."""
    for _ in range(rounds):
        time.sleep(0.05)
        delivery.fan_out(runtime, activity_id)


def test_an_inbox_that_fails_three_times_gets_the_activity_exactly_once(
    fast_runtime: Runtime, remote: FakeRemote
) -> None:
    remote.add_actor("bob", key=STATIC_KEYS[1])
    alice = _alice_with_follower(fast_runtime, remote, BOB)
    remote.respond_with("https://remote.test/inbox", [503, 503, 503])
    _post(fast_runtime, alice, "third time lucky")
    [row] = _deliveries(fast_runtime, "Create")
    assert row.state == "pending" and row.attempts == 1  # the first attempt failed at once
    _run_due(fast_runtime, row.activity_id)
    [row] = _deliveries(fast_runtime, "Create")
    assert row.state == "delivered" and row.attempts == 4
    attempts = [r for r in remote.requests if r.method == "POST" and r.url.path == "/inbox"]
    creates = [json.loads(r.content) for r in attempts if json.loads(r.content)["type"] == "Create"]
    assert len(creates) == 4  # three failures and one success...
    received = [a for a in remote.inbox if a["type"] == "Create"]
    assert len(received) == 1  # ...and the inbox holds it once
    assert all("signature" in r.headers and "digest" in r.headers for r in attempts)


def test_followers_on_one_server_get_one_delivery_to_its_shared_inbox(
    fast_runtime: Runtime, remote: FakeRemote
) -> None:
    for name in ("bob", "carol", "dave"):
        remote.add_actor(name, key=STATIC_KEYS[1])
    alice = _alice_with_follower(
        fast_runtime, remote, *(f"https://remote.test/users/{n}" for n in ("bob", "carol", "dave"))
    )
    _post(fast_runtime, alice, "hello everyone")
    rows = _deliveries(fast_runtime, "Create")
    assert [r.inbox_url for r in rows] == ["https://remote.test/inbox"]
    assert rows[0].state == "delivered"


def test_a_410_stops_deliveries_to_that_inbox(fast_runtime: Runtime, remote: FakeRemote) -> None:
    remote.add_actor("bob", key=STATIC_KEYS[1])
    alice = _alice_with_follower(fast_runtime, remote, BOB)
    with fast_runtime.db.session() as session:
        bob = session.exec(select(Account).where(Account.uri == BOB)).one()
        bob.shared_inbox_url = None  # deliver to the personal inbox
        session.add(bob)
    remote.respond_with(f"{BOB}/inbox", [410])
    _post(fast_runtime, alice, "are you there?")
    [row] = _deliveries(fast_runtime, "Create")
    assert row.state == "gone"
    _post(fast_runtime, alice, "anyone?")
    assert len(_deliveries(fast_runtime, "Create")) == 1  # the gone actor is no longer a recipient
    with fast_runtime.db.reader() as session:
        assert session.exec(select(Account).where(Account.uri == BOB)).one().deleted_at is not None


def test_retries_follow_mastodons_schedule() -> None:
    delays = [delivery.retry_delay(n).total_seconds() for n in range(1, delivery.MAX_ATTEMPTS)]
    for n, delay in enumerate(delays, start=1):
        # n⁴ + 15 s, plus Mastodon's jitter of up to half of n⁴ and up to 9·(n + 1) s.
        assert n**4 + 15 <= delay <= n**4 + 15 + 0.5 * n**4 + 9 * (n + 1)
    total_days = sum(delays) / 86_400
    assert 1.8 < total_days < 3.5


def test_a_failing_host_trips_the_circuit_breaker(fast_runtime: Runtime, remote: FakeRemote) -> None:
    names = [f"user{i}" for i in range(delivery.CIRCUIT_THRESHOLD + 2)]
    for name in names:
        remote.add_actor(name, host="down.test", key=STATIC_KEYS[1])
    alice = _alice_with_follower(fast_runtime, remote, *(f"https://down.test/users/{n}" for n in names))
    with fast_runtime.db.session() as session:
        for account in session.exec(select(Account).where(Account.domain == "down.test")).all():
            account.shared_inbox_url = None
            session.add(account)
    for name in names:
        remote.respond_with(f"https://down.test/users/{name}/inbox", [503] * 5)
    _post(fast_runtime, alice, "into the void")
    with fast_runtime.db.reader() as session:
        peer = session.get(Peer, "down.test")
    assert peer is not None and peer.circuit_open_until is not None
    tried = len([r for r in remote.requests if r.method == "POST"])
    [activity_id] = {r.activity_id for r in _deliveries(fast_runtime, "Create")}
    delivery.fan_out(fast_runtime, activity_id)
    assert len([r for r in remote.requests if r.method == "POST"]) == tried  # nothing sent while open
