"""Instance domain blocks applied everywhere: the inbox, deliveries, fetches, stored data,
search and timelines; lifting a block restores federation for new activity."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select

from activitypub.testing import STATIC_KEYS, FakeRemote
from fedi.composition import build_runtime
from fedi.models.accounts import Account
from fedi.models.federation import Delivery, InboxItem, Report
from fedi.models.media import MediaAttachment
from fedi.models.moderation import AdminAction, Severity
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services import domain_blocks, relationships, statuses
from fedi.services.domain_blocks import BlockSettings
from fedi.services.federation import outbox
from fedi.services.federation.domain_policy import DomainPolicy
from fedi.store import accounts as account_store
from tests.api.conftest import issue_token
from tests.federation.helpers import create, note, post_activity

BOB = "https://remote.test/users/bob"
EVE = "https://sub.remote.test/users/eve"


@pytest.fixture
def bob(remote: FakeRemote) -> str:
    remote.add_actor("bob", key=STATIC_KEYS[1])
    remote.add_actor("eve", host="sub.remote.test", key=STATIC_KEYS[2])
    return BOB


def _count(runtime: Runtime, model: type, *where: object) -> int:
    with runtime.db.reader() as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def _block(runtime: Runtime, domain: str, **settings: object) -> int:
    with runtime.db.session() as session:
        return domain_blocks.create_block(session, runtime, domain, BlockSettings(**settings), by=None).id  # type: ignore[arg-type]


def _unblock(runtime: Runtime, block_id: int) -> None:
    with runtime.db.session() as session:
        domain_blocks.delete_block(session, runtime, block_id, by=None)


async def _deliver_post(
    client: httpx.AsyncClient, remote: FakeRemote, actor: str, n: int, **extra: object
) -> int:
    activity = create(actor, note(actor, f"{actor}/statuses/{n}", **extra))
    return (await post_activity(client, activity, remote.key_pair(actor))).status_code


def _public(runtime: Runtime) -> list[str]:
    from fedi.store import statuses as status_store
    from fedi.store.paging import Page

    with runtime.db.reader() as session:
        found = status_store.public(session, Page(limit=40), local=None, only_media=False, viewer_id=None)
        return [s.uri for s in found]


async def test_a_suspended_domain_is_refused_purged_and_unblocking_restores_it(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, bob: str, local_account: Account
) -> None:
    assert await _deliver_post(client, remote, bob, 1) == 202
    assert await _deliver_post(client, remote, EVE, 1) == 202
    with runtime.db.session() as session:
        alice = session.get(Account, local_account.id)
        follower = account_store.by_uri(session, bob)
        assert alice is not None and follower is not None
        relationships.received_follow(session, runtime, follower, alice, f"{bob}#follows/1")
    assert len(_public(runtime)) == 2

    block_id = _block(runtime, "Remote.Test", severity=Severity.SUSPEND)

    # Existing data is purged (the job ran), the accounts of the domain and below are suspended.
    assert _count(runtime, Status) == 0 and _public(runtime) == []
    with runtime.db.reader() as session:
        for uri in (bob, EVE):
            account = account_store.by_uri(session, uri)
            assert account is not None and account.suspended
    # Deliveries from the domain: 403 before any key lookup, nothing stored, no request sent.
    remote.requests.clear()
    assert await _deliver_post(client, remote, bob, 2) == 403
    assert await _deliver_post(client, remote, EVE, 2) == 403
    assert _count(runtime, InboxItem, InboxItem.activity_id.like("%/statuses/2/activity")) == 0  # type: ignore[attr-defined]
    # No delivery and no fetch go there either.
    with runtime.db.session() as session:
        alice = session.get(Account, local_account.id)
        assert alice is not None
        statuses.create(session, runtime, alice, statuses.StatusDraft(text="hello followers"))
    auth = {"Authorization": f"Bearer {issue_token(runtime, local_account)}"}
    for query in (f"{bob}/statuses/9", "@carl@remote.test", "bob"):
        found = (
            await client.get("/api/v2/search", params={"q": query, "resolve": "true"}, headers=auth)
        ).json()
        assert found["statuses"] == [] and found["accounts"] == [], query
    assert remote.requests == []
    with runtime.db.session() as session:
        alice = session.get(Account, local_account.id)
        assert alice is not None
        activity = {
            "id": "https://fedi.test/x",
            "type": "Like",
            "actor": alice.uri,
            "object": f"{bob}/statuses/1",
        }
        assert (
            outbox.send(session, runtime, alice, activity, [f"{bob}/inbox", "https://sub.remote.test/inbox"])
            is None
        )
    assert [d.activity_id for d in _all(runtime, Delivery) if d.state == "pending"] == []

    assert "remote.test" not in (await client.get("/api/v1/instance/peers")).json()

    _unblock(runtime, block_id)
    with runtime.db.reader() as session:
        account = account_store.by_uri(session, bob)
        assert account is not None and not account.suspended
    assert await _deliver_post(client, remote, bob, 3) == 202
    assert f"{bob}/statuses/3" in _public(runtime)
    with runtime.db.reader() as session:
        actions = [a.action for a in session.exec(select(AdminAction).order_by(AdminAction.id)).all()]  # type: ignore[arg-type]
    assert actions == ["create_domain_block", "destroy_domain_block"]


async def test_a_delivery_queued_before_the_block_never_leaves(
    client: httpx.AsyncClient,
    runtime: Runtime,
    remote: FakeRemote,
    bob: str,
    local_account: Account,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await _deliver_post(client, remote, bob, 1)
    with runtime.db.session() as session:
        alice = session.get(Account, local_account.id)
        follower = account_store.by_uri(session, bob)
        assert alice is not None and follower is not None
        relationships.received_follow(session, runtime, follower, alice, f"{bob}#follows/1")
    with monkeypatch.context() as patched:  # stored, not sent yet
        patched.setattr(runtime.jobs, "enqueue", lambda *args, **kwargs: None)
        with runtime.db.session() as session:
            alice = session.get(Account, local_account.id)
            assert alice is not None
            statuses.create(session, runtime, alice, statuses.StatusDraft(text="queued"))
    [queued] = [d for d in _all(runtime, Delivery) if d.state == "pending"]
    _block(runtime, "remote.test", severity=Severity.SUSPEND)
    remote.requests.clear()
    from fedi.services.federation import delivery

    delivery.fan_out(runtime, queued.activity_id)
    [done] = [d for d in _all(runtime, Delivery) if d.id == queued.id]
    assert done.state == "skipped" and done.last_error == "domain blocked"
    assert remote.requests == []


def _all(runtime: Runtime, model: type) -> list:
    with runtime.db.reader() as session:
        return list(session.exec(select(model)).all())


async def test_silence_hides_from_public_timelines_only(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, bob: str
) -> None:
    await _deliver_post(client, remote, bob, 1)
    block_id = _block(runtime, "remote.test", severity=Severity.SILENCE)
    assert _public(runtime) == []
    assert _count(runtime, Status) == 1  # kept, and still delivered
    assert await _deliver_post(client, remote, EVE, 1) == 202  # an account met later is silenced too
    assert _public(runtime) == []
    with runtime.db.reader() as session:
        eve = account_store.by_uri(session, EVE)
        assert eve is not None and eve.silenced
    _unblock(runtime, block_id)
    assert sorted(_public(runtime)) == sorted([f"{bob}/statuses/1", f"{EVE}/statuses/1"])


async def test_reject_media_and_reject_reports(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, bob: str, local_account: Account
) -> None:
    _block(runtime, "remote.test", severity=Severity.NOOP, reject_media=True, reject_reports=True)
    image = {
        "type": "Document",
        "mediaType": "image/png",
        "url": "https://remote.test/a.png",
        "blurhash": "LEHV6n",
    }
    assert await _deliver_post(client, remote, bob, 1, attachment=[image]) == 202
    [media] = _all(runtime, MediaAttachment)
    assert (
        media.type == "unknown" and media.blurhash is None and media.remote_url == "https://remote.test/a.png"
    )
    assert _public(runtime) == [f"{bob}/statuses/1"]  # noop: shown
    flag = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "https://remote.test/reports/1",
        "type": "Flag",
        "actor": bob,
        "content": "rejected",
        "object": [local_account.uri],
    }
    assert (await post_activity(client, flag, remote.key_pair(bob))).status_code == 202
    assert _all(runtime, Report) == []


async def test_the_public_list_of_blocks_obfuscates_when_asked(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    _block(
        runtime, "spam.example", severity=Severity.SUSPEND, public_comment="spam", private_comment="ops only"
    )
    _block(runtime, "verysecret.example", severity=Severity.SILENCE, obfuscate=True)
    _block(runtime, "media.example", severity=Severity.NOOP, reject_media=True)
    listed = (await client.get("/api/v1/instance/domain_blocks")).json()
    by_severity = {b["severity"]: b for b in listed}
    assert set(by_severity) == {"suspend", "silence"}
    assert by_severity["suspend"]["domain"] == "spam.example" and by_severity["suspend"]["comment"] == "spam"
    hidden = by_severity["silence"]["domain"]
    assert hidden != "verysecret.example" and "*" in hidden and hidden.endswith("e") and "." in hidden
    assert len(by_severity["silence"]["digest"]) == 64
    assert "ops only" not in str(listed)


@pytest.mark.parametrize("domain", ["", "not a domain", "https://x.example/", "fedi.test", "a" * 300])
async def test_bad_domains_are_refused(runtime: Runtime, domain: str) -> None:
    from fedi.errors import Unprocessable

    with pytest.raises(Unprocessable), runtime.db.session() as session:
        domain_blocks.create_block(session, runtime, domain, BlockSettings(), by=None)
    assert _all(runtime, AdminAction) == []


def test_allowlist_mode_and_a_cheap_check(runtime: Runtime) -> None:
    with runtime.db.session() as session:
        domain_blocks.create_allow(session, runtime, "friends.example", by=None)
    policy = DomainPolicy(runtime.db, allowlist_mode=True, local_host="fedi.test")
    assert not policy.suspended("friends.example") and not policy.suspended("a.friends.example")
    assert policy.suspended("stranger.example") and not policy.suspended("fedi.test")
    loads = 0
    real = policy._load

    def counted() -> object:
        nonlocal loads
        loads += 1
        return real()

    policy._snapshot = None
    policy._load = counted  # type: ignore[method-assign]
    started = time.perf_counter()
    for n in range(20_000):
        policy.suspended(f"host{n % 50}.example")
    elapsed = time.perf_counter() - started
    # One load for 20,000 checks is the point; the time bound leaves room for coverage tracing
    # on a loaded 2-core machine (1.2 s seen there, 0.1 s unloaded).
    assert loads == 1 and elapsed < 3.0, (loads, elapsed)


def test_a_stale_copy_answers_while_a_fresh_one_is_read(runtime: Runtime) -> None:
    from datetime import UTC, datetime

    from fedi.models.moderation import DomainBlock

    policy = DomainPolicy(runtime.db, allowlist_mode=False, local_host="fedi.test")
    assert not policy.suspended("late.example")
    with runtime.db.session() as session:  # another process blocks it
        session.add(DomainBlock(domain="late.example", severity="suspend", created_at=datetime.now(UTC)))
    assert not policy.suspended("late.example")  # within the refresh interval: the copy
    snapshot = policy._snapshot
    assert snapshot is not None
    policy._snapshot = type(snapshot)(snapshot.blocks, snapshot.allows, snapshot.loaded_at - 60)
    assert not policy.suspended("late.example")  # stale: answered at once, refreshed behind
    deadline = time.monotonic() + 5
    while not policy.suspended("late.example"):
        assert time.monotonic() < deadline, "the background refresh never happened"
        time.sleep(0.01)


async def test_follows_from_a_silenced_domain_need_approval(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, bob: str, local_account: Account
) -> None:
    _block(runtime, "remote.test", severity=Severity.SILENCE)
    follow = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{bob}#follows/1",
        "type": "Follow",
        "actor": bob,
        "object": local_account.uri,
    }
    assert (await post_activity(client, follow, remote.key_pair(bob))).status_code == 202
    auth = {"Authorization": f"Bearer {issue_token(runtime, local_account)}"}
    [request] = (await client.get("/api/v1/follow_requests", headers=auth)).json()
    assert request["acct"] == "bob@remote.test"
    assert not [a for a in remote.inbox if a.get("type") == "Accept"]


async def test_allowlist_mode_federates_only_with_allowed_domains(
    database_url: str, tmp_path: Path, remote: FakeRemote, bob: str
) -> None:
    from fedi.app import create_app
    from fedi.services.system import ensure_system_accounts
    from tests.conftest import make_test_settings

    settings = make_test_settings(tmp_path / "data", database_url, federation={"allowlist_mode": True})
    runtime = build_runtime(settings, immediate_jobs=True, transport=remote.transport())
    ensure_system_accounts(runtime)
    try:
        transport = httpx.ASGITransport(app=create_app(runtime))
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as client:
            assert await _deliver_post(client, remote, bob, 1) == 403
            assert remote.requests == [] and _count(runtime, InboxItem) == 0
            with runtime.db.session() as session:
                domain_blocks.create_allow(session, runtime, "remote.test", by=None)
            assert await _deliver_post(client, remote, bob, 2) == 202
            assert await _deliver_post(client, remote, EVE, 1) == 202  # a name under an allowed one
    finally:
        runtime.close()
