"""A real fedi server on loopback, driven by Mastodon.py and the `websockets` client.

The server runs as `python -m fedi serve` in a subprocess (SQLite, embedded jobs); people sign in
through the HTML pages over HTTP exactly as a browser would.
"""

from __future__ import annotations

import io
import json
import queue
import threading
import time
from collections.abc import Iterator

import pytest
from mastodon import Mastodon, MastodonAPIError, MastodonUnauthorizedError, StreamListener
from PIL import Image
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from tests.api.live import SCOPES, Server, running_server, sign_in

pytestmark = pytest.mark.slow
PEOPLE = {"alice": "alice@example.org", "bob": "bob@example.org"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("server"), PEOPLE) as running:
        yield running


class Listener(StreamListener):  # type: ignore[misc]
    def __init__(self) -> None:
        self.updates: queue.Queue[dict] = queue.Queue()
        self.live = threading.Event()

    def on_update(self, status: dict) -> None:
        self.updates.put(status)

    def handle_heartbeat(self) -> None:
        self.live.set()


def png(color: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), color).save(buffer, format="PNG")
    return buffer.getvalue()


def test_mastodon_py_signs_in_posts_reads_and_streams(server: Server) -> None:
    alice, bob = sign_in(server, "alice"), sign_in(server, "bob")
    me = alice.account_verify_credentials()
    assert me.username == "alice" and me.source.privacy == "public"
    bob_account = bob.account_verify_credentials()
    alice.account_follow(bob_account.id)

    media = alice.media_post(png("navy"), mime_type="image/png", description="A navy rectangle")
    assert media.url and media.description == "A navy rectangle"
    posted = alice.status_post("My first image", media_ids=[media], spoiler_text="colour", sensitive=True)
    assert posted.spoiler_text == "colour" and posted.media_attachments[0].description == "A navy rectangle"
    for n in range(3):
        bob.status_post(f"bob says {n}")

    page = alice.timeline_home(limit=2)
    assert [s.content for s in page] == ["<p>bob says 2</p>", "<p>bob says 1</p>"]
    older = alice.fetch_next(page)
    assert [s.content for s in older] == ["<p>bob says 0</p>", "<p>My first image</p>"]
    assert posted.id in [s.id for s in alice.timeline_public(limit=10)]
    assert [s.id for s in alice.timeline_local(limit=1)] == [alice.timeline_home(limit=1)[0].id]

    target = bob.timeline_home(limit=1)[0]
    assert alice.status_favourite(target).favourited is True
    assert alice.status_reblog(target).reblog.id == target.id
    alice.status_reply(target, "nice one")
    kinds = {n.type for n in bob.notifications()}
    assert {"favourite", "reblog", "mention", "follow"} <= kinds

    listener = Listener()
    handle = alice.stream_user(listener, run_async=True)
    try:
        assert listener.live.wait(10), "the stream never said hello"
        streamed = bob.status_post("hello, stream")
        assert listener.updates.get(timeout=10).id == streamed.id
        token = alice.access_token
        alice.revoke_access_token(allow_http=True)
        handle.join(timeout=5)
        assert not handle.is_alive(), "the stream outlived its token"
    finally:
        handle.close()
    with pytest.raises(MastodonUnauthorizedError):
        Mastodon(access_token=token, api_base_url=server.base).account_verify_credentials()


def test_websocket_streaming_and_revocation(server: Server) -> None:
    alice, bob = sign_in(server, "alice"), sign_in(server, "bob")
    alice.account_follow(bob.account_verify_credentials().id)
    url = server.base.replace("http://", "ws://") + "/api/v1/streaming"
    with ws_connect(url, subprotocols=[alice.access_token]) as ws:  # type: ignore[list-item]
        ws.send(json.dumps({"type": "subscribe", "stream": "user"}))
        ws.send("sync")
        assert "error" in json.loads(ws.recv(timeout=5))
        streamed = bob.status_post("over the websocket")
        event = json.loads(ws.recv(timeout=5))
        assert event["event"] == "update" and event["stream"] == ["user"]
        assert json.loads(event["payload"])["id"] == streamed.id

        alice.revoke_access_token(allow_http=True)
        revoked_at = time.monotonic()
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=2)
        assert time.monotonic() - revoked_at < 1.0


def test_mastodon_py_admin_methods(server: Server) -> None:
    """A moderation app's calls: accounts, an action that resolves a report, reports, domain blocks."""
    assert "alice is now admin" in server.fedi("accounts", "role", "alice", "admin")
    admin = sign_in(server, "alice", [*SCOPES, "admin:read", "admin:write"])
    bob = sign_in(server, "bob")
    with pytest.raises(MastodonAPIError):  # bob has no role
        sign_in(server, "bob", [*SCOPES, "admin:read"]).admin_accounts()
    bob_id = bob.account_verify_credentials().id
    rude = bob.status_post("something rude")

    # Mastodon.py declares the v1 list as one AdminAccount, so its items stay plain dicts.
    listed = admin.admin_accounts()
    assert {a["username"] for a in listed} >= {"alice", "bob"}
    assert next(a for a in listed if a["username"] == "bob")["email"] == "bob@example.org"
    assert admin.admin_account(bob_id).account.acct == "bob"

    first = admin.report(bob_id, status_ids=[rude.id], comment="rude", category="other")
    second = admin.report(bob_id, comment="again")
    queued = admin.admin_reports()
    assert {r.id for r in queued} == {first.id, second.id}
    shown = next(r for r in queued if r.id == first.id)
    assert shown.target_account.username == "bob" and [s.id for s in shown.statuses] == [rude.id]

    admin.admin_account_moderate(bob_id, "silence", report_id=first.id, text="calm down")
    assert admin.admin_account(bob_id).silenced is True
    assert [r.id for r in admin.admin_reports()] == [second.id]
    resolved = admin.admin_report_resolve(second.id)
    assert resolved.action_taken is True and resolved.action_taken_by_account.username == "alice"
    assert admin.admin_reports() == []
    assert {r.id for r in admin.admin_reports(resolved=True)} == {first.id, second.id}
    assert admin.admin_account_unsilence(bob_id).silenced is False

    block = admin.admin_create_domain_block("spam.example", severity="suspend", public_comment="spam")
    assert block.domain == "spam.example" and block.severity == "suspend"
    assert [b.domain for b in admin.admin_domain_blocks()] == ["spam.example"]
    changed = admin.admin_update_domain_block(block.id, severity="silence", reject_media=True)
    assert changed.severity == "silence" and changed.reject_media is True
    assert admin.admin_domain_blocks(id=block.id).public_comment == "spam"
    admin.admin_delete_domain_block(block.id)
    assert admin.admin_domain_blocks() == []
    log = server.fedi("reports", "list", "--resolved")
    assert "alice -> bob" in log
