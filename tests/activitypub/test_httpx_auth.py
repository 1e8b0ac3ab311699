from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest

from activitypub.signatures import HttpSignatureAuth, SignedBy, verify_request
from activitypub.signatures.cavage import parse_signature_header
from activitypub.testing import StaticKey

KEY_ID = "https://fedi.example/users/alice#main-key"


class Recorder:
    """A mock peer that verifies every request it receives, as Mastodon would."""

    def __init__(self, key: StaticKey, now: datetime) -> None:
        self.key = key
        self.now = now
        self.seen: list[tuple[httpx.Request, SignedBy]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        signed_by = verify_request(
            request.method,
            str(request.url),
            request.headers,
            body,
            public_key_pem=self.key.public_key_pem,
            now=self.now,
        )
        self.seen.append((request, signed_by))
        return httpx.Response(202)


def _clock(start: datetime) -> Iterator[datetime]:
    moment = start
    while True:
        yield moment
        moment += timedelta(seconds=1)


def test_sync_get_and_post_are_signed_like_mastodon(key: StaticKey, now: datetime) -> None:
    peer = Recorder(key, now)
    ticks = _clock(now)
    auth = HttpSignatureAuth(KEY_ID, key.private_key_pem, clock=lambda: next(ticks))
    with httpx.Client(transport=httpx.MockTransport(peer), auth=auth) as client:
        client.get("https://remote.example/users/bob?x=1", headers={"Accept": "application/activity+json"})
        client.post(
            "https://remote.example/inbox",
            content=b'{"a":1}',
            headers={"Content-Type": "application/activity+json"},
        )
    (get, get_by), (post, post_by) = peer.seen
    assert get_by == post_by == SignedBy(KEY_ID, "cavage")
    assert parse_signature_header(get.headers["signature"])["headers"] == "(request-target) host date accept"
    assert parse_signature_header(post.headers["signature"])["headers"] == (
        "(request-target) host date digest content-type"
    )
    assert "digest" not in get.headers
    # Signed at send time: each request carries its own Date.
    assert get.headers["date"] != post.headers["date"]


def test_retry_is_re_signed(key: StaticKey, now: datetime) -> None:
    peer = Recorder(key, now)
    ticks = _clock(now)
    auth = HttpSignatureAuth(KEY_ID, key.private_key_pem, clock=lambda: next(ticks))
    with httpx.Client(transport=httpx.MockTransport(peer)) as client:
        for _ in range(2):
            client.post("https://remote.example/inbox", content=b"{}", auth=auth)
    first, second = (request.headers["signature"] for request, _ in peer.seen)
    assert first != second


def test_rfc9421_scheme(key: StaticKey, now: datetime) -> None:
    peer = Recorder(key, now)
    auth = HttpSignatureAuth(KEY_ID, key.private_key_pem, scheme="rfc9421", clock=lambda: now)
    with httpx.Client(transport=httpx.MockTransport(peer), auth=auth) as client:
        client.post(
            "https://remote.example/inbox",
            content=b"{}",
            headers={"Content-Type": "application/activity+json"},
        )
    [(request, signed_by)] = peer.seen
    assert signed_by == SignedBy(KEY_ID, "rfc9421")
    assert "content-digest" in request.headers


@pytest.mark.anyio
async def test_async_client(key: StaticKey, now: datetime) -> None:
    peer = Recorder(key, now)
    auth = HttpSignatureAuth(KEY_ID, key.private_key_pem, clock=lambda: now)
    async with httpx.AsyncClient(transport=httpx.MockTransport(peer), auth=auth) as client:
        response = await client.post(
            "https://remote.example/inbox",
            content=b"{}",
            headers={"Content-Type": "application/activity+json"},
        )
    assert response.status_code == 202
    assert peer.seen[0][1] == SignedBy(KEY_ID, "cavage")
