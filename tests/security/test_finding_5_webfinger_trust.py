"""Finding 5: a WebFinger answer was trusted too far. A JRD whose subject named another account
(or whose self link pointed at an actor elsewhere) still created an account from its self link."""

from __future__ import annotations

from sqlmodel import select

from activitypub.testing import FakeRemote
from activitypub.vocab import ACTIVITY_JSON
from fedi.errors import FediError
from fedi.models.accounts import Account
from fedi.runtime import Runtime
from fedi.services.federation import remote as remote_actors


def _jrd(subject: str, actor: str) -> dict[str, object]:
    return {"subject": f"acct:{subject}", "links": [{"rel": "self", "type": ACTIVITY_JSON, "href": actor}]}


def _remote_accounts(runtime: Runtime) -> list[str]:
    with runtime.db.reader() as session:
        return [a.acct() for a in session.exec(select(Account).where(Account.domain.is_not(None))).all()]  # type: ignore[union-attr]


def _look_up(runtime: Runtime, username: str, host: str) -> Account | None:
    """@username@host as a search or a mention finds it: None when it cannot be used."""
    try:
        return remote_actors.handle(runtime, username, host).result(timeout=10)
    except FediError:
        return None


def test_finding_5_a_jrd_naming_another_subject_creates_no_account(
    runtime: Runtime, remote: FakeRemote
) -> None:
    remote.add_actor("mallory", host="evil.test")
    remote.add_jrd("bob@remote.test", _jrd("mallory@evil.test", "https://evil.test/users/mallory"))
    # evil.test itself does not vouch for that subject.
    remote.add_jrd("mallory@evil.test", _jrd("someone@evil.test", "https://evil.test/users/someone"))
    assert _look_up(runtime, "bob", "remote.test") is None
    assert _remote_accounts(runtime) == []


def test_finding_5_a_self_link_to_an_actor_that_its_host_does_not_confirm_creates_no_account(
    runtime: Runtime, remote: FakeRemote
) -> None:
    document = remote.add_actor("mallory", host="evil.test")
    remote.add_object("https://evil.test/users/mallory", {**document, "preferredUsername": "bob"})
    remote.add_jrd("bob@remote.test", _jrd("bob@remote.test", "https://evil.test/users/mallory"))
    # evil.test's own WebFinger does not know bob@evil.test.
    assert _look_up(runtime, "bob", "remote.test") is None
    assert _remote_accounts(runtime) == []


def test_finding_5_a_split_domain_confirmed_by_the_actors_own_webfinger_resolves(
    runtime: Runtime, remote: FakeRemote
) -> None:
    # alice@example.test lives at social.example.test, whose WebFinger confirms the actor.
    remote.add_actor("alice", host="social.example.test")
    actor = "https://social.example.test/users/alice"
    remote.add_jrd("alice@example.test", _jrd("alice@example.test", actor))
    found = _look_up(runtime, "alice", "example.test")
    assert found is not None and found.uri == actor
