"""The streaming WebSocket and SSE endpoints, in process (Starlette's TestClient).

Subscriptions are confirmed by sending a malformed message after them: commands are handled in
order, so its error reply means the subscription before it is live.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select
from starlette.testclient import TestClient, WebSocketDenialResponse, WebSocketTestSession

from fedi.models.oauth import OAuthToken
from fedi.runtime import Runtime
from fedi.security.tokens import hash_secret
from fedi.services import oauth
from tests.api.conftest import Caller, issue_token
from tests.support.websocket import receive_json


def synced(ws: WebSocketTestSession) -> None:
    ws.send_text("not json")
    assert "error" in receive_json(ws)


def test_user_stream_renders_events_for_its_viewer(web: TestClient, alice: Caller, bob: Caller) -> None:
    with web.websocket_connect(f"/api/v1/streaming?access_token={alice.token}&stream=user") as ws:
        synced(ws)
        web.post(f"/api/v1/accounts/{bob.account.id}/follow", headers=alice.auth)
        posted = web.post("/api/v1/statuses", json={"status": "hello followers"}, headers=bob.auth).json()
        event = receive_json(ws)
        assert event["stream"] == ["user"] and event["event"] == "update"
        assert json.loads(event["payload"])["id"] == posted["id"]

        web.post(f"/api/v1/statuses/{posted['id']}/favourite", headers=alice.auth)
        own = web.post("/api/v1/statuses", json={"status": "mine"}, headers=alice.auth).json()
        assert json.loads(receive_json(ws)["payload"])["id"] == own["id"]
        web.post(f"/api/v1/statuses/{own['id']}/favourite", headers=bob.auth)
        notification = receive_json(ws)
        assert notification["event"] == "notification"
        assert json.loads(notification["payload"])["type"] == "favourite"

        web.delete(f"/api/v1/statuses/{posted['id']}", headers=bob.auth)
        assert receive_json(ws) == {"stream": ["user"], "event": "delete", "payload": posted["id"]}


def test_subscribe_and_unsubscribe_messages(web: TestClient, alice: Caller, bob: Caller) -> None:
    protocol = [alice.token]
    with web.websocket_connect("/api/v1/streaming", subprotocols=protocol) as ws:
        assert ws.accepted_subprotocol == alice.token
        ws.send_json({"type": "subscribe", "stream": "hashtag", "tag": "Cats"})
        ws.send_json({"type": "subscribe", "stream": "public:local"})
        ws.send_json({"type": "subscribe", "stream": "timeline:everything"})
        assert receive_json(ws) == {"error": "Unknown stream type", "status": 422}
        web.post("/api/v1/statuses", json={"status": "a #cats post"}, headers=bob.auth)
        streams = sorted(tuple(receive_json(ws)["stream"]) for _ in range(2))
        assert streams == [("hashtag", "Cats"), ("public:local",)]

        ws.send_json({"type": "unsubscribe", "stream": "public:local"})
        synced(ws)
        web.post("/api/v1/statuses", json={"status": "another #cats post"}, headers=bob.auth)
        assert receive_json(ws)["stream"] == ["hashtag", "Cats"]


def test_streams_need_a_reading_token(web: TestClient, runtime: Runtime, alice: Caller) -> None:
    write_only = issue_token(runtime, alice.account, "write")
    for token in ("nonsense", write_only):
        with (
            pytest.raises(WebSocketDenialResponse) as denied,
            web.websocket_connect(f"/api/v1/streaming?access_token={token}&stream=user"),
        ):
            pass
        assert denied.value.status_code == (401 if token == "nonsense" else 403)
    response = web.get("/api/v1/streaming/user", headers={"Authorization": f"Bearer {write_only}"})
    assert response.status_code == 403
    assert web.get("/api/v1/streaming/public").status_code == 401
    notifications_only = issue_token(runtime, alice.account, "read:notifications")
    with web.websocket_connect(f"/api/v1/streaming?access_token={notifications_only}") as ws:
        ws.send_json({"type": "subscribe", "stream": "public"})
        assert receive_json(ws)["status"] == 403


def test_a_revoked_token_closes_its_stream(web: TestClient, runtime: Runtime, alice: Caller) -> None:
    with web.websocket_connect(f"/api/v1/streaming?access_token={alice.token}&stream=user") as ws:
        synced(ws)
        with runtime.db.session() as session:
            found = oauth.authenticate(session, alice.token)
            assert found is not None
            oauth.revoke(session, runtime, found.application, alice.token)
        message = ws.receive()
        assert message["type"] == "websocket.close" and message["code"] == 1008


def test_streams_end_when_their_token_expires(web: TestClient, runtime: Runtime, alice: Caller) -> None:
    def expire_in_a_second() -> None:
        with runtime.db.session() as session:
            token = session.exec(
                select(OAuthToken).where(OAuthToken.token_hash == hash_secret(alice.token))
            ).one()
            token.expires_at = datetime.now(UTC) + timedelta(seconds=1)
            session.add(token)

    expire_in_a_second()
    with web.websocket_connect(f"/api/v1/streaming?access_token={alice.token}&stream=user") as ws:
        message = ws.receive()
        assert message["type"] == "websocket.close" and message["code"] == 1008
    expire_in_a_second()
    with web.stream("GET", "/api/v1/streaming/user", headers=alice.auth) as response:
        assert response.status_code == 200
        lines = list(response.iter_lines())  # ends: the token expired
    assert lines[0] == ": )"
