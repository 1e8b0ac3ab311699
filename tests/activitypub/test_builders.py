from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from activitypub import builders
from activitypub.builders import Attachment, Hashtag, ImageRef, Mention
from activitypub.context import CONTEXT
from activitypub.objects import ActivityView, ActorView, NoteView
from activitypub.types import JsonObject
from activitypub.vocab import PUBLIC

BASE = "https://fedi.example"
ALICE = f"{BASE}/users/alice"
WHEN = datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def _note(**overrides: Any) -> JsonObject:
    params: dict[str, Any] = {
        "id": f"{ALICE}/statuses/1",
        "attributed_to": ALICE,
        "content": "<p>a lighthouse</p>",
        "published": WHEN,
        "to": [PUBLIC],
        "cc": [f"{ALICE}/followers"],
    }
    params.update(overrides)
    return builders.note(**params)


def test_iso_is_utc_whole_seconds() -> None:
    assert builders.iso(WHEN) == "2025-01-02T03:04:05Z"
    plus_two = WHEN.astimezone(timezone(timedelta(hours=2)))
    assert builders.iso(plus_two) == "2025-01-02T03:04:05Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        builders.iso(datetime(2025, 1, 1))


def test_actor_document() -> None:
    doc = builders.actor(
        id=ALICE,
        type="Service",
        preferred_username="alice",
        webfinger="alice@fedi.example",
        name="Alice",
        summary="<p>bot</p>",
        url=f"{BASE}/@alice",
        inbox=f"{ALICE}/inbox",
        outbox=f"{ALICE}/outbox",
        followers=f"{ALICE}/followers",
        following=f"{ALICE}/following",
        featured=f"{ALICE}/collections/featured",
        featured_tags=f"{ALICE}/collections/tags",
        shared_inbox=f"{BASE}/inbox",
        public_key_pem="PEM",
        published=WHEN,
        icon=ImageRef(f"{BASE}/avatar.png", "image/png"),
        image=ImageRef(f"{BASE}/header.png"),
        manually_approves_followers=True,
        discoverable=True,
        indexable=False,
        fields=[("Website", "https://example.org")],
        also_known_as=["https://old.example/users/alice"],
        moved_to="https://new.example/users/alice",
    )
    assert doc["@context"] == CONTEXT
    assert doc["publicKey"] == {"id": f"{ALICE}#main-key", "owner": ALICE, "publicKeyPem": "PEM"}
    assert doc["endpoints"] == {"sharedInbox": f"{BASE}/inbox"}
    assert doc["webfinger"] == "alice@fedi.example"
    assert doc["attachment"] == [{"type": "PropertyValue", "name": "Website", "value": "https://example.org"}]
    assert doc["icon"] == {"type": "Image", "url": f"{BASE}/avatar.png", "mediaType": "image/png"}
    assert doc["image"] == {"type": "Image", "url": f"{BASE}/header.png"}
    assert doc["featuredTags"] == f"{ALICE}/collections/tags"
    assert doc["published"] == "2025-01-02T03:04:05Z"
    # Round-trips through our own reader as Mastodon would read it.
    view = ActorView(json.loads(json.dumps(doc)))
    assert view.bot is True
    assert view.manually_approves_followers is True
    assert view.shared_inbox == f"{BASE}/inbox"
    assert view.public_key_id == f"{ALICE}#main-key"
    assert view.fields == [("Website", "https://example.org")]
    assert view.also_known_as == ["https://old.example/users/alice"]
    assert view.moved_to == "https://new.example/users/alice"
    assert view.webfinger == "alice@fedi.example"


def test_context_is_not_shared_between_documents() -> None:
    first = _note()
    first["@context"].append("mutated")
    assert _note()["@context"] == CONTEXT
    assert "mutated" not in CONTEXT


def test_note_with_everything() -> None:
    doc = _note(
        summary="CW: lights",
        sensitive=True,
        in_reply_to="https://other.example/notes/1",
        updated=WHEN + timedelta(hours=1),
        url=f"{BASE}/@alice/1",
        language="en",
        mentions=[Mention("https://other.example/users/bob", "@bob@other.example")],
        hashtags=[Hashtag(f"{BASE}/tags/lighthouse", "lighthouse")],
        attachments=[
            Attachment(
                url=f"{BASE}/media/1.webp",
                media_type="image/webp",
                alt="A lighthouse at dusk",
                blurhash="LEHV6nWB2yk8pyo0adR*.7kCMdnj",
                focal_point=(0, 0.5),
                width=512,
                height=512,
            )
        ],
        replies=f"{ALICE}/statuses/1/replies",
        generation={
            "model": "sd-turbo",
            "prompt": "a lighthouse",
            "seed": 7,
            "negativePrompt": None,
        },
        remix_of="https://fedi.example/users/bob/statuses/9",
    )
    [attachment] = doc["attachment"]
    assert attachment == {
        "type": "Document",
        "mediaType": "image/webp",
        "url": f"{BASE}/media/1.webp",
        "name": "A lighthouse at dusk",
        "summary": "A lighthouse at dusk",
        "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
        "focalPoint": [0.0, 0.5],
        "width": 512,
        "height": 512,
    }
    assert doc["tag"] == [
        {
            "type": "Mention",
            "href": "https://other.example/users/bob",
            "name": "@bob@other.example",
        },
        {"type": "Hashtag", "href": f"{BASE}/tags/lighthouse", "name": "#lighthouse"},
    ]
    assert doc["generation"] == {"model": "sd-turbo", "prompt": "a lighthouse", "seed": 7}
    assert doc["contentMap"] == {"en": "<p>a lighthouse</p>"}
    view = NoteView(json.loads(json.dumps(doc)))
    assert view.summary == "CW: lights"
    assert view.sensitive is True
    assert view.in_reply_to == "https://other.example/notes/1"
    assert view.hashtags == ["lighthouse"]
    assert view.mentions == [("https://other.example/users/bob", "@bob@other.example")]
    assert view.attachments[0].alt == "A lighthouse at dusk"
    assert view.attachments[0].focal_point == (0.0, 0.5)
    assert view.replies_id == f"{ALICE}/statuses/1/replies"
    assert view.generation == {"model": "sd-turbo", "prompt": "a lighthouse", "seed": 7}
    assert view.remix_of == "https://fedi.example/users/bob/statuses/9"
    assert view.language == "en"
    assert view.updated == (WHEN + timedelta(hours=1)).replace(microsecond=0)


def test_plain_note_defaults() -> None:
    doc = _note()
    assert doc["summary"] is None
    assert doc["sensitive"] is False
    assert doc["inReplyTo"] is None
    assert doc["url"] == doc["id"]
    assert doc["tag"] == []
    assert doc["attachment"] == []
    assert "generation" not in doc
    assert "updated" not in doc


def test_note_refuses_undeclared_generation_keys() -> None:
    with pytest.raises(ValueError, match="loras"):
        _note(generation={"model": "x", "loras": []})


def test_create_embeds_without_context_and_copies_addressing() -> None:
    note = _note()
    create = builders.create(id=f"{ALICE}/statuses/1/activity", actor=ALICE, object=note)
    assert create["@context"] == CONTEXT
    assert "@context" not in create["object"]
    assert create["to"] == [PUBLIC]
    assert create["cc"] == [f"{ALICE}/followers"]
    assert create["published"] == note["published"]
    assert ActivityView(create).object_id == note["id"]
    assert "@context" in note  # the caller's dict is left alone


def test_update_sets_updated_on_the_object() -> None:
    later = WHEN + timedelta(minutes=5)
    update = builders.update(id=f"{ALICE}#updates/1", actor=ALICE, object=_note(), updated=later)
    assert update["type"] == "Update"
    assert update["object"]["updated"] == "2025-01-02T03:09:05Z"
    assert update["to"] == [PUBLIC]


def test_delete_carries_a_tombstone() -> None:
    delete = builders.delete(id=f"{ALICE}/statuses/1#delete", actor=ALICE, object_id=f"{ALICE}/statuses/1")
    assert delete["object"] == {"id": f"{ALICE}/statuses/1", "type": "Tombstone"}
    assert delete["to"] == [PUBLIC]
    tombstone = builders.tombstone(f"{ALICE}/statuses/1", former_type="Note")
    assert tombstone["@context"] == CONTEXT
    assert tombstone["formerType"] == "Note"


def test_accept_and_reject_inline_the_follow() -> None:
    follow = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "https://mastodon.example/7e1d3b2a",
        "type": "Follow",
        "actor": "https://mastodon.example/users/bob",
        "object": ALICE,
    }
    for build, kind in ((builders.accept, "Accept"), (builders.reject, "Reject")):
        doc = build(id=f"{ALICE}#accepts/1", actor=ALICE, follow_activity=follow)
        assert doc["type"] == kind
        assert doc["object"] == {k: v for k, v in follow.items() if k != "@context"}
        assert doc["to"] == ["https://mastodon.example/users/bob"]


def test_undo_inlines_and_reuses_addressing() -> None:
    announce = builders.announce(
        id=f"{ALICE}/statuses/2/activity",
        actor=ALICE,
        object="https://other.example/notes/1",
        published=WHEN,
        to=[PUBLIC],
        cc=["https://other.example/users/bob", f"{ALICE}/followers"],
    )
    assert announce["object"] == "https://other.example/notes/1"
    undo = builders.undo(id=f"{ALICE}#undo/1", actor=ALICE, activity=announce)
    assert undo["object"]["type"] == "Announce"
    assert "@context" not in undo["object"]
    assert undo["to"] == [PUBLIC]
    assert undo["cc"] == announce["cc"]


def test_simple_activities() -> None:
    follow = builders.follow(id="https://f/1", actor=ALICE, object="https://b/u")
    like = builders.like(id="https://f/2", actor=ALICE, object="https://b/n")
    block = builders.block(id="https://f/3", actor=ALICE, object="https://b/u")
    flag = builders.flag(
        id="https://f/4",
        actor=BASE + "/actor",
        objects=["https://b/u", "https://b/n"],
        content="spam",
    )
    move = builders.move(id="https://f/5", actor=ALICE, object=ALICE, target="https://new/u")
    assert [d["type"] for d in (follow, like, block, flag, move)] == [
        "Follow",
        "Like",
        "Block",
        "Flag",
        "Move",
    ]
    assert flag["object"] == ["https://b/u", "https://b/n"]
    assert flag["content"] == "spam"
    assert move["target"] == "https://new/u"
    for doc in (follow, like, block, flag, move):
        assert doc["@context"] == CONTEXT


def test_collections() -> None:
    outbox = builders.ordered_collection(
        id=f"{ALICE}/outbox", total_items=3, first=f"{ALICE}/outbox?page=true"
    )
    assert outbox == {
        "@context": CONTEXT,
        "id": f"{ALICE}/outbox",
        "type": "OrderedCollection",
        "totalItems": 3,
        "first": f"{ALICE}/outbox?page=true",
    }
    create = builders.create(id="https://f/c", actor=ALICE, object=_note())
    page = builders.ordered_collection_page(
        id=f"{ALICE}/outbox?page=true",
        part_of=f"{ALICE}/outbox",
        items=[create, "https://f/announce"],
        next=f"{ALICE}/outbox?max_id=1",
    )
    assert page["type"] == "OrderedCollectionPage"
    assert "@context" not in page["orderedItems"][0]
    assert page["orderedItems"][1] == "https://f/announce"
    assert "prev" not in page
    featured = builders.ordered_collection(id=f"{ALICE}/featured", total_items=0, items=[])
    assert featured["orderedItems"] == []
