"""A serving process killed with SIGKILL loses no queued work and does none of it twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from fedi.composition import build_runtime
from fedi.config import load_settings
from fedi.models.accounts import Account, acct_key
from fedi.models.federation import Delivery
from fedi.models.relationships import Follow
from fedi.runtime import Runtime
from fedi.services import statuses
from fedi.services.accounts import create_local_account
from fedi.services.federation import delivery
from fedi.services.system import ensure_system_accounts
from tests.support.processes import Server, free_port, receiver, stats, wait_for, write_config

pytestmark = pytest.mark.slow


@pytest.fixture
def instance(tmp_path: Path, database_url: str, request: pytest.FixtureRequest) -> tuple[Path, int]:
    port = free_port()
    federation = getattr(request, "param", {})
    config = write_config(
        tmp_path,
        port,
        database_url,
        federation={"allow_private_addresses": True, "allow_http": True, **federation},
    )
    return config, port


def _runtime(config: Path) -> Runtime:
    """This test's own handle on the instance's database and job queue (another process)."""
    runtime = build_runtime(load_settings(config))
    ensure_system_accounts(runtime)
    return runtime


def _author_with_followers(runtime: Runtime, receiver_url: str, count: int) -> Account:
    with runtime.db.session() as session:
        alice = create_local_account(
            session,
            runtime.urls,
            username="alice",
            email="a@x.org",
            password="12345678",
            passwords=runtime.passwords,
        )
        for number in range(count):
            uri = f"{receiver_url}/users/f{number}"
            follower = Account(
                username=f"f{number}",
                domain="127.0.0.1",
                acct_key=acct_key(f"f{number}", "127.0.0.1"),
                uri=uri,
                inbox_url=f"{uri}/inbox",
                public_key_id=f"{uri}#main-key",
            )
            session.add(follower)
            session.flush()
            session.add(
                Follow(account_id=follower.id, target_account_id=alice.id, uri=f"{uri}#follow", accepted=True)
            )
    return alice


def _post(runtime: Runtime, author: Account, text: str) -> None:
    with runtime.db.session() as session:
        statuses.create(session, runtime, author, statuses.StatusDraft(text=text))


def _deliveries(runtime: Runtime) -> list[Delivery]:
    with runtime.db.reader() as session:
        return list(session.exec(select(Delivery)).all())


@pytest.mark.parametrize("instance", [{"retry_delay_scale": 0.3}], indirect=True)
def test_a_job_queued_before_sigkill_runs_once_after_restart(instance: tuple[Path, int]) -> None:
    config, port = instance
    with receiver(free_port(), fail_first=1) as inbox:
        runtime = _runtime(config)
        alice = _author_with_followers(runtime, inbox, 1)
        server = Server(config, port).start()
        try:
            _post(runtime, alice, "hello from before the crash")
            # The first attempt fails (503): a retry is now queued in the job engine, seconds away.
            assert wait_for(
                lambda: [d.attempts for d in _deliveries(runtime)] == [1] and runtime.jobs.pending() == 1,
                timeout=20,
            )
            server.kill()
            assert _deliveries(runtime)[0].state == "pending"
            server = Server(config, port).start()
            delivered = wait_for(lambda: _deliveries(runtime)[0].state == "delivered", timeout=40)
            assert delivered, _diagnosis(runtime, server)
        finally:
            server.stop()
        received = stats(inbox)
        runtime.close()
    assert received["failed"] == 1
    [ids] = received["by_path"].values()
    assert len(ids) == 1  # delivered once after the restart, not twice
    assert _single(config).attempts == 2


def _diagnosis(runtime: Runtime, server: Server) -> str:
    from collections import Counter

    rows = _deliveries(runtime)
    states = Counter((d.state, d.attempts, d.lease_until is not None) for d in rows)
    return (
        f"deliveries (state, attempts, leased): {dict(states)}\nserver log:\n{server.log.read_text()[-3000:]}"
    )


def _single(config: Path) -> Delivery:
    runtime = build_runtime(load_settings(config))
    try:
        [row] = _deliveries(runtime)
        return row
    finally:
        runtime.close()


def test_a_fan_out_killed_halfway_delivers_every_remaining_inbox_after_restart(
    instance: tuple[Path, int],
) -> None:
    config, port = instance
    followers = 200
    with receiver(free_port(), delay=0.1) as inbox:
        runtime = _runtime(config)
        alice = _author_with_followers(runtime, inbox, followers)
        server = Server(config, port).start()
        try:
            _post(runtime, alice, "to two hundred inboxes")
            assert wait_for(lambda: stats(inbox)["posts"] >= 30, timeout=30)
            server.kill()
            before = {d.inbox_url for d in _deliveries(runtime) if d.state == "delivered"}
            at_kill = stats(inbox)["posts"]
            assert 0 < len(before) < followers, "the kill must land in the middle of the fan-out"
            server = Server(config, port).start()
            delivered = wait_for(
                lambda: all(d.state == "delivered" for d in _deliveries(runtime)), timeout=60
            )
            assert delivered, _diagnosis(runtime, server)
        finally:
            server.stop()
        received = stats(inbox)["by_path"]
        runtime.close()
    assert len(received) == followers  # every inbox got it
    assert all(len(set(ids)) == 1 for ids in received.values())  # one activity, counted by id
    resent = [path for path, ids in received.items() if len(ids) > 1]
    # Inboxes recorded as delivered before the kill were never sent to again; only requests in
    # flight at the moment of the kill, or answered but not yet recorded, could arrive twice,
    # and the sender never lets more than concurrency + RECORD_EVERY of those pile up.
    assert not [p for p in resent if f"{inbox}{p}" in before]
    bound = load_settings(config).federation.delivery_concurrency + delivery.RECORD_EVERY
    assert len(resent) <= bound, (at_kill, len(before), resent)
