"""Strict writers: the only place fedi's outgoing ActivityStreams documents are shaped.

Every builder returns a fresh dict with ``@context`` at the top; objects embedded in
another document lose theirs. Ids are minted by the caller. Shapes follow what Mastodon
reads and sends (``app/serializers/activitypub/*``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from .context import CONTEXT, GENERATION_KEYS
from .objects import get_id
from .signatures.keys import key_id_for
from .types import JsonObject
from .vocab import PUBLIC

ActorType = Literal["Person", "Service", "Application"]
NoteType = Literal["Note", "Question", "Article", "Page"]


@dataclass(frozen=True)
class ImageRef:
    """An avatar, header or emoji image."""

    url: str
    media_type: str | None = None


@dataclass(frozen=True)
class Mention:
    href: str
    name: str  # "@alice@example.com"


@dataclass(frozen=True)
class Hashtag:
    href: str
    name: str  # without the leading "#"


@dataclass(frozen=True)
class Attachment:
    url: str
    media_type: str
    alt: str | None = None
    blurhash: str | None = None
    focal_point: tuple[float, float] | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class Emoji:
    """A custom emoji a note or actor shows as ``:shortcode:`` (Mastodon's ``toot:Emoji``)."""

    id: str
    shortcode: str  # without colons
    url: str
    media_type: str
    updated: datetime


def _emoji(item: Emoji) -> JsonObject:
    return {
        "id": item.id,
        "type": "Emoji",
        "name": f":{item.shortcode}:",
        "updated": iso(item.updated),
        "icon": {"type": "Image", "mediaType": item.media_type, "url": item.url},
    }


def emoji(item: Emoji) -> JsonObject:
    """A custom emoji as its own document (what its id serves)."""
    return _document(_emoji(item))


@dataclass(frozen=True)
class Generator:
    """What made an object (AS2 `generator`): for a generated image, the model."""

    name: str
    url: str | None = None


@dataclass(frozen=True)
class Choices:
    """A poll: a ``Question``'s options with their vote counts (``oneOf``, or ``anyOf`` when
    several may be chosen), its end, and when it closed."""

    options: Sequence[tuple[str, int]]
    multiple: bool = False
    end_time: datetime | None = None
    closed: datetime | None = None
    voters_count: int | None = None


def iso(moment: datetime) -> str:
    """``2024-01-02T03:04:05Z``: UTC, whole seconds, as Mastodon writes it."""
    if moment.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _document(body: JsonObject) -> JsonObject:
    return {"@context": copy.deepcopy(CONTEXT), **body}


def embed(doc: Mapping[str, Any]) -> JsonObject:
    """A copy of ``doc`` fit to nest in another document (no ``@context``)."""
    return {k: copy.deepcopy(v) for k, v in doc.items() if k != "@context"}


def _image(ref: ImageRef) -> JsonObject:
    image: JsonObject = {"type": "Image", "url": ref.url}
    if ref.media_type:
        image["mediaType"] = ref.media_type
    return image


def actor(
    *,
    id: str,
    type: ActorType = "Person",
    preferred_username: str,
    webfinger: str,
    inbox: str,
    outbox: str,
    followers: str,
    following: str,
    featured: str | None = None,
    featured_tags: str | None = None,
    endorsements: str | None = None,
    shared_inbox: str | None = None,
    public_key_pem: str,
    published: datetime,
    name: str | None = None,
    summary: str | None = None,
    url: str | None = None,
    icon: ImageRef | None = None,
    image: ImageRef | None = None,
    manually_approves_followers: bool = False,
    discoverable: bool = False,
    indexable: bool = False,
    memorial: bool = False,
    suspended: bool = False,
    fields: Sequence[tuple[str, str]] = (),
    also_known_as: Sequence[str] = (),
    moved_to: str | None = None,
    emojis: Sequence[Emoji] = (),
) -> JsonObject:
    """An actor document; ``Service``/``Application`` get Mastodon's bot badge.

    ``webfinger`` is the FEP-2c59 address ``user@domain``; the key id is ``id#main-key``.
    """
    doc: JsonObject = {
        "id": id,
        "type": type,
        "preferredUsername": preferred_username,
        "name": name or "",
        "summary": summary or "",
        "url": url or id,
        "inbox": inbox,
        "outbox": outbox,
        "followers": followers,
        "following": following,
        "manuallyApprovesFollowers": manually_approves_followers,
        "discoverable": discoverable,
        "indexable": indexable,
        "published": iso(published),
        "memorial": memorial,
        "webfinger": webfinger,
        "publicKey": {"id": key_id_for(id), "owner": id, "publicKeyPem": public_key_pem},
        "attachment": [
            {"type": "PropertyValue", "name": field_name, "value": value} for field_name, value in fields
        ],
        "tag": [_emoji(e) for e in emojis],
        "endpoints": {"sharedInbox": shared_inbox} if shared_inbox else {},
    }
    if featured:
        doc["featured"] = featured
    if featured_tags:
        doc["featuredTags"] = featured_tags
    if endorsements:
        doc["endorsements"] = endorsements
    if icon:
        doc["icon"] = _image(icon)
    if image:
        doc["image"] = _image(image)
    if also_known_as:
        doc["alsoKnownAs"] = list(also_known_as)
    if moved_to:
        doc["movedTo"] = moved_to
    if suspended:
        doc["suspended"] = True
    return _document(doc)


def _attachment(item: Attachment) -> JsonObject:
    doc: JsonObject = {"type": "Document", "mediaType": item.media_type, "url": item.url}
    # Mastodon sends the alt text as name, GoToSocial as summary: send both.
    doc["name"] = item.alt
    doc["summary"] = item.alt
    if item.blurhash:
        doc["blurhash"] = item.blurhash
    if item.focal_point:
        doc["focalPoint"] = [float(item.focal_point[0]), float(item.focal_point[1])]
    if item.width:
        doc["width"] = item.width
    if item.height:
        doc["height"] = item.height
    return doc


def _generation(params: Mapping[str, Any]) -> JsonObject:
    unknown = set(params) - GENERATION_KEYS
    if unknown:
        raise ValueError(f"generation keys not defined in the @context: {sorted(unknown)}")
    return {k: copy.deepcopy(v) for k, v in params.items() if v is not None}


def note(
    *,
    id: str,
    attributed_to: str,
    content: str,
    published: datetime,
    to: Sequence[str],
    cc: Sequence[str],
    type: NoteType = "Note",
    url: str | None = None,
    summary: str | None = None,
    sensitive: bool = False,
    in_reply_to: str | None = None,
    updated: datetime | None = None,
    language: str | None = None,
    mentions: Sequence[Mention] = (),
    hashtags: Sequence[Hashtag] = (),
    attachments: Sequence[Attachment] = (),
    replies: str | None = None,
    generation: Mapping[str, Any] | None = None,
    remix_of: str | None = None,
    generator: Generator | None = None,
    license: str | None = None,
    poll: Choices | None = None,
    emojis: Sequence[Emoji] = (),
) -> JsonObject:
    """A status (a ``Question`` when it carries a ``poll``). ``summary`` is the content warning; ``replies`` the replies collection id.

    ``generation`` holds the diffusion parameters under the keys in
    ``context.GENERATION_KEYS``; ``remix_of`` is the id of the note this one remixes;
    ``generator`` (AS2) names the model, as an ``Application``; ``license`` is the URL of the
    licence the image is offered under. Documents with ``generation``, ``remixOf`` or
    ``license`` need the extension context (``context.with_extension_context``).
    """
    doc: JsonObject = {
        "id": id,
        "type": type,
        "attributedTo": attributed_to,
        "summary": summary or None,
        "sensitive": sensitive,
        "inReplyTo": in_reply_to,
        "published": iso(published),
        "url": url or id,
        "to": list(to),
        "cc": list(cc),
        "content": content,
    }
    if language:
        doc["contentMap"] = {language: content}
    if updated:
        doc["updated"] = iso(updated)
    doc["tag"] = (
        [{"type": "Mention", "href": m.href, "name": m.name} for m in mentions]
        + [{"type": "Hashtag", "href": h.href, "name": f"#{h.name.lstrip('#')}"} for h in hashtags]
        + [_emoji(e) for e in emojis]
    )
    doc["attachment"] = [_attachment(a) for a in attachments]
    if replies:
        doc["replies"] = replies
    if generation is not None:
        doc["generation"] = _generation(generation)
    if remix_of:
        doc["remixOf"] = remix_of
    if license:
        doc["license"] = license
    if generator is not None:
        doc["generator"] = {"type": "Application", "name": generator.name}
        if generator.url:
            doc["generator"]["url"] = generator.url
    if poll is not None:
        _add_poll(doc, poll)
    return _document(doc)


def _add_poll(doc: JsonObject, poll: Choices) -> None:
    doc["type"] = "Question"
    doc["anyOf" if poll.multiple else "oneOf"] = [
        {"type": "Note", "name": name, "replies": {"type": "Collection", "totalItems": votes}}
        for name, votes in poll.options
    ]
    if poll.end_time is not None:
        doc["endTime"] = iso(poll.end_time)
    if poll.closed is not None:
        doc["closed"] = iso(poll.closed)
    if poll.voters_count is not None:
        doc["votersCount"] = poll.voters_count


def vote(*, id: str, voter: str, question: str, question_author: str, choice: str) -> JsonObject:
    """A vote on a remote poll, as Mastodon sends it: a ``Create`` of a contentless ``Note``
    named after the chosen option, in reply to the ``Question``, addressed to its author only."""
    note: JsonObject = {
        "id": id,
        "type": "Note",
        "name": choice,
        "attributedTo": voter,
        "inReplyTo": question,
        "to": [question_author],
    }
    return _document(
        {"id": f"{id}/activity", "type": "Create", "actor": voter, "to": [question_author], "object": note}
    )


def _addressing(doc: JsonObject, to: Sequence[str] | None, cc: Sequence[str] | None) -> JsonObject:
    result: JsonObject = {}
    result["to"] = list(to) if to is not None else list(doc.get("to", []))
    result["cc"] = list(cc) if cc is not None else list(doc.get("cc", []))
    return result


def create(
    *,
    id: str,
    actor: str,
    object: Mapping[str, Any],
    published: datetime | None = None,
    to: Sequence[str] | None = None,
    cc: Sequence[str] | None = None,
) -> JsonObject:
    """Create wrapping ``object``; addressing and ``published`` default to the object's."""
    inner = embed(object)
    doc: JsonObject = {"id": id, "type": "Create", "actor": actor}
    if published is not None:
        doc["published"] = iso(published)
    elif "published" in inner:
        doc["published"] = inner["published"]
    doc.update(_addressing(inner, to, cc))
    doc["object"] = inner
    return _document(doc)


def update(
    *,
    id: str,
    actor: str,
    object: Mapping[str, Any],
    updated: datetime,
    to: Sequence[str] | None = None,
    cc: Sequence[str] | None = None,
    edit: bool = True,
) -> JsonObject:
    """Update carrying the whole new object; Mastodon treats it as an edit only with ``updated``.

    ``edit=False`` (a poll's new totals) leaves the object's own ``updated``, if any, as it is."""
    inner = embed(object)
    if edit:
        inner["updated"] = iso(updated)
    doc: JsonObject = {"id": id, "type": "Update", "actor": actor, "published": iso(updated)}
    doc.update(_addressing(inner, to, cc))
    doc["object"] = inner
    return _document(doc)


def tombstone(id: str, former_type: str | None = None) -> JsonObject:
    doc: JsonObject = {"id": id, "type": "Tombstone"}
    if former_type:
        doc["formerType"] = former_type
    return _document(doc)


def delete(
    *,
    id: str,
    actor: str,
    object_id: str,
    to: Sequence[str] = (PUBLIC,),
    cc: Sequence[str] = (),
    former_type: str | None = None,
) -> JsonObject:
    return _document(
        {
            "id": id,
            "type": "Delete",
            "actor": actor,
            "to": list(to),
            "cc": list(cc),
            "object": embed(tombstone(object_id, former_type)),
        }
    )


def follow(*, id: str, actor: str, object: str) -> JsonObject:
    return _document({"id": id, "type": "Follow", "actor": actor, "object": object})


def _reply_to_follow(kind: str, id: str, actor: str, follow_activity: Mapping[str, Any]) -> JsonObject:
    # Mastodon's Follow ids do not dereference: the Follow must travel inline (mastodon#12133).
    doc: JsonObject = {"id": id, "type": kind, "actor": actor}
    follower = get_id(follow_activity.get("actor"))
    if follower:
        doc["to"] = [follower]
    doc["object"] = embed(follow_activity)
    return _document(doc)


def accept(*, id: str, actor: str, follow_activity: Mapping[str, Any]) -> JsonObject:
    return _reply_to_follow("Accept", id, actor, follow_activity)


def reject(*, id: str, actor: str, follow_activity: Mapping[str, Any]) -> JsonObject:
    return _reply_to_follow("Reject", id, actor, follow_activity)


def undo(*, id: str, actor: str, activity: Mapping[str, Any]) -> JsonObject:
    """Undo with the undone activity inline; its addressing is reused."""
    inner = embed(activity)
    doc: JsonObject = {"id": id, "type": "Undo", "actor": actor}
    for key in ("to", "cc"):
        if key in inner:
            doc[key] = copy.deepcopy(inner[key])
    doc["object"] = inner
    return _document(doc)


def like(*, id: str, actor: str, object: str) -> JsonObject:
    return _document({"id": id, "type": "Like", "actor": actor, "object": object})


def announce(
    *,
    id: str,
    actor: str,
    object: str,
    published: datetime,
    to: Sequence[str],
    cc: Sequence[str],
) -> JsonObject:
    """A boost: ``object`` is the id of the boosted note."""
    return _document(
        {
            "id": id,
            "type": "Announce",
            "actor": actor,
            "published": iso(published),
            "to": list(to),
            "cc": list(cc),
            "object": object,
        }
    )


def block(*, id: str, actor: str, object: str) -> JsonObject:
    return _document({"id": id, "type": "Block", "actor": actor, "object": object})


def flag(*, id: str, actor: str, objects: Sequence[str], content: str) -> JsonObject:
    """A report: ``objects`` lists the reported account first, then status ids."""
    return _document({"id": id, "type": "Flag", "actor": actor, "content": content, "object": list(objects)})


def add(*, id: str, actor: str, object: str, target: str) -> JsonObject:
    """A post pinned to the ``target`` collection (Mastodon's `featured`), without addressing,
    as Mastodon sends it to the actor's followers."""
    return _document({"id": id, "type": "Add", "actor": actor, "object": object, "target": target})


def remove(*, id: str, actor: str, object: str, target: str) -> JsonObject:
    """The unpinning that undoes `add`."""
    return _document({"id": id, "type": "Remove", "actor": actor, "object": object, "target": target})


def move(*, id: str, actor: str, object: str, target: str) -> JsonObject:
    """Account migration: ``object`` the old actor, ``target`` the new one."""
    return _document({"id": id, "type": "Move", "actor": actor, "object": object, "target": target})


def _items(items: Sequence[str | Mapping[str, Any]]) -> list[Any]:
    return [item if isinstance(item, str) else embed(item) for item in items]


def ordered_collection(
    *,
    id: str,
    total_items: int,
    first: str | None = None,
    items: Sequence[str | Mapping[str, Any]] | None = None,
) -> JsonObject:
    doc: JsonObject = {"id": id, "type": "OrderedCollection", "totalItems": total_items}
    if first is not None:
        doc["first"] = first
    if items is not None:
        doc["orderedItems"] = _items(items)
    return _document(doc)


def ordered_collection_page(
    *,
    id: str,
    part_of: str,
    items: Sequence[str | Mapping[str, Any]],
    next: str | None = None,
    prev: str | None = None,
) -> JsonObject:
    doc: JsonObject = {"id": id, "type": "OrderedCollectionPage", "partOf": part_of}
    if next is not None:
        doc["next"] = next
    if prev is not None:
        doc["prev"] = prev
    doc["orderedItems"] = _items(items)
    return _document(doc)
