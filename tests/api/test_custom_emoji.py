"""Custom emoji: the local set in /api/v1/custom_emojis, `:shortcode:` in local posts and
profiles as `emojis` and as AS2 `Emoji` tags, and remote emoji from incoming notes and actors."""

from __future__ import annotations

import io
import random
from typing import Any

import httpx
import pytest
from PIL import Image

from activitypub.testing import STATIC_KEYS, FakeRemote
from fedi.errors import Unprocessable
from fedi.models.moderation import Severity
from fedi.runtime import Runtime
from fedi.services import domain_blocks, emojis
from fedi.services.domain_blocks import BlockSettings
from tests.api import entities
from tests.api.conftest import Caller
from tests.api.test_timelines import post
from tests.federation.helpers import create, note, post_activity

AP = {"Accept": "application/activity+json"}
BOB = "https://remote.test/users/bob"


def png(size: tuple[int, int] = (32, 32), colour: str = "orange") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def emoji_tag(shortcode: str, url: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "Emoji",
        "name": f":{shortcode}:",
        "icon": {"type": "Image", "mediaType": "image/png", "url": url},
        **extra,
    }


async def test_local_emoji_in_the_picker_posts_and_profiles(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller
) -> None:
    added = emojis.add_local(runtime, "blobcat", png(), category="Blobs")
    emojis.add_local(runtime, "party_parrot", png(colour="green"))
    listed = (await client.get("/api/v1/custom_emojis")).json()  # no token needed
    assert [e["shortcode"] for e in listed] == ["blobcat", "party_parrot"]
    blobcat = listed[0]
    assert blobcat == {
        "shortcode": "blobcat",
        "url": blobcat["url"],
        "static_url": blobcat["url"],
        "visible_in_picker": True,
        "category": "Blobs",
    }
    image = await client.get(blobcat["url"])
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")

    status_id = await post(client, alice, "hello :blobcat: and :nothere: and http://x.test/:party_parrot:")
    shown = (await client.get(f"/api/v1/statuses/{status_id}", headers=alice.auth)).json()
    entities.check(shown, entities.STATUS)
    assert shown["emojis"] == [blobcat]
    document = (await client.get(f"/users/alice/statuses/{status_id}", headers=AP)).json()
    assert {"Emoji": "toot:Emoji"}.items() <= document["@context"][2].items()
    (tag,) = [t for t in document["tag"] if t["type"] == "Emoji"]
    assert tag["name"] == ":blobcat:" and tag["id"] == f"https://fedi.test/emojis/{added.id}"
    assert tag["icon"] == {"type": "Image", "mediaType": "image/png", "url": blobcat["url"]}
    assert tag["updated"].endswith("Z")
    served = (await client.get(f"/emojis/{added.id}", headers=AP)).json()
    assert {k: v for k, v in served.items() if k != "@context"} == tag
    assert (await client.get("/emojis/12345", headers=AP)).status_code == 404

    changed = await client.patch(
        "/api/v1/accounts/update_credentials",
        json={"display_name": "Alice :party_parrot:", "note": "I like :blobcat:"},
        headers=alice.auth,
    )
    entities.check(changed.json(), entities.CREDENTIAL_ACCOUNT)
    assert [e["shortcode"] for e in changed.json()["emojis"]] == ["blobcat", "party_parrot"]
    actor = (await client.get("/users/alice", headers=AP)).json()
    assert sorted(t["name"] for t in actor["tag"] if t["type"] == "Emoji") == [":blobcat:", ":party_parrot:"]

    # Removed from the set: posts show the shortcode as text again, and its file goes.
    with runtime.db.session() as session:
        emojis.remove_local(session, runtime, "blobcat")
    shown = (await client.get(f"/api/v1/statuses/{status_id}", headers=alice.auth)).json()
    assert shown["emojis"] == []
    assert (await client.get(blobcat["url"])).status_code == 404
    assert [e["shortcode"] for e in (await client.get("/api/v1/custom_emojis")).json()] == ["party_parrot"]


async def test_remote_emoji_are_stored_from_notes_and_actors(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, alice: Caller
) -> None:
    emojis.add_local(runtime, "blobcat", png())  # the same shortcode here is another emoji
    actor = remote.add_actor("bob", key=STATIC_KEYS[1])
    actor["name"] = "Bob :wave:"
    actor["tag"] = [emoji_tag("wave", "https://remote.test/emoji/wave.png")]
    remote.add_object(BOB, actor)
    hostile = [
        emoji_tag("x" * 129, "https://remote.test/long.png"),
        emoji_tag("script", "javascript:alert(1)"),
        emoji_tag("data", "data:image/png;base64,AAAA"),
        {"type": "Emoji", "name": ":noicon:"},
        {"type": "Emoji", "name": 42, "icon": "https://remote.test/n.png"},
        emoji_tag("evil", "https://remote.test/" + "e" * 3000),
        "not an object",
    ]
    many = [emoji_tag(f"e{n}", f"https://remote.test/emoji/{n}.png") for n in range(200)]
    tags = [
        emoji_tag("blobcat", "https://remote.test/emoji/blobcat.png", id="https://remote.test/emojis/7"),
        *hostile,
        *many,
    ]
    doc = note(BOB, f"{BOB}/statuses/1", "<p>hi :blobcat: :e0:</p>", tag=tags)
    answer = await post_activity(client, create(BOB, doc), remote.key_pair(BOB))
    assert answer.status_code == 202, answer.text

    bob = (await client.get("/api/v1/accounts/lookup?acct=bob@remote.test")).json()
    assert bob["emojis"] == [
        {
            "shortcode": "wave",
            "url": "https://remote.test/emoji/wave.png",
            "static_url": "https://remote.test/emoji/wave.png",
            "visible_in_picker": True,
            "category": None,
        }
    ]
    (status,) = (await client.get(f"/api/v1/accounts/{bob['id']}/statuses")).json()
    shortcodes = [e["shortcode"] for e in status["emojis"]]
    assert "blobcat" in shortcodes and "e0" in shortcodes
    assert len(shortcodes) <= emojis.MAX_REMOTE
    assert not {"script", "data", "noicon", "evil", "x" * 129} & set(shortcodes)
    remote_blobcat = next(e for e in status["emojis"] if e["shortcode"] == "blobcat")
    assert remote_blobcat["url"] == "https://remote.test/emoji/blobcat.png"
    # The local set is untouched by remote ones.
    assert [e["shortcode"] for e in (await client.get("/api/v1/custom_emojis")).json()] == ["blobcat"]


async def test_bad_images_and_names_are_refused(runtime: Runtime) -> None:
    for name in ("a", "has space", "colon:", "x" * 65):
        with pytest.raises(Unprocessable, match="shortcode"):
            emojis.add_local(runtime, name, png())
    with pytest.raises(Unprocessable, match="not an image"):
        emojis.add_local(runtime, "text", b"hello, not an image")
    noise = Image.frombytes("RGBA", (400, 400), random.Random(1).randbytes(400 * 400 * 4))
    buffer = io.BytesIO()
    noise.save(buffer, format="PNG")
    with pytest.raises(Unprocessable, match="at most 256 KB"):
        emojis.add_local(runtime, "noise", buffer.getvalue())
    big = emojis.add_local(runtime, "big", png((800, 600)))
    stored = Image.open(io.BytesIO(runtime.media.read(big.file_key or "")))
    assert stored.size == (400, 300) and stored.format == "PNG"
    with pytest.raises(Unprocessable, match="exists already"):
        emojis.add_local(runtime, "big", png())


async def test_no_emoji_from_a_domain_whose_media_is_rejected(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote
) -> None:
    with runtime.db.session() as session:
        settings = BlockSettings(Severity.NOOP, True, False, None, None, False)
        domain_blocks.create_block(session, runtime, "remote.test", settings, by=None)
    actor = remote.add_actor("bob", key=STATIC_KEYS[1])
    actor["tag"] = [emoji_tag("wave", "https://remote.test/emoji/wave.png")]
    remote.add_object(BOB, actor)
    tags = [emoji_tag("blobcat", "https://remote.test/emoji/blobcat.png")]
    doc = note(BOB, f"{BOB}/statuses/1", "<p>hi :blobcat:</p>", tag=tags)
    assert (await post_activity(client, create(BOB, doc), remote.key_pair(BOB))).status_code == 202
    bob = (await client.get("/api/v1/accounts/lookup?acct=bob@remote.test")).json()
    assert bob["emojis"] == []
    (status,) = (await client.get(f"/api/v1/accounts/{bob['id']}/statuses")).json()
    assert status["content"] == "<p>hi :blobcat:</p>" and status["emojis"] == []
