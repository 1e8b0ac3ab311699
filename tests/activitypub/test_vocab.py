from __future__ import annotations

import pytest

from activitypub.context import CONTEXT, GENERATION_KEYS, extension_context, with_extension_context
from activitypub.vocab import (
    ACCEPT_ACTIVITY,
    PUBLIC,
    is_activity_content_type,
    is_public,
    wants_activity_json,
)


@pytest.mark.parametrize("uri", [PUBLIC, "as:Public", "Public"])
def test_public_aliases(uri: str) -> None:
    assert is_public(uri)


@pytest.mark.parametrize("uri", ["https://a.example/users/x/followers", "public", "", None, 1])
def test_not_public(uri: object) -> None:
    assert not is_public(uri)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/activity+json",
        "application/activity+json; charset=utf-8",
        "Application/Activity+JSON;charset=UTF-8",
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        'application/ld+json;profile="https://www.w3.org/ns/activitystreams https://example/x"',
        'application/ld+json; charset=utf-8; profile="https://www.w3.org/ns/activitystreams"',
    ],
)
def test_activity_content_types_accepted(content_type: str) -> None:
    assert is_activity_content_type(content_type)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/ld+json",
        'application/ld+json; profile="https://evil.example/ns"',
        "text/html; charset=utf-8",
        "text/plain",
        "image/png",
        "",
        "application/activity+jsonx",
    ],
)
def test_other_content_types_rejected(content_type: str) -> None:
    assert not is_activity_content_type(content_type)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/activity+json", True),
        ('application/ld+json; profile="https://www.w3.org/ns/activitystreams"', True),
        ("text/html, application/activity+json;q=0.9", True),
        (ACCEPT_ACTIVITY, True),
        ("application/activity+json;q=0", False),
        ("text/html,application/xhtml+xml,*/*;q=0.8", False),
        ("application/json", False),
        ("*/*", False),
        ("", False),
    ],
)
def test_wants_activity_json(accept: str, expected: bool) -> None:
    assert wants_activity_json(accept) is expected


def test_context_declares_mastodon_terms_and_the_extension_context_fedi_terms() -> None:
    assert CONTEXT[:2] == ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]
    terms = CONTEXT[2]
    assert terms["schema"] == "http://schema.org#"  # Mastodon's IRI, copied on purpose
    assert terms["focalPoint"] == {"@container": "@list", "@id": "toot:focalPoint"}
    # fedi's own terms live in a context document each server serves under its own namespace.
    assert "fedi" not in terms and "generation" not in terms
    extension = extension_context("https://example.net/ns/fedi#")["@context"]
    assert extension["fedi"] == "https://example.net/ns/fedi#"
    assert extension["remixOf"] == {"@id": "fedi:remixOf", "@type": "@id"}
    for key in GENERATION_KEYS - {"width", "height"}:
        assert extension[key] == f"fedi:{key}"
    # width/height stay ActivityStreams terms: redefining them would break attachments.
    assert "width" not in extension and "height" not in extension
    doc = with_extension_context({"@context": list(CONTEXT), "id": "x"}, "https://example.net/ns/fedi")
    assert doc["@context"][-1] == "https://example.net/ns/fedi" and len(doc["@context"]) == 4
    assert with_extension_context(doc, "https://example.net/ns/fedi") == doc  # named once
