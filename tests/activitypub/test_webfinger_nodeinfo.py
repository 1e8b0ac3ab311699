from __future__ import annotations

from typing import Any

import pytest

from activitypub.errors import FormatError
from activitypub.nodeinfo import nodeinfo, well_known_nodeinfo
from activitypub.webfinger import (
    Acct,
    actor_url_from_jrd,
    host_meta_xrd,
    jrd,
    parse_acct,
    webfinger_url,
)


@pytest.mark.parametrize(
    "resource",
    [
        "acct:alice@fedi.example",
        "alice@fedi.example",
        "@alice@fedi.example",
        "ACCT:alice@fedi.example",
    ],
)
def test_parse_acct_forms(resource: str) -> None:
    assert parse_acct(resource) == Acct("alice", "fedi.example")


def test_parse_acct_normalises_host_and_keeps_username_case() -> None:
    acct = parse_acct("acct:Bob@Example.COM.")
    assert acct.username == "Bob"
    assert acct.host == "example.com"
    assert str(acct) == "Bob@example.com"
    assert acct == parse_acct("bob@example.com")
    assert hash(acct) == hash(parse_acct("BOB@EXAMPLE.COM"))
    assert parse_acct("zoë@bücher.example").host == "xn--bcher-kva.example"
    assert parse_acct("dev@localhost:8000").host == "localhost:8000"
    assert acct != "Bob@example.com"


@pytest.mark.parametrize(
    "resource",
    [
        "",
        "acct:",
        "alice",
        "alice@",
        "@fedi.example",
        "alice@bob@fedi.example",
        "acct:alice@@fedi.example",
        "al ice@fedi.example",
        "alice@fedi .example",
        "alice@fedi.example\n",
        "\talice@fedi.example",
        "ali/ce@fedi.example",
        "alice@fedi.example/path",
        "alice@-bad-.example",
        "a" * 10_000 + "@fedi.example",
        "alice@" + "a" * 10_000,
        "alice@[::1",
    ],
)
def test_parse_acct_rejects_hostile_input(resource: str) -> None:
    with pytest.raises(FormatError):
        parse_acct(resource)


def test_jrd_shape_and_round_trip() -> None:
    acct = Acct("alice", "fedi.example")
    doc = jrd(
        acct,
        actor_url="https://fedi.example/users/alice",
        profile_url="https://fedi.example/@alice",
        aliases=["https://fedi.example/@alice", "https://fedi.example/users/alice"],
        subscribe_template="https://fedi.example/authorize_interaction?uri={uri}",
    )
    assert doc["subject"] == "acct:alice@fedi.example"
    assert doc["links"] == [
        {
            "rel": "http://webfinger.net/rel/profile-page",
            "type": "text/html",
            "href": "https://fedi.example/@alice",
        },
        {
            "rel": "self",
            "type": "application/activity+json",
            "href": "https://fedi.example/users/alice",
        },
        {
            "rel": "http://ostatus.org/schema/1.0/subscribe",
            "template": "https://fedi.example/authorize_interaction?uri={uri}",
        },
    ]
    assert actor_url_from_jrd(doc) == "https://fedi.example/users/alice"


def test_actor_url_from_ld_json_self_link() -> None:
    doc = {
        "links": [
            {"rel": "self", "type": "text/html", "href": "https://a.example/@x"},
            {
                "rel": "self",
                "type": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
                "href": "https://a.example/users/x",
            },
        ]
    }
    assert actor_url_from_jrd(doc) == "https://a.example/users/x"


@pytest.mark.parametrize(
    "doc",
    [
        None,
        [],
        {},
        {"links": "nope"},
        {"links": [{"rel": "self", "type": "application/json", "href": "https://a/x"}]},
        {"links": [{"rel": "self", "type": "application/activity+json", "href": "javascript:1"}]},
        {"links": [{"rel": "alternate", "type": "application/activity+json", "href": "https://a/x"}]},
    ],
)
def test_actor_url_from_jrd_rejects(doc: Any) -> None:
    with pytest.raises(FormatError):
        actor_url_from_jrd(doc)


def test_host_meta_and_webfinger_url() -> None:
    xrd = host_meta_xrd("https://fedi.example/")
    assert '<Link rel="lrdd" template="https://fedi.example/.well-known/webfinger?resource={uri}"/>' in xrd
    assert xrd.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert (
        webfinger_url("fedi.example", Acct("alice", "fedi.example"))
        == "https://fedi.example/.well-known/webfinger?resource=acct:alice@fedi.example"
    )
    assert webfinger_url("localhost:8000", Acct("a+b", "localhost:8000"), scheme="http") == (
        "http://localhost:8000/.well-known/webfinger?resource=acct:a%2Bb@localhost:8000"
    )


def test_nodeinfo_documents() -> None:
    links = well_known_nodeinfo("https://fedi.example/")["links"]
    assert links == [
        {
            "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
            "href": "https://fedi.example/nodeinfo/2.0",
        },
        {
            "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
            "href": "https://fedi.example/nodeinfo/2.1",
        },
    ]
    common: dict[str, Any] = {
        "software_name": "fedi",
        "software_version": "0.1.0",
        "repository": "https://git.example/fedi",
        "homepage": "https://fedi.dev",
        "total_users": 3,
        "active_month": 2,
        "active_halfyear": 3,
        "local_posts": 40,
        "open_registrations": False,
        "metadata": {"nodeName": "fedi test"},
    }
    v20 = nodeinfo("2.0", **common)
    v21 = nodeinfo("2.1", **common)
    assert v20["software"] == {"name": "fedi", "version": "0.1.0"}
    assert v21["software"]["repository"] == "https://git.example/fedi"
    assert v21["software"]["homepage"] == "https://fedi.dev"
    assert v20["protocols"] == ["activitypub"]
    assert v20["usage"] == {
        "users": {"total": 3, "activeMonth": 2, "activeHalfyear": 3},
        "localPosts": 40,
    }
    assert v21["openRegistrations"] is False
    assert v21["metadata"] == {"nodeName": "fedi test"}
    with pytest.raises(ValueError, match=r"software\.name"):
        nodeinfo("2.1", **{**common, "software_name": "Fedi App"})
