"""Tolerant readers for incoming ActivityStreams JSON.

Remote documents are untrusted and loosely shaped: any field may be a string, an object or
a list. The helpers here never raise on odd optional fields; the views raise FormatError
only when a field they cannot do without is missing or of the wrong type.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeGuard

from .errors import FormatError
from .signatures.multikey import ed25519_pem_from_multibase
from .types import JsonObject
from .urls import host_of, same_origin
from .vocab import ACTOR_TYPES, BOT_ACTOR_TYPES, OBJECT_TYPES

__all__ = [
    "ActivityView",
    "ActorView",
    "AttachmentView",
    "NoteView",
    "QuestionPoll",
    "as_list",
    "first",
    "get_id",
    "get_str",
    "get_url",
    "host_of",
    "is_http_url",
    "parse_datetime",
    "same_origin",
    "valid_blurhash",
]

_BLURHASH = re.compile(r"^[0-9A-Za-z#$%*+,\-.:;=?@\[\]^_{|}~]{6,100}$")
_BASE83 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"
_MAX_DATETIME_LEN = 64


def as_list(value: Any) -> list[Any]:
    """``None`` → ``[]``, a list → itself, anything else → ``[value]``."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def first(value: Any) -> Any:
    """The first element of a list (``None`` if empty), or the value itself."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def get_id(value: Any) -> str | None:
    """The id of a reference: a string, an object with a string ``id``, or the first of a list."""
    value = first(value)
    if isinstance(value, str):
        return value or None
    if isinstance(value, Mapping):
        ident = value.get("id")
        return ident if isinstance(ident, str) and ident else None
    return None


def get_str(obj: Mapping[str, Any], key: str) -> str | None:
    """A string field, falling back to its language map (``contentMap`` for ``content``)."""
    value = first(obj.get(key))
    if isinstance(value, str):
        return value
    language_map = obj.get(f"{key}Map")
    if isinstance(language_map, Mapping):
        for text in language_map.values():
            if isinstance(text, str):
                return text
    return None


def is_http_url(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and value.lower().startswith(("https://", "http://"))


def get_url(value: Any) -> str | None:
    """An http(s) URL from a string, a Link (``href``) or a list of them; text/html preferred."""
    candidates: list[tuple[str, str]] = []
    href: Any
    for item in as_list(value):
        if isinstance(item, str):
            href, media_type = item, "text/html"
        elif isinstance(item, Mapping):
            href = item.get("href", item.get("url"))
            if isinstance(href, Mapping | list):
                href = get_url(href)
            media_type = item.get("mediaType") or item.get("mimeType") or "text/html"
        else:
            continue
        if is_http_url(href) and isinstance(media_type, str):
            candidates.append((href, media_type.lower()))
    for url, kind in candidates:
        if kind.startswith("text/html"):
            return url
    return candidates[0][0] if candidates else None


def parse_datetime(value: Any) -> datetime | None:
    """An aware UTC datetime from ISO 8601 text, or ``None`` for anything unparsable.

    A missing offset is read as UTC. Years past 9999 do not parse (SECURITY B-41).
    """
    if not isinstance(value, str) or not value or len(value) > _MAX_DATETIME_LEN:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        return None


def _bool(value: Any) -> bool:
    return value is True


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _ids(value: Any) -> list[str]:
    return [ident for ident in (get_id(v) for v in as_list(value)) if ident]


def _required_str(doc: Mapping[str, Any], key: str, kind: str) -> str:
    value = doc.get(key)
    if not isinstance(value, str) or not value:
        raise FormatError(f"{kind} is missing a string {key!r}")
    return value


def _require_object(doc: Any, kind: str) -> JsonObject:
    if not isinstance(doc, dict):
        raise FormatError(f"{kind} must be a JSON object")
    return doc


def _image_url(value: Any) -> str | None:
    image = first(value)
    if isinstance(image, Mapping):
        return get_url(image.get("url"))
    return get_url(image)


def valid_blurhash(value: Any) -> str | None:
    """The blurhash if its alphabet, length and component count agree, else ``None``."""
    if not isinstance(value, str) or not _BLURHASH.match(value):
        return None
    size_flag = _BASE83.index(value[0])
    components_x, components_y = size_flag % 9 + 1, size_flag // 9 + 1
    return value if len(value) == 4 + 2 * components_x * components_y else None


@dataclass(frozen=True)
class EmojiTag:
    """A custom emoji an object or actor uses (``tag`` of type ``Emoji``), unchecked beyond its
    shape: the shortcode without colons and an http(s) image URL."""

    shortcode: str
    url: str
    id: str | None
    media_type: str | None
    updated: datetime | None


def emoji_tags(doc: Mapping[str, Any]) -> list[EmojiTag]:
    result = []
    for tag in as_list(doc.get("tag")):
        if not isinstance(tag, Mapping) or tag.get("type") != "Emoji":
            continue
        name, url = tag.get("name"), _image_url(tag.get("icon"))
        if isinstance(name, str) and name.strip(":") and url:
            icon = first(tag.get("icon"))
            media_type = icon.get("mediaType") if isinstance(icon, Mapping) else None
            result.append(
                EmojiTag(
                    shortcode=name.strip(":"),
                    url=url,
                    id=get_id(tag.get("id")),
                    media_type=media_type if isinstance(media_type, str) else None,
                    updated=parse_datetime(tag.get("updated")),
                )
            )
    return result


class AttachmentView:
    """A media attachment (``Document``, ``Image``, ...) of a note."""

    def __init__(self, doc: JsonObject) -> None:
        self.raw = _require_object(doc, "Attachment")
        url = get_url(doc.get("url"))
        if url is None:
            raise FormatError("Attachment has no http(s) url")
        self.url = url

    @property
    def type(self) -> str | None:
        value = self.raw.get("type")
        return value if isinstance(value, str) else None

    @property
    def media_type(self) -> str | None:
        value = self.raw.get("mediaType")
        return value if isinstance(value, str) else None

    @property
    def alt(self) -> str | None:
        # Mastodon reads summary first, then name; GoToSocial sends only summary.
        for key in ("summary", "name"):
            text = get_str(self.raw, key)
            if text and text.strip():
                return text.strip()
        return None

    @property
    def blurhash(self) -> str | None:
        return valid_blurhash(self.raw.get("blurhash"))

    @property
    def focal_point(self) -> tuple[float, float] | None:
        value = self.raw.get("focalPoint")
        if not isinstance(value, list) or len(value) != 2:
            return None
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
            return None
        if not all(math.isfinite(v) for v in value):
            return None
        x, y = (max(-1.0, min(1.0, float(v))) for v in value)
        return (x, y)

    @property
    def width(self) -> int | None:
        return _int(self.raw.get("width"))

    @property
    def height(self) -> int | None:
        return _int(self.raw.get("height"))


class ActorView:
    """An actor document (Person, Service, Application, Group, Organization)."""

    def __init__(self, doc: Any) -> None:
        self.raw = _require_object(doc, "Actor")
        self.id = _required_str(self.raw, "id", "Actor")
        self.type = _required_str(self.raw, "type", "Actor")
        if self.type not in ACTOR_TYPES:
            raise FormatError(f"Not an actor type: {self.type!r}")
        self.inbox = _required_str(self.raw, "inbox", "Actor")

    def _opt_id(self, key: str) -> str | None:
        return get_id(self.raw.get(key))

    @property
    def preferred_username(self) -> str | None:
        value = self.raw.get("preferredUsername")
        return value if isinstance(value, str) and value else None

    @property
    def name(self) -> str | None:
        return get_str(self.raw, "name")

    @property
    def summary(self) -> str | None:
        return get_str(self.raw, "summary")

    @property
    def url(self) -> str | None:
        return get_url(self.raw.get("url"))

    @property
    def outbox(self) -> str | None:
        return self._opt_id("outbox")

    @property
    def followers(self) -> str | None:
        return self._opt_id("followers")

    @property
    def following(self) -> str | None:
        return self._opt_id("following")

    @property
    def featured(self) -> str | None:
        return self._opt_id("featured")

    @property
    def endorsements(self) -> str | None:
        """The accounts the actor endorses (fedi's extension term, `fedi:endorsements`)."""
        return self._opt_id("endorsements")

    @property
    def shared_inbox(self) -> str | None:
        endpoints = self.raw.get("endpoints")
        if isinstance(endpoints, Mapping):
            value = endpoints.get("sharedInbox")
            return value if is_http_url(value) else None
        return None

    def _public_key(self) -> Mapping[str, Any]:
        # Some servers publish several keys; take the first complete one.
        for key in as_list(self.raw.get("publicKey")):
            if isinstance(key, Mapping) and isinstance(key.get("publicKeyPem"), str):
                return key
        return {}

    @property
    def public_key_id(self) -> str | None:
        return get_id(self._public_key())

    @property
    def public_key_owner(self) -> str | None:
        return get_id(self._public_key().get("owner"))

    @property
    def public_key_pem(self) -> str | None:
        value = self._public_key().get("publicKeyPem")
        return value if isinstance(value, str) else None

    @property
    def ed25519_keys(self) -> list[tuple[str, str]]:
        """FEP-521a ``assertionMethod`` Ed25519 multikeys of this actor: ``(key id, PEM)``.

        Only keys the actor controls and that live on its origin count; others are ignored.
        """
        keys = []
        for item in as_list(self.raw.get("assertionMethod"))[:8]:
            if not isinstance(item, Mapping) or item.get("type") != "Multikey":
                continue
            key_id = get_id(item)
            if (
                key_id is None
                or get_id(item.get("controller")) != self.id
                or not same_origin(key_id, self.id)
            ):
                continue
            try:
                keys.append((key_id, ed25519_pem_from_multibase(item.get("publicKeyMultibase"))))
            except FormatError:
                continue
        return keys

    @property
    def icon_url(self) -> str | None:
        return _image_url(self.raw.get("icon"))

    @property
    def image_url(self) -> str | None:
        return _image_url(self.raw.get("image"))

    @property
    def manually_approves_followers(self) -> bool:
        return _bool(self.raw.get("manuallyApprovesFollowers"))

    @property
    def discoverable(self) -> bool:
        return _bool(self.raw.get("discoverable"))

    @property
    def indexable(self) -> bool:
        return _bool(self.raw.get("indexable"))

    @property
    def bot(self) -> bool:
        return self.type in BOT_ACTOR_TYPES

    @property
    def fields(self) -> list[tuple[str, str]]:
        """Profile metadata: ``(name, value)`` of each PropertyValue attachment."""
        result = []
        for item in as_list(self.raw.get("attachment")):
            if isinstance(item, Mapping) and item.get("type") == "PropertyValue":
                name, value = item.get("name"), item.get("value")
                if isinstance(name, str) and isinstance(value, str):
                    result.append((name, value))
        return result

    @property
    def also_known_as(self) -> list[str]:
        return _ids(self.raw.get("alsoKnownAs"))

    @property
    def moved_to(self) -> str | None:
        return self._opt_id("movedTo")

    @property
    def published(self) -> datetime | None:
        return parse_datetime(self.raw.get("published"))

    @property
    def suspended(self) -> bool:
        return _bool(self.raw.get("suspended"))

    @property
    def memorial(self) -> bool:
        return _bool(self.raw.get("memorial"))

    @property
    def webfinger(self) -> str | None:
        """FEP-2c59 preferred address (unverified: confirm it with a WebFinger lookup)."""
        value = self.raw.get("webfinger")
        return value if isinstance(value, str) and value else None

    @property
    def emoji_tags(self) -> list[EmojiTag]:
        """Custom emoji its name and summary use."""
        return emoji_tags(self.raw)


class NoteView:
    """A status-like object: Note or Question, or one Mastodon converts (Article, Page, ...)."""

    def __init__(self, doc: Any) -> None:
        self.raw = _require_object(doc, "Object")
        self.id = _required_str(self.raw, "id", "Object")
        self.type = _required_str(self.raw, "type", "Object")
        if self.type not in OBJECT_TYPES:
            raise FormatError(f"Unsupported object type: {self.type!r}")
        attributed_to = get_id(self.raw.get("attributedTo"))
        if attributed_to is None:
            raise FormatError("Object is missing 'attributedTo'")
        self.attributed_to = attributed_to

    @property
    def name(self) -> str | None:
        return get_str(self.raw, "name")

    @property
    def content(self) -> str | None:
        return get_str(self.raw, "content")

    @property
    def language(self) -> str | None:
        content_map = self.raw.get("contentMap")
        if isinstance(content_map, Mapping):
            for key in content_map:
                if isinstance(key, str) and key and key != "und":
                    return key
        return None

    @property
    def summary(self) -> str | None:
        return get_str(self.raw, "summary")

    @property
    def sensitive(self) -> bool:
        return _bool(self.raw.get("sensitive"))

    @property
    def in_reply_to(self) -> str | None:
        return get_id(self.raw.get("inReplyTo"))

    @property
    def published(self) -> datetime | None:
        return parse_datetime(self.raw.get("published"))

    @property
    def updated(self) -> datetime | None:
        return parse_datetime(self.raw.get("updated"))

    @property
    def url(self) -> str | None:
        return get_url(self.raw.get("url"))

    @property
    def to(self) -> list[str]:
        return _ids(self.raw.get("to"))

    @property
    def cc(self) -> list[str]:
        return _ids(self.raw.get("cc"))

    def _tags(self, kind: str) -> list[Mapping[str, Any]]:
        return [t for t in as_list(self.raw.get("tag")) if isinstance(t, Mapping) and t.get("type") == kind]

    @property
    def mentions(self) -> list[tuple[str, str | None]]:
        """``(href, name)`` of each Mention tag; name is e.g. ``@alice@example.com``."""
        result = []
        for tag in self._tags("Mention"):
            href, name = tag.get("href"), tag.get("name")
            if is_http_url(href):
                result.append((href, name if isinstance(name, str) else None))
        return result

    @property
    def hashtags(self) -> list[str]:
        """Names of the Hashtag tags, without the leading ``#``."""
        result = []
        for tag in self._tags("Hashtag"):
            name = tag.get("name")
            if isinstance(name, str) and name.lstrip("#"):
                result.append(name.lstrip("#"))
        return result

    @property
    def emojis(self) -> list[tuple[str, str]]:
        """``(shortcode, image url)`` of each custom Emoji tag; shortcode without colons."""
        return [(tag.shortcode, tag.url) for tag in emoji_tags(self.raw)]

    @property
    def emoji_tags(self) -> list[EmojiTag]:
        return emoji_tags(self.raw)

    @property
    def attachments(self) -> list[AttachmentView]:
        """Media attachments with an http(s) url; anything else is skipped."""
        result = []
        for item in as_list(self.raw.get("attachment")):
            if isinstance(item, dict) and get_url(item.get("url")):
                result.append(AttachmentView(item))
        return result

    @property
    def replies_id(self) -> str | None:
        return get_id(self.raw.get("replies"))

    @property
    def generation(self) -> JsonObject | None:
        """fedi's ``generation`` parameters object, if the note carries one."""
        for key in ("generation", "fedi:generation"):
            value = self.raw.get(key)
            if isinstance(value, dict):
                return value
        return None

    @property
    def remix_of(self) -> str | None:
        return get_id(self.raw.get("remixOf", self.raw.get("fedi:remixOf")))

    @property
    def poll(self) -> QuestionPoll | None:
        """The poll of a ``Question`` with options (``oneOf``, or ``anyOf``), else ``None``."""
        if self.type != "Question":
            return None
        multiple = "anyOf" in self.raw and "oneOf" not in self.raw
        options: list[tuple[str, int]] = []
        for item in as_list(self.raw.get("anyOf" if multiple else "oneOf"))[:MAX_POLL_OPTIONS]:
            if not isinstance(item, Mapping):
                continue
            name = get_str(item, "name")
            if not name:
                continue
            replies = item.get("replies")
            total = replies.get("totalItems") if isinstance(replies, Mapping) else None
            options.append((name[:MAX_POLL_OPTION_LENGTH], _count(total)))
        if not options:
            return None
        end = parse_datetime(self.raw.get("endTime"))
        closed = self.raw.get("closed")
        closed_at = parse_datetime(closed) or (end if closed is True else None)
        voters = self.raw.get("votersCount")
        return QuestionPoll(
            options=options,
            multiple=multiple,
            end_time=end or closed_at,
            closed=closed_at,
            voters_count=_count(voters) if voters is not None else None,
        )


# Bounds on what a received poll may hold (Mastodon itself allows 4 options of 50 characters).
MAX_POLL_OPTIONS = 64
MAX_POLL_OPTION_LENGTH = 1000
_MAX_COUNT = 2**62


def _count(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return min(max(value, 0), _MAX_COUNT)
    return 0


@dataclass(frozen=True)
class QuestionPoll:
    """A received poll: options with their vote counts, in order."""

    options: list[tuple[str, int]]
    multiple: bool
    end_time: datetime | None
    closed: datetime | None
    voters_count: int | None


class ActivityView:
    """An activity (Create, Follow, Undo, ...). ``object`` stays raw: it may be an id or a doc."""

    def __init__(self, doc: Any) -> None:
        self.raw = _require_object(doc, "Activity")
        self.id = _required_str(self.raw, "id", "Activity")
        self.type = _required_str(self.raw, "type", "Activity")
        actor = get_id(self.raw.get("actor"))
        if actor is None:
            raise FormatError("Activity is missing 'actor'")
        self.actor = actor

    @property
    def object(self) -> Any:
        return self.raw.get("object")

    @property
    def object_id(self) -> str | None:
        return get_id(self.raw.get("object"))

    @property
    def target(self) -> str | None:
        return get_id(self.raw.get("target"))

    @property
    def to(self) -> list[str]:
        return _ids(self.raw.get("to"))

    @property
    def cc(self) -> list[str]:
        return _ids(self.raw.get("cc"))

    @property
    def published(self) -> datetime | None:
        return parse_datetime(self.raw.get("published"))
