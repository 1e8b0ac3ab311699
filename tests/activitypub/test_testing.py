from __future__ import annotations

from datetime import UTC, datetime

import httpx

from activitypub.client import ClientConfig, FederationClient
from activitypub.objects import ActorView
from activitypub.signatures import HttpSignatureAuth, signature_key_id, verify_request
from activitypub.testing import STATIC_KEYS, FakeRemote


def test_actor_shape_and_webfinger() -> None:
    remote = FakeRemote()
    doc = remote.add_actor("carol", host="peer.test", type="Service", manually_approves_followers=True)
    actor = ActorView(doc)
    assert actor.id == "https://peer.test/users/carol"
    assert actor.bot is True
    assert actor.manually_approves_followers is True
    assert actor.shared_inbox == "https://peer.test/inbox"
    assert actor.public_key_pem == STATIC_KEYS[1].public_key_pem
    with httpx.Client(transport=remote.transport()) as http:
        jrd = http.get("https://peer.test/.well-known/webfinger?resource=acct:CAROL@peer.test")
        assert jrd.status_code == 200
        assert jrd.json()["links"][0]["href"] == actor.id
        assert (
            http.get("https://peer.test/.well-known/webfinger?resource=acct:x@peer.test").status_code == 404
        )
        assert http.get("https://peer.test/.well-known/webfinger?resource=nonsense").status_code == 400
        assert http.get("https://peer.test/unknown").status_code == 404


def test_objects_with_status_and_content_type() -> None:
    remote = FakeRemote()
    remote.add_object(
        "https://peer.test/notes/1",
        {"id": "https://peer.test/notes/1", "type": "Tombstone"},
        status=410,
    )
    remote.add_object("https://peer.test/page", b"<html></html>", content_type="text/html")
    with httpx.Client(transport=remote.transport()) as http:
        assert http.get("https://peer.test/notes/1").status_code == 410
        page = http.get("https://peer.test/page")
        assert page.headers["content-type"] == "text/html"
        assert page.content == b"<html></html>"


def test_programmed_failures_then_normal_behaviour() -> None:
    remote = FakeRemote()
    bob = remote.add_actor("bob")
    remote.respond_with(bob["id"], [500, 200])
    with httpx.Client(transport=remote.transport()) as http:
        assert http.get(bob["id"]).status_code == 500
        assert http.get(bob["id"]).json()["id"] == bob["id"]
        assert http.get(bob["id"]).status_code == 200


def test_key_pair_signs_as_the_fake_actor() -> None:
    # The app's tests deliver "from" a fake remote actor to their own inbox like this.
    remote = FakeRemote()
    bob = remote.add_actor("bob", key=STATIC_KEYS[2])
    pair = remote.key_pair(bob["id"])
    assert pair.key_id == f"{bob['id']}#main-key"
    now = datetime(2025, 1, 1, tzinfo=UTC)
    auth = HttpSignatureAuth(pair.key_id, pair.private_key_pem, clock=lambda: now)
    request = httpx.Request("POST", "https://fedi.test/inbox", content=b"{}")
    signed = next(auth.auth_flow(request))
    signed_by = verify_request(
        "POST",
        str(signed.url),
        signed.headers,
        b"{}",
        public_key_pem=bob["publicKey"]["publicKeyPem"],
        now=now,
    )
    assert signed_by.key_id == pair.key_id


def test_inbox_records_posts_with_raw_requests() -> None:
    remote = FakeRemote()
    sender = remote.key_pair(remote.add_actor("sender")["id"])
    with FederationClient(ClientConfig(user_agent="t"), transport=remote.transport()) as client:
        client.post_activity("https://peer.test/inbox", b'{"type": "Like"}', signed_as=sender)
        client.post_activity("https://peer.test/users/x/inbox", b"not json", signed_as=sender)
    assert remote.inbox == [{"type": "Like"}, {}]
    assert [r.url.path for r in remote.inbox_requests] == ["/inbox", "/users/x/inbox"]
    assert remote.inbox_requests[1].content == b"not json"


def test_inbox_flow_end_to_end() -> None:
    """What fedi's inbox does: key id → fetch the key's actor → check owner → verify."""
    remote = FakeRemote()
    bob = remote.add_actor("bob")
    now = datetime(2025, 1, 1, tzinfo=UTC)
    pair = remote.key_pair(bob["id"])
    body = b'{"type": "Follow"}'
    request = httpx.Request("POST", "https://fedi.test/users/alice/inbox", content=body)
    request = next(HttpSignatureAuth(pair.key_id, pair.private_key_pem, clock=lambda: now).auth_flow(request))

    key_id = signature_key_id(request.headers)
    assert key_id is not None
    with FederationClient(ClientConfig(user_agent="t"), transport=remote.transport()) as client:
        actor = ActorView(client.fetch_object(key_id, signed_as=None))
    assert actor.public_key_id == key_id
    assert actor.public_key_owner == actor.id
    assert actor.public_key_pem is not None
    signed_by = verify_request(
        "POST",
        str(request.url),
        request.headers,
        body,
        public_key_pem=actor.public_key_pem,
        now=now,
    )
    assert signed_by.key_id == key_id
