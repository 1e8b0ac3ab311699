"""The inbox: signatures as Mastodon sends them are accepted; anything forged stores nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select

from activitypub.testing import STATIC_KEYS, FakeRemote
from fedi.models.accounts import Account
from fedi.models.federation import InboxItem
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from tests.federation.helpers import BASE, create, note, post_activity, signed_headers

BOB = "https://remote.test/users/bob"
MALLORY = "https://evil.test/users/mallory"


@pytest.fixture
def bob(remote: FakeRemote) -> str:
    remote.add_actor("bob", key=STATIC_KEYS[1])
    remote.add_actor("mallory", host="evil.test", key=STATIC_KEYS[2])
    return BOB


def _count(runtime: Runtime, model: type) -> int:
    with runtime.db.reader() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def _statuses(runtime: Runtime) -> list[Status]:
    with runtime.db.reader() as session:
        return list(session.exec(select(Status)).all())


async def test_a_mastodon_style_signed_create_is_accepted_and_stored(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, bob: str, local_account: Account
) -> None:
    activity = create(bob, note(bob, f"{bob}/statuses/1", "<p>hi <script>x</script></p>"))
    response = await post_activity(client, activity, remote.key_pair(bob))
    assert response.status_code == 202
    [status] = _statuses(runtime)
    assert status.uri == f"{bob}/statuses/1"
    assert status.content == "<p>hi </p>"  # sanitised on the way in
    assert status.visibility == "public"
    # The key was fetched once, signed by our instance actor.
    [fetch] = [r for r in remote.requests if r.url.path == "/users/bob"]
    assert 'keyId="https://fedi.test/actor#main-key"' in fetch.headers["signature"]


async def test_an_rfc9421_signed_create_is_accepted(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, bob: str
) -> None:
    activity = create(bob, note(bob, f"{bob}/statuses/2"))
    response = await post_activity(client, activity, remote.key_pair(bob), scheme="rfc9421")
    assert response.status_code == 202
    assert [s.uri for s in _statuses(runtime)] == [f"{bob}/statuses/2"]


async def test_the_same_activity_twice_is_stored_once(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, bob: str
) -> None:
    activity = create(bob, note(bob, f"{bob}/statuses/3"))
    for _ in range(3):
        assert (await post_activity(client, activity, remote.key_pair(bob))).status_code == 202
    assert _count(runtime, InboxItem) == 1
    assert len(_statuses(runtime)) == 1


def _tampered(kind: str, bob_key: object, mallory_key: object) -> tuple[str, bytes, dict[str, str]]:
    """A request to /inbox broken in one way; returns (path, body, headers)."""
    from activitypub.client import KeyPair

    assert isinstance(bob_key, KeyPair) and isinstance(mallory_key, KeyPair)
    activity = create(BOB, note(BOB, f"{BOB}/statuses/9"))
    body = json.dumps(activity).encode()
    now = datetime.now(UTC)
    if kind == "date 14 hours old":
        return "/inbox", body, signed_headers("POST", "/inbox", body, bob_key, now=now - timedelta(hours=14))
    if kind == "date 2 hours ahead":
        return "/inbox", body, signed_headers("POST", "/inbox", body, bob_key, now=now + timedelta(hours=2))
    headers = signed_headers("POST", "/inbox", body, bob_key)
    if kind == "unparsable date":
        headers["Date"] = "yesterday at noon"
    elif kind == "missing digest":
        del headers["Digest"]
    elif kind == "wrong digest":
        headers["Digest"] = "SHA-256=" + "A" * 43 + "="
    elif kind == "digest not signed":
        headers["Signature"] = headers["Signature"].replace(" digest", "")
    elif kind == "other body":
        body = body.replace(b"statuses/9", b"statuses/8")
    elif kind == "key of another actor":
        headers = signed_headers("POST", "/inbox", body, mallory_key)
    elif kind == "no signature":
        del headers["Signature"]
    elif kind == "other path":
        headers = signed_headers("POST", "/users/alice/inbox", body, bob_key)
    return "/inbox", body, headers


@pytest.mark.parametrize(
    "kind",
    [
        "date 14 hours old",
        "date 2 hours ahead",
        "unparsable date",
        "missing digest",
        "wrong digest",
        "digest not signed",
        "other body",
        "key of another actor",
        "no signature",
        "other path",
    ],
)
async def test_bad_signatures_get_401_and_store_nothing(
    client: httpx.AsyncClient,
    runtime: Runtime,
    remote: FakeRemote,
    bob: str,
    local_account: Account,
    kind: str,
) -> None:
    path, body, headers = _tampered(kind, remote.key_pair(BOB), remote.key_pair(MALLORY))
    response = await client.post(path, content=body, headers=headers)
    assert response.status_code == 401, response.text
    assert response.json()["error"]
    assert _count(runtime, InboxItem) == 0
    assert _statuses(runtime) == []


async def test_unsigned_host_on_a_signed_get_is_refused(runtime: Runtime) -> None:
    """A signed GET must cover Host (Mastodon's rule; checked by the protocol library)."""
    from activitypub.errors import SignatureInvalid
    from activitypub.signatures.verify import verify_request

    key = STATIC_KEYS[1]
    headers = signed_headers("GET", "/users/alice", None, _pair(key), content_type=None)
    headers["Signature"] = headers["Signature"].replace(' host"', '"').replace(" host ", " ")
    with pytest.raises(SignatureInvalid):
        verify_request(
            "GET",
            BASE + "/users/alice",
            headers,
            b"",
            public_key_pem=key.public_key_pem,
            now=datetime.now(UTC),
        )


def _pair(key: object) -> object:
    from activitypub.client import KeyPair

    return KeyPair("https://remote.test/users/bob#main-key", key.private_key_pem)  # type: ignore[attr-defined]


async def test_a_body_over_one_megabyte_is_refused(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, bob: str
) -> None:
    activity = create(bob, note(bob, f"{bob}/statuses/4", "<p>" + "x" * 1_000_100 + "</p>"))
    response = await post_activity(client, activity, remote.key_pair(bob))
    assert response.status_code == 413
    assert _count(runtime, InboxItem) == 0


async def test_malformed_json_and_non_activities_are_400(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, bob: str
) -> None:
    for body in (b"{not json", b"[]", json.dumps({"type": "Create"}).encode()):
        headers = signed_headers("POST", "/inbox", body, remote.key_pair(bob))
        response = await client.post("/inbox", content=body, headers=headers)
        assert response.status_code == 400
    assert _count(runtime, InboxItem) == 0


async def test_unknown_activity_types_are_accepted_and_ignored(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, bob: str
) -> None:
    activity = {"id": f"{bob}#emoji-react/1", "type": "EmojiReact", "actor": bob, "object": f"{bob}/x"}
    response = await post_activity(client, activity, remote.key_pair(bob))
    assert response.status_code == 202
    with runtime.db.reader() as session:
        [item] = session.exec(select(InboxItem)).all()
    assert item.state == "ignored"


async def test_authorized_fetch_serves_documents_to_signed_requests_only(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, bob: str, local_account: Account
) -> None:
    runtime.settings.federation.authorized_fetch = True
    accept = {"Accept": "application/activity+json"}
    assert (await client.get("/users/alice", headers=accept)).status_code == 401
    headers = accept | signed_headers("GET", "/users/alice", None, remote.key_pair(bob), content_type=None)
    response = await client.get("/users/alice", headers=headers)
    assert response.status_code == 200 and response.json()["id"] == "https://fedi.test/users/alice"
    # The instance actor stays public: it is how others check our own signatures.
    assert (await client.get("/actor", headers=accept)).status_code == 200


async def test_a_signature_for_our_https_url_verifies_behind_a_tls_proxy(
    runtime: Runtime, remote: FakeRemote, bob: str
) -> None:
    """The proxy speaks plain http to us; the sender signed https://fedi.test/inbox (RFC 9421
    covers the scheme)."""
    from fedi.app import create_app

    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://fedi.test") as behind_proxy:
        activity = create(bob, note(bob, f"{bob}/statuses/30"))
        response = await post_activity(behind_proxy, activity, remote.key_pair(bob), scheme="rfc9421")
    assert response.status_code == 202
