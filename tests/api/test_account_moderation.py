"""Account moderation as users and other servers notice it: suspension (federated as Delete,
undone within 30 days), silence, sensitive, disable, warnings, notes, deletion, the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import select

from activitypub.testing import STATIC_KEYS, FakeRemote
from fedi.errors import Unprocessable
from fedi.models.accounts import Account, Role
from fedi.models.federation import Report
from fedi.models.moderation import AccountWarning, AdminAction, ModerationNote
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services import moderation
from fedi.services.accounts import create_local_account
from fedi.services.moderation import Action
from tests.api.conftest import Caller, issue_token
from tests.federation.helpers import create, note, post_activity

BOB = "https://remote.test/users/bob"


@pytest.fixture
def carol(runtime: Runtime) -> Caller:
    with runtime.db.session() as session:
        account = create_local_account(
            session,
            runtime.urls,
            username="carol",
            email="carol@example.org",
            password="battery staple",
            role=Role.MODERATOR,
            passwords=runtime.passwords,
        )
    return Caller(account, issue_token(runtime, account))


def _act(runtime: Runtime, who: Caller, target: Account, action: Action, **kwargs: object) -> None:
    with runtime.db.session() as session:
        moderation.act(session, runtime, target.id, action, by=session.get(Account, who.account.id), **kwargs)  # type: ignore[arg-type]


def _undo(runtime: Runtime, who: Caller, target: Account, action: Action) -> None:
    with runtime.db.session() as session:
        moderation.undo(session, runtime, target.id, action, by=session.get(Account, who.account.id))


async def _public(client: httpx.AsyncClient) -> list[str]:
    return [s["content"] for s in (await client.get("/api/v1/timelines/public")).json()]


async def test_a_local_suspension_federates_delete_and_can_be_undone(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, alice: Caller, carol: Caller
) -> None:
    remote.add_actor("bob", key=STATIC_KEYS[1])
    activity = create(BOB, note(BOB, f"{BOB}/statuses/1"))
    assert (await post_activity(client, activity, remote.key_pair(BOB))).status_code == 202
    posted = (await client.post("/api/v1/statuses", json={"status": "mine"}, headers=alice.auth)).json()
    remote.inbox.clear()

    _act(runtime, carol, alice.account, Action.SUSPEND, text="spam")
    [delete] = [a for a in remote.inbox if a.get("type") == "Delete"]
    assert delete["actor"] == alice.account.uri and delete["object"]["id"] == alice.account.uri
    assert (await client.get("/api/v1/accounts/verify_credentials", headers=alice.auth)).status_code == 401
    assert (await client.get(f"/api/v1/statuses/{posted['id']}", headers=carol.auth)).status_code == 404
    assert "<p>mine</p>" not in await _public(client)
    profile_posts = await client.get(f"/api/v1/accounts/{alice.account.id}/statuses", headers=carol.auth)
    assert profile_posts.json() == []
    assert (
        await client.get("/users/alice", headers={"Accept": "application/activity+json"})
    ).status_code == 404

    _undo(runtime, carol, alice.account, Action.SUSPEND)
    assert (await client.get(f"/api/v1/statuses/{posted['id']}", headers=carol.auth)).status_code == 200
    assert "<p>mine</p>" in await _public(client)
    profile_posts = await client.get(f"/api/v1/accounts/{alice.account.id}/statuses", headers=carol.auth)
    assert [s["id"] for s in profile_posts.json()] == [posted["id"]]
    with runtime.db.reader() as session:
        log = [(a.action, a.account_id) for a in session.exec(select(AdminAction)).all()]
        [warning] = session.exec(select(AccountWarning)).all()
    assert log == [("suspend", carol.account.id), ("unsuspend", carol.account.id)]
    assert warning.action == "suspend" and warning.text == "spam"


async def test_unsuspending_is_refused_after_thirty_days(
    runtime: Runtime, alice: Caller, carol: Caller
) -> None:
    _act(runtime, carol, alice.account, Action.SUSPEND)
    with runtime.db.session() as session:
        account = session.get(Account, alice.account.id)
        assert account is not None
        account.suspended_at = datetime.now(UTC) - timedelta(days=31)
        session.add(account)
    with pytest.raises(Unprocessable):
        _undo(runtime, carol, alice.account, Action.SUSPEND)
    assert moderation.purge_expired_suspensions(runtime) == 1
    with runtime.db.reader() as session:
        account = session.get(Account, alice.account.id)
        assert account is not None and account.deleted_at is not None


async def test_silence_sensitive_and_disable(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, bob: Caller, carol: Caller
) -> None:
    posted = (await client.post("/api/v1/statuses", json={"status": "loud"}, headers=bob.auth)).json()
    assert posted["sensitive"] is False
    _act(runtime, carol, bob.account, Action.SILENCE)
    _act(runtime, carol, bob.account, Action.SENSITIVE)
    assert "<p>loud</p>" not in await _public(client)
    shown = (await client.get(f"/api/v1/statuses/{posted['id']}", headers=alice.auth)).json()
    assert shown["sensitive"] is True and shown["account"]["limited"] is True
    _undo(runtime, carol, bob.account, Action.SILENCE)
    _undo(runtime, carol, bob.account, Action.SENSITIVE)
    assert "<p>loud</p>" in await _public(client)

    _act(runtime, carol, bob.account, Action.DISABLE)
    assert (await client.get("/api/v1/accounts/verify_credentials", headers=bob.auth)).status_code == 401
    _undo(runtime, carol, bob.account, Action.DISABLE)
    assert (await client.get("/api/v1/accounts/verify_credentials", headers=bob.auth)).status_code == 200


async def test_a_warning_resolves_its_report_and_notes_are_kept(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, bob: Caller, carol: Caller
) -> None:
    filed = (
        await client.post("/api/v1/reports", json={"account_id": str(bob.account.id)}, headers=alice.auth)
    ).json()
    with pytest.raises(Unprocessable):  # a report about someone else
        _act(runtime, carol, alice.account, Action.NONE, report_id=int(filed["id"]))
    with pytest.raises(Unprocessable):
        _act(runtime, carol, carol.account, Action.SUSPEND)
    _act(runtime, carol, bob.account, Action.NONE, text="be nice", report_id=int(filed["id"]))
    with runtime.db.session() as session:
        moderation.add_note(
            session, bob.account.id, "first warning given", by=session.get(Account, carol.account.id)
        )
    with runtime.db.reader() as session:
        report = session.get(Report, int(filed["id"]))
        assert report is not None and report.action_taken_by_account_id == carol.account.id
        [saved] = session.exec(select(ModerationNote)).all()
        assert saved.content == "first warning given"
        actions = [a.action for a in session.exec(select(AdminAction)).all()]
    assert actions == ["warn", "create_note"]


async def test_deleting_a_local_account(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, alice: Caller, carol: Caller
) -> None:
    remote.add_actor("bob", key=STATIC_KEYS[1])
    activity = create(BOB, note(BOB, f"{BOB}/statuses/1"))
    assert (await post_activity(client, activity, remote.key_pair(BOB))).status_code == 202
    await client.post("/api/v1/statuses", json={"status": "bye"}, headers=alice.auth)
    with runtime.db.session() as session:
        moderation.delete_local(session, runtime, alice.account.id, by=None)
    assert any(a.get("type") == "Delete" and a["object"]["id"] == alice.account.uri for a in remote.inbox)
    with runtime.db.reader() as session:
        assert all(s.account_id != alice.account.id for s in session.exec(select(Status)).all())
    with pytest.raises(Unprocessable):
        _undo(runtime, carol, alice.account, Action.SUSPEND)


async def test_pending_sign_ups_are_approved_or_rejected(runtime: Runtime, carol: Caller) -> None:
    with runtime.db.session() as session:
        pending = create_local_account(
            session,
            runtime.urls,
            username="dave",
            email="d@example.org",
            password="12345678",
            passwords=runtime.passwords,
        )
        other = create_local_account(
            session,
            runtime.urls,
            username="erin",
            email="e@example.org",
            password="12345678",
            passwords=runtime.passwords,
        )
        for account in (pending, other):
            user = moderation._user(session, account)
            user.approved = False
            session.add(user)
    with runtime.db.session() as session:
        moderation.approve(session, pending.id, by=session.get(Account, carol.account.id))
        moderation.reject(session, other.id, by=session.get(Account, carol.account.id))
    with runtime.db.reader() as session:
        assert session.get(Account, other.id) is None
        user = moderation._user(session, pending)
        assert user.approved


async def test_a_suspended_remote_account_is_refused_at_once(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, carol: Caller
) -> None:
    remote.add_actor("bob", key=STATIC_KEYS[1])
    first = create(BOB, note(BOB, f"{BOB}/statuses/1"))
    assert (await post_activity(client, first, remote.key_pair(BOB))).status_code == 202  # key now cached
    with runtime.db.reader() as session:
        [status] = session.exec(select(Status)).all()
    bob_id = status.account_id
    with runtime.db.session() as session:
        moderation.act(session, runtime, bob_id, Action.SUSPEND, by=session.get(Account, carol.account.id))
    second = create(BOB, note(BOB, f"{BOB}/statuses/2"))
    assert (await post_activity(client, second, remote.key_pair(BOB))).status_code == 403
    shown = (await client.get(f"/api/v1/statuses/{status.id}", headers=carol.auth)).status_code
    assert shown == 404
