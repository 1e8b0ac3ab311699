from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from activitypub.errors import FormatError
from activitypub.objects import (
    ActivityView,
    ActorView,
    AttachmentView,
    NoteView,
    as_list,
    first,
    get_id,
    get_str,
    get_url,
    host_of,
    parse_datetime,
    same_origin,
    valid_blurhash,
)

from .conftest import load_fixture


def test_as_list_first_get_id() -> None:
    assert as_list(None) == []
    assert as_list("a") == ["a"]
    assert as_list(["a", "b"]) == ["a", "b"]
    assert first([]) is None
    assert first(["a", "b"]) == "a"
    assert first({"id": "x"}) == {"id": "x"}
    assert get_id("https://a/x") == "https://a/x"
    assert get_id({"id": "https://a/x", "type": "Person"}) == "https://a/x"
    assert get_id([{"id": "https://a/x"}, "https://a/y"]) == "https://a/x"
    assert get_id({"type": "Person"}) is None
    assert get_id({"id": 5}) is None
    assert get_id(5) is None
    assert get_id("") is None


def test_get_str_falls_back_to_language_map() -> None:
    assert get_str({"content": "plain"}, "content") == "plain"
    assert get_str({"contentMap": {"de": "Hallo"}}, "content") == "Hallo"
    assert get_str({"content": ["first", "second"]}, "content") == "first"
    assert get_str({"content": 3, "contentMap": "junk"}, "content") is None


def test_get_url_shapes() -> None:
    assert get_url("https://a.example/x") == "https://a.example/x"
    assert get_url({"type": "Link", "href": "https://a.example/x"}) == "https://a.example/x"
    links = [
        {"type": "Link", "href": "https://a.example/v.mp4", "mediaType": "video/mp4"},
        {"type": "Link", "href": "https://a.example/page", "mediaType": "text/html"},
    ]
    assert get_url(links) == "https://a.example/page"
    assert get_url(links[:1]) == "https://a.example/v.mp4"
    assert get_url("javascript:alert(1)") is None
    assert get_url(["data:text/html,x", "https://a.example/ok"]) == "https://a.example/ok"
    assert get_url(None) is None
    assert get_url(42) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T10:20:30Z", datetime(2024, 5, 1, 10, 20, 30, tzinfo=UTC)),
        ("2024-05-01T10:20:30.901Z", datetime(2024, 5, 1, 10, 20, 30, 901000, tzinfo=UTC)),
        ("2024-05-01T12:20:30+02:00", datetime(2024, 5, 1, 10, 20, 30, tzinfo=UTC)),
        ("2024-05-01T10:20:30", datetime(2024, 5, 1, 10, 20, 30, tzinfo=UTC)),
    ],
)
def test_parse_datetime(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text)
    assert parsed == expected
    assert parsed is not None
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text",
    ["99999-01-01T00:00:00Z", "yesterday", "", None, 1714558830, "2024-13-01T00:00:00Z", "9" * 500],
)
def test_parse_datetime_rejects(text: Any) -> None:
    assert parse_datetime(text) is None


def test_parse_datetime_overflowing_offset_is_none() -> None:
    assert parse_datetime("9999-12-31T23:59:59-23:59") is None
    assert parse_datetime("0001-01-01T00:00:00+01:00") is None
    assert parse_datetime("2024-01-01T00:00:00+05:30") == datetime(2023, 12, 31, 18, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://Victim.Example./x", "victim.example"),
        ("https://victim.example:443/x", "victim.example"),
        ("http://victim.example:80/", "victim.example"),
        ("https://victim.example:8443/", "victim.example:8443"),
        ("https://bücher.example/", "xn--bcher-kva.example"),
        ("https://XN--BCHER-KVA.example/", "xn--bcher-kva.example"),
        ("http://[::1]:8080/", "[::1]:8080"),
    ],
)
def test_host_of_normalises(url: str, host: str) -> None:
    assert host_of(url) == host


@pytest.mark.parametrize("url", ["ftp://a.example/", "https:///x", "not a url", "https://a..b/"])
def test_host_of_rejects(url: str) -> None:
    with pytest.raises(FormatError):
        host_of(url)


def test_same_origin() -> None:
    assert same_origin("https://Victim.Example./a", "https://victim.example:443/b")
    assert not same_origin("https://victim.example/a", "http://victim.example/a")
    assert not same_origin("https://victim.example/a", "https://victim.example:8443/a")
    assert not same_origin("https://victim.example.evil.example/", "https://victim.example/")
    assert not same_origin("javascript:x", "https://victim.example/")


def test_blurhash_shape_is_validated() -> None:
    assert valid_blurhash("LEHV6nWB2yk8pyo0adR*.7kCMdnj") == "LEHV6nWB2yk8pyo0adR*.7kCMdnj"
    assert valid_blurhash("LEHV6nWB2yk8pyo0adR*.7kCMdn") is None  # length ≠ components
    assert valid_blurhash("LEHV6nWB2yk8pyo0adR*.7kCMd<j") is None  # not base83
    assert valid_blurhash("abc") is None
    assert valid_blurhash("0" * 101) is None
    assert valid_blurhash(None) is None


def test_mastodon_actor() -> None:
    actor = ActorView(load_fixture("mastodon_actor.json"))
    assert actor.id == "https://mastodon.example/users/Gargron"
    assert actor.type == "Person"
    assert actor.preferred_username == "Gargron"
    assert actor.name == "Eugen Rochko"
    assert actor.summary == "<p>Founder of Mastodon</p>"
    assert actor.url == "https://mastodon.example/@Gargron"
    assert actor.inbox == "https://mastodon.example/users/Gargron/inbox"
    assert actor.outbox == "https://mastodon.example/users/Gargron/outbox"
    assert actor.followers == "https://mastodon.example/users/Gargron/followers"
    assert actor.following == "https://mastodon.example/users/Gargron/following"
    assert actor.featured == "https://mastodon.example/users/Gargron/collections/featured"
    assert actor.shared_inbox == "https://mastodon.example/inbox"
    assert actor.public_key_id == "https://mastodon.example/users/Gargron#main-key"
    assert actor.public_key_owner == actor.id
    assert actor.public_key_pem is not None
    assert "BEGIN PUBLIC KEY" in actor.public_key_pem
    assert actor.icon_url == "https://files.mastodon.example/accounts/avatars/1.jpeg"
    assert actor.image_url == "https://files.mastodon.example/accounts/headers/1.jpeg"
    assert actor.manually_approves_followers is False
    assert actor.discoverable is True
    assert actor.indexable is True
    assert actor.bot is False
    assert [name for name, _ in actor.fields] == ["Patreon", "Pronouns"]
    assert actor.fields[1] == ("Pronouns", "he/him")
    assert actor.also_known_as == ["https://old.example/users/gargron"]
    assert actor.moved_to is None
    assert actor.published == datetime(2016, 3, 16, tzinfo=UTC)
    assert actor.suspended is False
    assert actor.memorial is False
    assert actor.webfinger is None


def test_actor_view_bot_and_missing_optionals() -> None:
    actor = ActorView({"id": "https://a.example/bot", "type": "Service", "inbox": "https://a.example/i"})
    assert actor.bot is True
    assert actor.preferred_username is None
    assert actor.shared_inbox is None
    assert actor.public_key_pem is None
    assert actor.fields == []
    assert actor.icon_url is None


def test_actor_view_takes_first_usable_public_key() -> None:
    doc = {
        "id": "https://a.example/u",
        "type": "Person",
        "inbox": "https://a.example/u/inbox",
        "publicKey": [
            {"id": "junk"},
            {"id": "https://a.example/u#k2", "owner": "https://a.example/u", "publicKeyPem": "PEM"},
        ],
        "endpoints": {"sharedInbox": "javascript:alert(1)"},
    }
    actor = ActorView(doc)
    assert actor.public_key_id == "https://a.example/u#k2"
    assert actor.public_key_pem == "PEM"
    assert actor.shared_inbox is None


@pytest.mark.parametrize(
    "doc",
    [
        None,
        [],
        {"type": "Person", "inbox": "https://a/i"},
        {"id": "https://a/u", "type": "Person"},
        {"id": "https://a/u", "type": "Note", "inbox": "https://a/i"},
        {"id": ["https://a/u"], "type": "Person", "inbox": "https://a/i"},
    ],
)
def test_actor_view_required_fields(doc: Any) -> None:
    with pytest.raises(FormatError):
        ActorView(doc)


def test_mastodon_note() -> None:
    note = NoteView(load_fixture("mastodon_note.json"))
    assert note.id == "https://mastodon.example/users/alice/statuses/111"
    assert note.type == "Note"
    assert note.attributed_to == "https://mastodon.example/users/alice"
    assert note.content is not None
    assert note.content.startswith('<p><span class="h-card">')
    assert note.summary == "spoilers"
    assert note.sensitive is True
    assert note.in_reply_to == "https://other.example/notes/9"
    assert note.published == datetime(2024, 5, 1, 10, 20, 30, tzinfo=UTC)
    assert note.updated == datetime(2024, 5, 1, 11, 0, tzinfo=UTC)
    assert note.url == "https://mastodon.example/@alice/111"
    assert note.to == ["https://www.w3.org/ns/activitystreams#Public"]
    assert note.cc == [
        "https://mastodon.example/users/alice/followers",
        "https://other.example/users/bob",
    ]
    assert note.mentions == [("https://other.example/users/bob", "@bob@other.example")]
    assert note.hashtags == ["cats"]
    assert note.emojis == [("blobcat", "https://files.mastodon.example/custom_emojis/blobcat.png")]
    assert note.replies_id == "https://mastodon.example/users/alice/statuses/111/replies"
    assert note.language == "en"
    assert note.generation is None
    assert note.remix_of is None
    [image] = note.attachments  # the javascript: one is skipped
    assert image.url.endswith("/cat.png")
    assert image.media_type == "image/png"
    assert image.alt == "A grey cat asleep on a keyboard"
    assert image.blurhash == "LEHV6nWB2yk8pyo0adR*.7kCMdnj"
    assert image.focal_point == (0.25, -0.5)
    assert (image.width, image.height) == (1024, 768)


def test_gotosocial_note_is_read_tolerantly() -> None:
    note = NoteView(load_fixture("gotosocial_note.json"))
    assert note.attributed_to == "https://gts.example/users/zoe"
    assert note.to == ["https://www.w3.org/ns/activitystreams#Public"]
    assert note.cc == ["https://gts.example/users/zoe/followers"]
    assert note.sensitive is False  # "yes" is not a boolean
    assert note.mentions == []
    assert note.hashtags == []
    assert note.replies_id == "https://gts.example/users/zoe/statuses/01J/replies"
    assert note.published == datetime(2024, 6, 1, 4, 0, 0, 123000, tzinfo=UTC)
    assert note.language is None
    first_image, second = note.attachments
    assert first_image.alt == "a snowy mountain at dawn"  # only in summary
    assert first_image.focal_point is None  # [7, "x"]
    assert first_image.width == 2048
    assert first_image.height is None  # true is not a size
    assert second.blurhash is None
    assert second.focal_point == (1.0, -1.0)  # clamped
    assert second.url == "https://gts.example/@zoe/statuses/01J"
    assert second.alt is None


def test_fedi_generation_and_remix() -> None:
    note = NoteView(load_fixture("fedi_generated_note.json"))
    assert note.attributed_to == "https://fedi.example/users/bot"
    assert note.generation is not None
    assert note.generation["model"] == "stabilityai/sd-turbo"
    assert note.generation["seed"] == 42
    assert note.remix_of == "https://fedi.example/users/alice/statuses/3"


@pytest.mark.parametrize("kind", ["Question", "Article", "Page", "Image", "Audio", "Video", "Event"])
def test_note_view_accepts_status_like_types(kind: str) -> None:
    note = NoteView({"id": "https://a/x", "type": kind, "attributedTo": "https://a/u", "name": "Title"})
    assert note.type == kind
    assert note.name == "Title"
    assert note.content is None


@pytest.mark.parametrize(
    "doc",
    [
        {"id": "https://a/x", "type": "Person", "attributedTo": "https://a/u"},
        {"id": "https://a/x", "type": "Note"},
        {"type": "Note", "attributedTo": "https://a/u"},
        "https://a/x",
    ],
)
def test_note_view_required_fields(doc: Any) -> None:
    with pytest.raises(FormatError):
        NoteView(doc)


def test_attachment_view_requires_http_url() -> None:
    with pytest.raises(FormatError):
        AttachmentView({"type": "Document", "url": "file:///etc/passwd"})


def test_activity_view() -> None:
    activity = ActivityView(load_fixture("mastodon_create.json"))
    assert activity.type == "Create"
    assert activity.actor == "https://mastodon.example/users/alice"
    assert activity.object_id == "https://mastodon.example/users/alice/statuses/111"
    assert isinstance(activity.object, dict)
    assert activity.to == ["https://www.w3.org/ns/activitystreams#Public"]
    assert activity.cc == ["https://mastodon.example/users/alice/followers"]
    assert activity.published == datetime(2024, 5, 1, 10, 20, 30, tzinfo=UTC)
    assert activity.target is None


@pytest.mark.parametrize(
    "doc",
    [
        {"type": "Follow", "actor": "https://a/u", "object": "https://b/v"},
        {"id": "https://a/f", "actor": "https://a/u"},
        {"id": "https://a/f", "type": "Follow", "actor": {"type": "Person"}},
    ],
)
def test_activity_view_required_fields(doc: Any) -> None:
    with pytest.raises(FormatError):
        ActivityView(doc)


def test_a_question_reads_as_a_poll_and_hostile_counts_are_tamed() -> None:
    from activitypub.objects import NoteView

    doc = {
        "id": "https://remote.test/q/1",
        "type": "Question",
        "attributedTo": "https://remote.test/users/bob",
        "anyOf": [
            {"type": "Note", "name": "a", "replies": {"type": "Collection", "totalItems": 3}},
            {"type": "Note", "name": "b", "replies": {"totalItems": -5}},
            {"type": "Note", "name": "c", "replies": {"totalItems": "many"}},
            {"type": "Note"},  # no name: not an option
            "not an object",
        ],
        "endTime": "2026-12-01T00:00:00Z",
        "closed": True,
        "votersCount": 2,
    }
    poll = NoteView(doc).poll
    assert poll is not None
    assert poll.options == [("a", 3), ("b", 0), ("c", 0)]
    assert poll.multiple is True and poll.voters_count == 2
    assert poll.closed == poll.end_time and poll.end_time is not None
    assert NoteView(doc | {"type": "Note"}).poll is None
    assert NoteView({k: v for k, v in doc.items() if k != "anyOf"}).poll is None
