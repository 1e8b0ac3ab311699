"""Hostile inputs for the property tests: JSON shaped like ActivityStreams, HTML from a grammar
of the usual attacks, and header text near the grammar of the parsers under test."""

from __future__ import annotations

import string

from hypothesis import strategies as st

AS2_KEYS = [
    "@context", "id", "type", "actor", "object", "target", "to", "cc", "bto", "bcc", "audience",
    "attributedTo", "content", "contentMap", "summary", "name", "nameMap", "published", "updated",
    "url", "inReplyTo", "tag", "attachment", "mediaType", "href", "sensitive", "preferredUsername",
    "inbox", "outbox", "followers", "following", "featured", "endpoints", "sharedInbox", "publicKey",
    "publicKeyPem", "owner", "assertionMethod", "publicKeyMultibase", "controller", "icon", "image",
    "manuallyApprovesFollowers", "discoverable", "indexable", "movedTo", "alsoKnownAs", "memorial",
    "suspended", "blurhash", "focalPoint", "width", "height", "generation", "remixOf", "quoteUrl",
    "replies", "first", "items", "orderedItems", "subject", "links", "rel", "template", "language",
]  # fmt: skip
AS2_TYPES = [
    "Note", "Question", "Article", "Page", "Image", "Video", "Event", "Person", "Service", "Group",
    "Create", "Update", "Delete", "Announce", "Follow", "Accept", "Reject", "Undo", "Like", "Block",
    "Move", "Flag", "Mention", "Hashtag", "Emoji", "Document", "Link", "Tombstone", "Multikey",
    "PropertyValue", "Collection", "OrderedCollection",
]  # fmt: skip
URLS = st.sampled_from(
    [
        "https://remote.test/users/bob",
        "https://remote.test/users/bob#main-key",
        "https://remote.test/users/bob/statuses/1",
        "https://evil.test/x",
        "http://127.0.0.1/",
        "javascript:alert(1)",
        "https://www.w3.org/ns/activitystreams#Public",
        "as:Public",
        "",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    URLS,
    st.sampled_from(AS2_TYPES),
    st.sampled_from(["2026-11-20T10:00:00Z", "99999-01-01T00:00:00Z", "yesterday", "1970-01-01"]),
)
KEYS = st.one_of(st.sampled_from(AS2_KEYS), st.text(max_size=10))
JSON = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(KEYS, children, max_size=8)),
    max_leaves=20,
)
SHALLOW = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(KEYS, SCALARS, max_size=4))
# Objects that pass the first checks (an id and a type) more often than random JSON would; the
# tests nest deeper JSON under one key of them.
AS2_OBJECTS = st.builds(
    lambda base, type_, id_: {**base, "type": type_, "id": id_},
    st.dictionaries(KEYS, SHALLOW, max_size=10),
    st.one_of(st.sampled_from(AS2_TYPES), SHALLOW),
    st.one_of(URLS, SHALLOW),
)

_TAGS = ["p", "a", "span", "script", "style", "img", "svg", "iframe", "math", "h1", "h3", "b", "br",
         "object", "template", "div", "form", "input", "ruby", "rt", "ol", "li", "code", "pre"]  # fmt: skip
_ATTRIBUTES = ["href", "src", "onerror", "onload", "onclick", "style", "class", "lang", "rel",
               "target", "translate", "start", "value", "xlink:href", "formaction", "srcdoc"]  # fmt: skip
_VALUES = st.one_of(
    st.sampled_from(
        [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "https://remote.test/",
            "mention u-url h-card evil",
            "alert(1)",
            "expression(alert(1))",
            '"><script>alert(1)</script>',
        ]
    ),
    st.text(max_size=20),
)
_ATTRIBUTE = st.builds(
    lambda name, value, quote: f" {name}={quote}{value}{quote}",
    st.sampled_from(_ATTRIBUTES),
    _VALUES,
    st.sampled_from(['"', "'", ""]),
)
_OPEN = st.builds(
    lambda tag, attributes, close: f"<{tag}{''.join(attributes)}{close}>",
    st.sampled_from(_TAGS),
    st.lists(_ATTRIBUTE, max_size=3),
    st.sampled_from(["", " /", "/"]),
)
_CLOSE = st.sampled_from(_TAGS).map(lambda tag: f"</{tag}>")
_PIECES = st.one_of(
    _OPEN,
    _CLOSE,
    st.text(max_size=15),
    st.sampled_from(["<!--", "-->", "<![CDATA[", "]]>", "&lt;", "&amp;", "&#x3C;", "<", ">", "\x00", "`"]),
)
HTML = st.lists(_PIECES, max_size=25).map("".join)

HEADER_TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(
        st.one_of(
            st.sampled_from(
                ['keyId="', 'signature="', 'headers="', 'algorithm="', "created=", "expires=", '"', ",", "=",
                 "sig1=", "(", ")", '"@method"', '"@target-uri"', ";created=", ';keyid="', ":", "\\"]
            ),
            st.text(alphabet=string.printable, max_size=8),
        ),
        max_size=30,
    ).map("".join),
)  # fmt: skip
