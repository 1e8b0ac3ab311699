"""Everything /api/v2/instance advertises is exercised here as a client would use it, and nothing
is advertised that this file does not exercise (issue 12, "Must show" 4)."""

from __future__ import annotations

import base64
import io
import random
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from PIL import Image
from starlette.testclient import TestClient

from fedi.config import Settings
from fedi.runtime import Runtime
from fedi.services import emojis
from tests.api.conftest import Caller, image_bytes
from tests.api.test_timelines import post
from tests.conftest import make_test_settings
from tests.support.websocket import receive_json

UPLOAD_LIMIT = 256 * 1024
PIXEL_LIMIT = 400 * 300
# Every key of `configuration`, and the test below that exercises it.
EXERCISED = {
    "urls",
    "accounts",
    "statuses",
    "media_attachments",
    "polls",
    "translation",
    "vapid",
    "timelines_access",
}


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Small media limits, so that going over them is cheap."""
    return make_test_settings(
        tmp_path / "data", database_url, media={"max_upload_bytes": UPLOAD_LIMIT, "max_pixels": PIXEL_LIMIT}
    )


async def configuration(client: httpx.AsyncClient) -> dict[str, Any]:
    instance = (await client.get("/api/v2/instance")).json()
    v1 = (await client.get("/api/v1/instance")).json()
    limits = {k: v for k, v in instance["configuration"].items() if k in v1["configuration"]}
    assert limits == v1["configuration"]  # v1 advertises the same limits
    return dict(instance["configuration"])


async def upload(
    client: httpx.AsyncClient, caller: Caller, data: bytes, mime: str, **form: str
) -> httpx.Response:
    return await client.post(
        "/api/v2/media", files={"file": ("upload", data, mime)}, data=form, headers=caller.auth
    )


async def test_nothing_is_advertised_untested(client: httpx.AsyncClient) -> None:
    assert set(await configuration(client)) == EXERCISED
    instance = (await client.get("/api/v2/instance")).json()
    assert instance["api_versions"] == {"mastodon": 2}
    grouped = await client.get("/api/v2/notifications")
    assert grouped.status_code == 401  # it exists (and wants a token), see test_notification_groups
    policy = await client.get("/api/v2/notifications/policy")
    assert policy.status_code == 401  # 4.3's filtering: see test_notification_requests


def test_the_streaming_url_streams(web: TestClient, alice: Caller) -> None:
    streaming = web.get("/api/v2/instance").json()["configuration"]["urls"]["streaming"]
    assert streaming == "wss://fedi.test"
    with web.websocket_connect(f"/api/v1/streaming?access_token={alice.token}&stream=public") as ws:
        ws.send_text("not json")
        assert "error" in receive_json(ws)  # subscribed
        web.post("/api/v1/statuses", json={"status": "streamed"}, headers=alice.auth)
        assert receive_json(ws)["event"] == "update"


async def test_account_limits(client: httpx.AsyncClient, alice: Caller) -> None:
    limits = (await configuration(client))["accounts"]
    most_tags = limits["max_featured_tags"]
    for n in range(most_tags):
        answer = await client.post("/api/v1/featured_tags", json={"name": f"tag{n}x"}, headers=alice.auth)
        assert answer.status_code == 200, answer.text
    over = await client.post("/api/v1/featured_tags", json={"name": "onemore"}, headers=alice.auth)
    assert over.status_code == 422
    pins = limits["max_pinned_statuses"]
    ids = [await post(client, alice, f"pin {n}") for n in range(pins + 1)]
    for status_id in ids[:pins]:
        assert (await client.post(f"/api/v1/statuses/{status_id}/pin", headers=alice.auth)).status_code == 200
    assert (await client.post(f"/api/v1/statuses/{ids[-1]}/pin", headers=alice.auth)).status_code == 422


async def test_status_limits(client: httpx.AsyncClient, alice: Caller) -> None:
    limits = (await configuration(client))["statuses"]
    most = limits["max_characters"]
    ok = await client.post("/api/v1/statuses", json={"status": "a" * most}, headers=alice.auth)
    assert ok.status_code == 200
    over = await client.post("/api/v1/statuses", json={"status": "a" * (most + 1)}, headers=alice.auth)
    assert over.status_code == 422
    url = "https://example.org/" + "x" * 200
    with_url = "a" * (most - limits["characters_reserved_per_url"] - 1) + " " + url
    assert (
        await client.post("/api/v1/statuses", json={"status": with_url}, headers=alice.auth)
    ).status_code == 200
    media = [
        (await upload(client, alice, image_bytes(), "image/png")).json()["id"]
        for _ in range(limits["max_media_attachments"] + 1)
    ]
    several = {"status": "pictures", "media_ids": media[:-1]}
    assert (await client.post("/api/v1/statuses", json=several, headers=alice.auth)).status_code == 200
    too_many = {"status": "pictures", "media_ids": media}
    assert (await client.post("/api/v1/statuses", json=too_many, headers=alice.auth)).status_code == 422


def _encoded(mime: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(buffer, format=mime.split("/")[1].upper())
    return buffer.getvalue()


async def test_media_limits(client: httpx.AsyncClient, alice: Caller) -> None:
    limits = (await configuration(client))["media_attachments"]
    for mime in limits["supported_mime_types"]:
        answer = await upload(client, alice, _encoded(mime), mime)
        assert answer.status_code in (200, 202), (mime, answer.text)
    described = await upload(
        client, alice, image_bytes(), "image/png", description="d" * limits["description_limit"]
    )
    assert described.status_code in (200, 202)
    too_long = await upload(
        client, alice, image_bytes(), "image/png", description="d" * (limits["description_limit"] + 1)
    )
    assert too_long.status_code == 422
    assert limits["image_size_limit"] == UPLOAD_LIMIT and limits["image_matrix_limit"] == PIXEL_LIMIT
    noisy = Image.frombytes("RGB", (390, 300), random.Random(12).randbytes(390 * 300 * 3))
    big = io.BytesIO()
    noisy.save(big, format="PNG")
    assert len(big.getvalue()) > UPLOAD_LIMIT
    assert (await upload(client, alice, big.getvalue(), "image/png")).status_code in (413, 422)
    wide = await upload(client, alice, image_bytes(size=(401, 300)), "image/png")
    assert wide.status_code == 422
    # No video: its limits are zero, and a video is refused.
    assert limits["video_size_limit"] == 0 and limits["video_matrix_limit"] == 0
    assert (
        await upload(client, alice, b"\x00\x00\x00\x18ftypmp42" + bytes(64), "video/mp4")
    ).status_code == 422


async def test_polls_work_at_exactly_the_advertised_limits(client: httpx.AsyncClient, alice: Caller) -> None:
    limits = (await configuration(client))["polls"]
    most, longest = limits["max_options"], limits["max_characters_per_option"]
    options = [f"{i}".ljust(longest, "x") for i in range(most)]

    async def ask(options: list[str], expires_in: int) -> httpx.Response:
        body = {"status": "which?", "poll": {"options": options, "expires_in": expires_in}}
        return await client.post("/api/v1/statuses", json=body, headers=alice.auth)

    for expires_in in (limits["min_expiration"], limits["max_expiration"]):
        answer = await ask(options, expires_in)
        assert answer.status_code == 200, answer.text
        assert [o["title"] for o in answer.json()["poll"]["options"]] == options
    assert (await ask([*options, "one more"], limits["min_expiration"])).status_code == 422
    assert (await ask(["a", "b" * (longest + 1)], limits["min_expiration"])).status_code == 422
    assert (await ask(["a", "b"], limits["min_expiration"] - 1)).status_code == 422
    assert (await ask(["a", "b"], limits["max_expiration"] + 1)).status_code == 422


async def test_push_subscriptions_use_the_advertised_vapid_key(
    client: httpx.AsyncClient, alice: Caller
) -> None:
    """Pushes themselves are shown in test_push.py; here: a client can subscribe with the key."""
    key = (await configuration(client))["vapid"]["public_key"]
    device = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = device.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    form = {
        "subscription[endpoint]": "https://push.example/send/1",
        "subscription[keys][p256dh]": base64.urlsafe_b64encode(point).decode().rstrip("="),
        "subscription[keys][auth]": base64.urlsafe_b64encode(bytes(16)).decode().rstrip("="),
        "data[alerts][mention]": "true",
    }
    made = await client.post("/api/v1/push/subscription", data=form, headers=alice.auth)
    assert made.status_code == 200, made.text
    assert made.json()["server_key"] == key
    app = (await client.get("/api/v1/apps/verify_credentials", headers=alice.auth)).json()
    assert app["vapid_key"] == key


async def test_translation_and_timeline_access(client: httpx.AsyncClient, alice: Caller) -> None:
    config = await configuration(client)
    assert config["translation"] == {"enabled": False}
    status_id = await post(client, alice, "bonjour #salut")
    translate = await client.post(f"/api/v1/statuses/{status_id}/translate", headers=alice.auth)
    assert translate.status_code in (404, 405)
    access = config["timelines_access"]
    assert access["live_feeds"] == {"local": "public", "remote": "public"}
    for scope in ("local", "remote"):
        assert (await client.get(f"/api/v1/timelines/public?{scope}=true")).status_code == 200
    assert access["hashtag_feeds"] == {"local": "public", "remote": "public"}
    for query in ("", "?local=true"):
        answer = await client.get(f"/api/v1/timelines/tag/salut{query}")
        assert [s["id"] for s in answer.json()] == [status_id]


async def test_languages_and_custom_emoji(client: httpx.AsyncClient, runtime: Runtime, alice: Caller) -> None:
    """Not in `configuration`, but read by the same clients at start-up: the instance's
    languages are among those a post may carry, and custom emoji offered are usable."""
    instance = (await client.get("/api/v2/instance")).json()
    offered = (await client.get("/api/v1/instance/languages")).json()
    assert {"code": "en", "name": "English"} in offered and len(offered) > 100
    codes = {item["code"] for item in offered}
    assert set(instance["languages"]) <= codes
    status_id = await post(client, alice, "bonjour", language="fr")
    assert (await client.get(f"/api/v1/statuses/{status_id}")).json()["language"] == "fr"

    assert (await client.get("/api/v1/custom_emojis")).json() == []
    buffer = io.BytesIO()
    Image.new("RGBA", (16, 16), "orange").save(buffer, format="PNG")
    emojis.add_local(runtime, "blobcat", buffer.getvalue())
    (emoji,) = (await client.get("/api/v1/custom_emojis")).json()
    used = await post(client, alice, f":{emoji['shortcode']}:")
    assert (await client.get(f"/api/v1/statuses/{used}")).json()["emojis"] == [emoji]
