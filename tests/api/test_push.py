"""Web Push: subscriptions through the API, and notifications pushed to a real receiver on
loopback, encrypted as RFC 8291 `aes128gcm` to the subscription's key with a VAPID (RFC 8292)
signature (issue 12, "Must show" 3)."""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import http_ece
import httpx
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from activitypub.errors import FetchForbiddenAddress
from fedi.config import ConfigError, Settings
from fedi.runtime import Runtime
from fedi.security.tokens import hash_secret
from fedi.services import oauth, vapid
from fedi.services.push_sender import PushSender
from fedi.store import oauth as oauth_store
from tests.api import entities
from tests.api.conftest import Caller
from tests.conftest import make_test_settings


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The receiver listens on loopback over plain http: allowed here as in a test set-up."""
    return make_test_settings(
        tmp_path / "data",
        database_url,
        federation={"allow_private_addresses": True, "allow_http": True},
    )


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Receiver:
    """A push service on loopback: records what it is sent, answers `status`."""

    url: str
    status: int = 201
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            box.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(box.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    box.url = f"http://127.0.0.1:{server.server_address[1]}/push/device-1"
    yield box
    server.shutdown()
    server.server_close()


@dataclass
class Device:
    """The client side of a subscription: its ECDH key pair and auth secret."""

    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm"
        )
        found: dict[str, Any] = json.loads(plain)
        return found


async def subscribe(
    client: httpx.AsyncClient, caller: Caller, endpoint: str, device: Device, **data: str
) -> httpx.Response:
    form = {
        "subscription[endpoint]": endpoint,
        "subscription[keys][p256dh]": device.p256dh,
        "subscription[keys][auth]": b64url(device.auth),
        "subscription[standard]": "true",
        **{f"data[{key}]": value for key, value in data.items()},
    }
    return await client.post("/api/v1/push/subscription", data=form, headers=caller.auth)


ALERTS = {"alerts][mention": "true", "alerts][favourite": "true", "alerts][follow": "true"}


def check_vapid(authorization: str, public_key: str, endpoint: str) -> None:
    """`vapid t=<JWT>, k=<key>`: the JWT is signed (ES256) by the key the server advertises."""
    scheme, _, rest = authorization.partition(" ")
    assert scheme == "vapid"
    parts = dict(item.strip().split("=", 1) for item in rest.split(","))
    assert parts["k"] == public_key
    header, claims, signature = parts["t"].split(".")
    assert json.loads(unb64url(claims))["aud"] == endpoint.rsplit("/push", 1)[0]
    raw = unb64url(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(public_key))
    try:
        key.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        pytest.fail("the VAPID JWT is not signed by the advertised key")


async def test_a_mention_is_pushed_encrypted_to_the_subscription(
    client: httpx.AsyncClient, alice: Caller, bob: Caller, receiver: Receiver
) -> None:
    device = Device()
    made = await subscribe(client, alice, receiver.url, device, **ALERTS, policy="all")
    assert made.status_code == 200, made.text
    entities.check(made.json(), entities.WEB_PUSH_SUBSCRIPTION)
    server_key = (await client.get("/api/v2/instance")).json()["configuration"]["vapid"]["public_key"]
    assert made.json()["server_key"] == server_key
    assert made.json()["endpoint"] == receiver.url and made.json()["standard"] is True

    posted = await client.post("/api/v1/statuses", data={"status": "@alice look at this"}, headers=bob.auth)
    assert posted.status_code == 200

    [(headers, body)] = receiver.received
    assert headers["content-encoding"] == "aes128gcm"
    assert int(headers["ttl"]) > 0
    check_vapid(headers["authorization"], server_key, receiver.url)
    payload = device.decrypt(body)
    [notification] = (await client.get("/api/v1/notifications", headers=alice.auth)).json()
    assert payload["notification_id"] == int(notification["id"])
    assert payload["notification_type"] == "mention"
    assert payload["access_token"] == alice.token
    assert payload["title"] == "bob mentioned you"
    assert "look at this" in payload["body"]
    assert payload["icon"].startswith("https://")


async def test_the_draft_encoding_for_older_clients(
    client: httpx.AsyncClient, alice: Caller, bob: Caller, receiver: Receiver
) -> None:
    """`standard` false (Mastodon.py's default): the draft `aesgcm`, keys and salt in headers."""
    device = Device()
    form = {
        "subscription[endpoint]": receiver.url,
        # Standard base64 with padding, as Mastodon.py sends the keys.
        "subscription[keys][p256dh]": base64.b64encode(unb64url(device.p256dh)).decode(),
        "subscription[keys][auth]": base64.b64encode(device.auth).decode(),
        "data[alerts][follow]": "1",
    }
    assert (await client.post("/api/v1/push/subscription", data=form, headers=alice.auth)).status_code == 200
    await client.post(f"/api/v1/accounts/{alice.account.id}/follow", headers=bob.auth)

    [(headers, body)] = receiver.received
    assert headers["content-encoding"] == "aesgcm"
    crypto_key = dict(part.split("=", 1) for part in headers["crypto-key"].split(";"))
    salt = headers["encryption"].removeprefix("salt=")
    plain = http_ece.decrypt(
        body,
        salt=unb64url(salt),
        dh=unb64url(crypto_key["dh"]),
        private_key=device.private_key,
        auth_secret=device.auth,
        version="aesgcm",
    )
    payload = json.loads(plain)
    assert payload["notification_type"] == "follow" and payload["title"] == "bob is now following you"
    assert headers["authorization"].startswith("WebPush ")


async def test_a_gone_subscription_is_removed(
    client: httpx.AsyncClient, alice: Caller, bob: Caller, receiver: Receiver
) -> None:
    assert (await subscribe(client, alice, receiver.url, Device(), **ALERTS)).status_code == 200
    receiver.status = 410
    await client.post(f"/api/v1/accounts/{alice.account.id}/follow", headers=bob.auth)

    assert len(receiver.received) == 1
    assert (await client.get("/api/v1/push/subscription", headers=alice.auth)).status_code == 404


async def test_a_failing_push_service_is_tried_again(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, bob: Caller, receiver: Receiver
) -> None:
    assert (await subscribe(client, alice, receiver.url, Device(), **ALERTS)).status_code == 200
    receiver.status = 503
    pending = runtime.jobs.pending()
    await client.post(f"/api/v1/accounts/{alice.account.id}/follow", headers=bob.auth)

    assert len(receiver.received) == 1
    assert runtime.jobs.pending() == pending + 1  # the retry, waiting for its delay
    assert (await client.get("/api/v1/push/subscription", headers=alice.auth)).status_code == 200


async def test_alerts_and_policy_choose_what_is_pushed(
    client: httpx.AsyncClient, alice: Caller, bob: Caller, receiver: Receiver
) -> None:
    # Favourites only, and only from people alice follows.
    made = await subscribe(
        client, alice, receiver.url, Device(), **{"alerts][favourite": "true"}, policy="followed"
    )
    assert made.json()["alerts"]["favourite"] is True and made.json()["alerts"]["mention"] is False
    assert made.json()["policy"] == "followed"
    mine = (await client.post("/api/v1/statuses", data={"status": "mine"}, headers=alice.auth)).json()
    await client.post("/api/v1/statuses", data={"status": "@alice hi"}, headers=bob.auth)  # a mention
    await client.post(f"/api/v1/statuses/{mine['id']}/favourite", headers=bob.auth)  # not followed
    assert receiver.received == []

    await client.post(f"/api/v1/accounts/{bob.account.id}/follow", headers=alice.auth)
    await client.post(f"/api/v1/statuses/{mine['id']}/unfavourite", headers=bob.auth)
    await client.post(f"/api/v1/statuses/{mine['id']}/favourite", headers=bob.auth)
    assert len(receiver.received) == 1

    changed = await client.put("/api/v1/push/subscription", data={"data[policy]": "none"}, headers=alice.auth)
    assert changed.status_code == 200 and changed.json()["policy"] == "none"
    assert changed.json()["alerts"]["favourite"] is False  # PUT replaces the alerts, as Mastodon


async def test_one_subscription_per_token(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, receiver: Receiver
) -> None:
    assert (await client.get("/api/v1/push/subscription", headers=alice.auth)).status_code == 404
    first = (await subscribe(client, alice, receiver.url, Device(), **ALERTS)).json()
    second = (await subscribe(client, alice, receiver.url + "-2", Device(), **ALERTS)).json()
    assert first["id"] != second["id"]
    shown = (await client.get("/api/v1/push/subscription", headers=alice.auth)).json()
    assert shown == second

    deleted = await client.delete("/api/v1/push/subscription", headers=alice.auth)
    assert deleted.status_code == 200 and deleted.json() == {}
    assert (await client.get("/api/v1/push/subscription", headers=alice.auth)).status_code == 404


async def test_bad_subscriptions_are_refused(
    client: httpx.AsyncClient, alice: Caller, receiver: Receiver
) -> None:
    device = Device()
    bad_key = await client.post(
        "/api/v1/push/subscription",
        data={
            "subscription[endpoint]": receiver.url,
            "subscription[keys][p256dh]": b64url(b"\x04" + b"\x01" * 64),
            "subscription[keys][auth]": b64url(device.auth),
        },
        headers=alice.auth,
    )
    assert bad_key.status_code == 422 and "p256dh" in bad_key.json()["error"]
    bad_url = await subscribe(client, alice, "ftp://push.example/x", device)
    assert bad_url.status_code == 422 and "endpoint" in bad_url.json()["error"]
    bad_policy = await subscribe(client, alice, receiver.url, device, policy="everyone")
    assert bad_policy.status_code == 422


async def test_the_push_scope_is_required(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, receiver: Receiver
) -> None:
    from tests.api.conftest import issue_token

    reader = Caller(alice.account, issue_token(runtime, alice.account, "read write"))
    assert (await subscribe(client, reader, receiver.url, Device())).status_code == 403


async def test_the_vapid_key_is_kept_across_restarts(client: httpx.AsyncClient, runtime: Runtime) -> None:
    advertised = (await client.get("/api/v2/instance")).json()["configuration"]["vapid"]["public_key"]
    form = {"client_name": "x", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}
    app = (await client.post("/api/v1/apps", data=form)).json()
    assert app["vapid_key"] == advertised
    # What the next process start reads: the pair kept in the database, not a new one.
    assert vapid.load_or_make(runtime).public_key == advertised


def test_configured_vapid_keys_win(settings: Settings, runtime: Runtime) -> None:
    mine = ec.generate_private_key(ec.SECP256R1())
    raw = b64url(mine.private_numbers().private_value.to_bytes(32, "big"))
    public = vapid.public_key_of(mine)
    configured = settings.model_copy(
        update={
            "push": settings.push.model_copy(update={"vapid_private_key": raw, "vapid_public_key": public})
        }
    )
    assert vapid.load_or_make(replace(runtime, settings=configured)).public_key == public
    with pytest.raises(ConfigError, match="set together"):
        make_test_settings(settings.data_dir, settings.database.url, push={"vapid_private_key": raw})


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_private_addresses_are_refused_unless_allowed(tmp_path: Path, receiver: Receiver, host: str) -> None:
    # The sender alone (no database is opened).
    strict = make_test_settings(
        tmp_path / "strict", f"sqlite:///{tmp_path}/unused.sqlite3", federation={"allow_http": True}
    )
    sender = PushSender(strict, lambda url: None)
    try:
        with pytest.raises(FetchForbiddenAddress):
            sender.post(receiver.url.replace("127.0.0.1", host), b"x", {})
    finally:
        sender.close()
    assert receiver.received == []


async def test_revoking_the_token_ends_its_subscription(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, bob: Caller, receiver: Receiver
) -> None:
    assert (await subscribe(client, alice, receiver.url, Device(), **ALERTS)).status_code == 200
    with runtime.db.session() as session:
        found = oauth_store.token_with_owner(session, hash_secret(alice.token))
        assert found is not None
        oauth.revoke(session, runtime, found[1], alice.token)
    await client.post(f"/api/v1/accounts/{alice.account.id}/follow", headers=bob.auth)
    assert receiver.received == []  # nothing carries the dead token
