"""Media uploads: processed into clean files, then recorded; only their owner may see or edit
them until a status carries them (services.statuses checks ownership when attaching)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from fedi.db import on_commit
from fedi.errors import NotFound, Unprocessable
from fedi.ids import new_id
from fedi.media import images
from fedi.media.storage import MediaStorage, new_key
from fedi.models.accounts import Account
from fedi.models.media import MediaAttachment
from fedi.runtime import Runtime
from fedi.store import media as store

MAX_DESCRIPTION = 1500


def upload(
    rt: Runtime, owner_id: int, data: bytes | None, *, description: str | None, focus: str | None
) -> MediaAttachment:
    """Decode, clean and store an image, then record it. Runs image work outside any transaction."""
    if data is None:
        raise Unprocessable("file is missing", field="file")
    text = _description(description)
    focus_x, focus_y = parse_focus(focus)
    processed = images.process(
        data, max_bytes=rt.settings.media.max_upload_bytes, max_pixels=rt.settings.media.max_pixels
    )
    media_id = new_id()
    original, thumbnail = processed.original, processed.thumbnail
    keys = {
        "original": new_key("attachments", media_id, original.extension),
        "small": new_key("attachments", media_id, thumbnail.extension, suffix="small"),
    }
    with stored_files(rt.media, {keys["original"]: original.data, keys["small"]: thumbnail.data}):
        item = MediaAttachment(
            id=media_id,
            account_id=owner_id,
            type="image",
            state="ready",
            file_key=keys["original"],
            thumbnail_key=keys["small"],
            mime_type=original.mime_type,
            width=original.width,
            height=original.height,
            size=len(original.data),
            thumbnail_width=thumbnail.width,
            thumbnail_height=thumbnail.height,
            blurhash=processed.blurhash,
            description=text or "",
            focus_x=focus_x,
            focus_y=focus_y,
        )
        with rt.db.session() as session:
            session.add(item)
    return item


@contextmanager
def stored_files(storage: MediaStorage, files: dict[str, bytes]) -> Iterator[None]:
    """Write files for a row about to be recorded; remove them if recording fails."""
    try:
        for key, data in files.items():
            storage.put(key, data)
        yield
    except BaseException:
        for key in files:
            storage.delete(key)
        raise


def own(session: Session, owner: Account, media_id: int) -> MediaAttachment:
    item = store.get(session, media_id)
    if item is None or item.account_id != owner.id:
        raise NotFound()
    return item


def update(
    session: Session, owner: Account, media_id: int, *, description: str | None, focus: str | None
) -> MediaAttachment:
    """Alt text and focal point, until the media is posted (then edits go through the status)."""
    item = own(session, owner, media_id)
    if item.status_id is not None:
        raise NotFound()
    if description is not None:
        item.description = _description(description) or ""
    if focus is not None:
        item.focus_x, item.focus_y = parse_focus(focus)
    session.add(item)
    return item


def delete(rt: Runtime, owner_id: int, media_id: int) -> None:
    """Delete a media that no status carries (Mastodon 4.4); its files go once that is committed."""
    storage = rt.media
    with rt.db.session() as session:
        item = store.get(session, media_id)
        if item is None or item.account_id != owner_id:
            raise NotFound()
        if item.status_id is not None:
            raise Unprocessable("This media is attached to a status")
        if item.scheduled_status_id is not None:
            raise Unprocessable("This media is attached to a scheduled status")
        if item.state == "processing":
            raise Unprocessable("This image is still being made")
        keys = [key for key in (item.file_key, item.thumbnail_key) if key]
        session.delete(item)

        def forget() -> None:
            for key in keys:
                storage.delete(key)

        on_commit(session, forget)


def _description(text: str | None) -> str | None:
    if text is not None and len(text) > MAX_DESCRIPTION:
        raise Unprocessable(f"description is longer than {MAX_DESCRIPTION} characters", field="description")
    return text.strip() if text is not None else None


def parse_focus(text: str | None) -> tuple[float, float]:
    """Mastodon's focal point "x,y", each from -1 to 1 (0,0 is the centre)."""
    if not text:
        return 0.0, 0.0
    try:
        x, y = (float(part) for part in text.split(","))
    except ValueError:
        raise Unprocessable("focus must be two numbers, x,y", field="focus") from None
    if not (-1.0 <= x <= 1.0 and -1.0 <= y <= 1.0):
        raise Unprocessable("focus values must be between -1 and 1", field="focus")
    return x, y
