"""Custom emoji: the local set an admin manages with `fedi emoji`, `:shortcode:` in local posts
and profiles, and the remote emoji other servers name in their `Emoji` tags.

Local images are re-encoded as PNG (at most 400x400 and 256 KB, as Mastodon limits them) and
stored like other media, in the configured storage. Remote emoji are remembered by shortcode
and domain with their image URL; their images are not fetched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from PIL import Image
from sqlmodel import Session

from activitypub.objects import EmojiTag, is_http_url
from fedi.convert.common import emoji_uri, emoji_url
from fedi.db import on_commit
from fedi.errors import NotFound, Unprocessable
from fedi.ids import new_id
from fedi.media import images
from fedi.media.storage import new_key
from fedi.models.accounts import Account
from fedi.models.emojis import LOCAL, CustomEmoji
from fedi.runtime import Runtime
from fedi.store import emojis as store
from fedi.urls import Urls

SHORTCODE = re.compile(r"[A-Za-z0-9_]{2,64}")
# `:blobcat:` in text, not inside a word or a URL (Mastodon's SCAN_RE, simplified).
IN_TEXT = re.compile(r"(?<![A-Za-z0-9_:/]):([A-Za-z0-9_]{2,64}):(?![A-Za-z0-9_:/])")
MAX_SIDE = 400
MAX_BYTES = 256 * 1024
MAX_INPUT_BYTES = 10 * 1024 * 1024
MAX_CATEGORY = 64
# Hostile input: at most this many emoji tags are read from one remote post or actor.
MAX_REMOTE = 50
MAX_REMOTE_SHORTCODE = 128
MAX_URL = 2048
REMOTE_SHORTCODE = re.compile(rf"\w{{1,{MAX_REMOTE_SHORTCODE}}}", re.ASCII)


def check_shortcode(shortcode: str) -> str:
    if not SHORTCODE.fullmatch(shortcode):
        raise Unprocessable(
            "a shortcode is 2 to 64 letters, digits or underscores (e.g. blobcat)", field="shortcode"
        )
    return shortcode


def encode_png(data: bytes) -> images.Encoded:
    """The image as a clean PNG of at most 400x400 (larger ones are scaled down) and 256 KB."""
    image, _ = images.decode(data, max_bytes=MAX_INPUT_BYTES, max_pixels=4096 * 4096)
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA")
    if image.width > MAX_SIDE or image.height > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    encoded = images.encode(image, "PNG")
    if len(encoded.data) > MAX_BYTES:
        raise Unprocessable(
            f"the image is {len(encoded.data) // 1024} KB as a PNG of {encoded.width}x{encoded.height}; "
            f"an emoji may be at most {MAX_BYTES // 1024} KB (use a smaller or simpler image)",
            field="file",
        )
    return encoded


def add_local(rt: Runtime, shortcode: str, data: bytes, *, category: str | None = None) -> CustomEmoji:
    """Add an emoji to the local set; the image work and the upload happen outside any
    transaction, and the file is removed again if the row cannot be recorded."""
    check_shortcode(shortcode)
    if category is not None and (not category.strip() or len(category) > MAX_CATEGORY):
        raise Unprocessable(f"a category is 1 to {MAX_CATEGORY} characters", field="category")
    with rt.db.reader() as session:
        if store.by_shortcode(session, shortcode) is not None:
            raise Unprocessable(f":{shortcode}: exists already (remove it first)", field="shortcode")
    encoded = encode_png(data)
    emoji_id = new_id()
    key = new_key("emojis", emoji_id, "png")
    rt.media.put(key, encoded.data)
    try:
        with rt.db.session() as session:
            emoji = CustomEmoji(
                id=emoji_id,
                shortcode=shortcode,
                domain=LOCAL,
                file_key=key,
                media_type="image/png",
                category=category.strip() if category else None,
            )
            session.add(emoji)
    except Exception:
        rt.media.delete(key)
        raise
    return emoji


def remove_local(session: Session, rt: Runtime, shortcode: str) -> None:
    emoji = store.by_shortcode(session, shortcode)
    if emoji is None:
        raise NotFound(f"there is no local emoji :{shortcode}:")
    key, storage = emoji.file_key, rt.media
    session.delete(emoji)
    if key:
        on_commit(session, lambda: storage.delete(key))


def shortcodes_in(*texts: str) -> list[str]:
    found: dict[str, None] = {}
    for text in texts:
        for match in IN_TEXT.finditer(text):
            found[match[1]] = None
    return list(found)


def local_in(session: Session, *texts: str) -> list[CustomEmoji]:
    """The local emoji a local post or profile names as `:shortcode:`."""
    return store.by_shortcodes(session, shortcodes_in(*texts))


def snapshot(emojis: Iterable[CustomEmoji], urls: Urls) -> list[dict[str, Any]]:
    """What an account row keeps of the emoji its name and note show."""
    return [
        {
            "shortcode": e.shortcode,
            "url": emoji_url(e, urls),
            "uri": emoji_uri(e, urls),
            "media_type": e.media_type,
            "updated": e.updated_at.isoformat(),
            "category": e.category,
        }
        for e in emojis
    ]


def refresh_local_account(session: Session, rt: Runtime, account: Account) -> None:
    """After a profile change: the emoji its display name, note and fields name."""
    fields = " ".join(f"{f.get('name', '')} {f.get('value', '')}" for f in account.fields)
    account.emojis = snapshot(local_in(session, account.display_name, account.note_source, fields), rt.urls)


def remember_remote(session: Session, domain: str, tags: Sequence[EmojiTag]) -> list[CustomEmoji]:
    """Store (or update) the emoji a remote post or actor names, keyed by shortcode and domain.

    Hostile input is cut down, never refused: at most 50 tags, shortcodes of at most 128 word
    characters, http(s) URLs of at most 2048 characters; anything else is skipped."""
    result: dict[str, CustomEmoji] = {}
    usable = [
        t
        for t in tags[:MAX_REMOTE]
        if REMOTE_SHORTCODE.fullmatch(t.shortcode) and is_http_url(t.url) and len(t.url) <= MAX_URL
    ]
    known = {e.shortcode: e for e in store.by_shortcodes(session, {t.shortcode for t in usable}, domain)}
    for tag in usable:
        if tag.shortcode in result:
            continue
        emoji = known.get(tag.shortcode) or CustomEmoji(shortcode=tag.shortcode, domain=domain)
        media_type = (tag.media_type or "image/png")[:64]
        uri = tag.id if tag.id and is_http_url(tag.id) and len(tag.id) <= MAX_URL else None
        if (emoji.image_url, emoji.uri, emoji.media_type) != (tag.url, uri, media_type):
            emoji.image_url, emoji.uri, emoji.media_type = tag.url, uri, media_type
            emoji.updated_at = datetime.now(UTC)
        session.add(emoji)
        result[tag.shortcode] = emoji
    session.flush()
    return list(result.values())


def set_for_status(session: Session, status_id: int, emojis: Iterable[CustomEmoji]) -> None:
    store.set_for_status(session, status_id, [e.id for e in emojis])
