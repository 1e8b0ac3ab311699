"""ActivityStreams and Mastodon vocabulary: the public collection, media types, type names."""

from __future__ import annotations

AS_NS = "https://www.w3.org/ns/activitystreams"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
# Compacted forms other servers send; Mastodon accepts all three (ActivityPub::TagManager).
PUBLIC_ALIASES = frozenset({PUBLIC, "as:Public", "Public"})

ACTIVITY_JSON = "application/activity+json"
LD_JSON = f'application/ld+json; profile="{AS_NS}"'
JRD_JSON = "application/jrd+json"
# What fedi sends when dereferencing an object, as Mastodon does.
ACCEPT_ACTIVITY = f"{ACTIVITY_JSON}, {LD_JSON}"
ACCEPT_JRD = f"{JRD_JSON}, application/json"
ACCEPT_XRD = "application/xrd+xml, application/xml, text/xml"

ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})
BOT_ACTOR_TYPES = frozenset({"Service", "Application"})
# Mastodon stores Note and Question as statuses and converts the others (title + url).
NOTE_TYPES = frozenset({"Note", "Question"})
CONVERTED_TYPES = frozenset({"Article", "Page", "Image", "Audio", "Video", "Event"})
OBJECT_TYPES = NOTE_TYPES | CONVERTED_TYPES
ACTIVITY_TYPES = frozenset(
    {
        "Accept",
        "Add",
        "Announce",
        "Block",
        "Create",
        "Delete",
        "Flag",
        "Follow",
        "Like",
        "Move",
        "Reject",
        "Remove",
        "Undo",
        "Update",
    }
)
COLLECTION_TYPES = frozenset({"Collection", "OrderedCollection", "CollectionPage", "OrderedCollectionPage"})


def is_public(uri: object) -> bool:
    """Whether ``uri`` names the public collection in any of its spellings."""
    return isinstance(uri, str) and uri in PUBLIC_ALIASES


def _parse_media_type(value: str) -> tuple[str, dict[str, str]]:
    """Split ``type/subtype; k=v`` into the lower-cased type and its parameters."""
    kind, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for part in rest.split(";"):
        key, sep, val = part.partition("=")
        if sep:
            params[key.strip().lower()] = val.strip().strip('"')
    return kind.strip().lower(), params


def is_activity_content_type(content_type: str) -> bool:
    """Whether a response's Content-Type marks an ActivityStreams document.

    Only ``application/activity+json`` (any parameters) and ``application/ld+json``
    with the ActivityStreams profile qualify: accepting ``application/json`` let
    uploaded files pass as actors (CVE-2024-25623).
    """
    kind, params = _parse_media_type(content_type)
    if kind == ACTIVITY_JSON:
        return True
    if kind == "application/ld+json":
        # RFC 6906: profile is a space-separated list of URIs.
        return AS_NS in params.get("profile", "").split()
    return False


def wants_activity_json(accept_header: str) -> bool:
    """Content negotiation for serving: does this Accept header ask for AS2 JSON?"""
    for entry in accept_header.split(","):
        kind, params = _parse_media_type(entry)
        if kind not in (ACTIVITY_JSON, "application/ld+json"):
            continue
        try:
            quality = float(params.get("q", "1"))
        except ValueError:
            quality = 1.0
        if quality > 0:
            return True
    return False
