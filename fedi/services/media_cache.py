"""The remote media cache: remote posts' images copied into media storage, and pruned by age.

Clients then load a remote image from this server (local storage or the bucket, as for
uploads), as Mastodon does; `remote_url` keeps the original. Each image is fetched in the fetch
pool (per-host budgets, the SSRF-guarded client, a time budget), decoded and re-encoded like an
upload (size and pixel limits), stored, and only then recorded in a short transaction. An image
that cannot be fetched or decoded stays remote: clients get its original URL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlmodel import Session

from activitypub.errors import FetchError, FetchUnavailable
from activitypub.urls import host_of
from fedi.db import on_commit
from fedi.errors import FediError
from fedi.media import images
from fedi.media.storage import new_key
from fedi.models.media import MediaAttachment
from fedi.runtime import Runtime
from fedi.services.federation.fetches import FetchPending, RemoteError, wait
from fedi.services.media import stored_files
from fedi.store import media as media_store

log = logging.getLogger(__name__)

# How long the caching job waits for its fetches before leaving them to finish on their own.
WAIT_S = 2.0
CACHE_KIND = "cache"


def cache_status_media(rt: Runtime, status_id: int) -> None:
    """Start caching the remote images of one post (a job body: safe to run twice).

    Raises RemoteError(temporary) when a budget was full, so that the job is tried again."""
    if not rt.settings.media.cache_remote:
        return
    with rt.db.reader() as session:
        pending = media_store.uncached_remote_images(session, status_id)
    started: list[Future[None]] = []
    for media_id, url in pending:
        started.append(rt.fetches.start(f"media:{url}", host_of(url), partial(_cache, rt, media_id, url)))
    for future in started:
        try:
            wait(future, WAIT_S)
        except (FetchPending, RemoteError):
            pass  # it goes on in the pool, or the image stays remote


def _cache(rt: Runtime, media_id: int, url: str) -> None:
    media = rt.settings.media
    try:
        data, _ = rt.http.fetch_media(url, max_bytes=media.max_upload_bytes)
    except FetchError as exc:
        raise RemoteError(f"{url[:200]}: {exc}", temporary=isinstance(exc, FetchUnavailable)) from None
    try:
        processed = images.process(data, max_bytes=media.max_upload_bytes, max_pixels=media.max_pixels)
    except FediError as exc:
        raise RemoteError(f"{url[:200]} is not a usable image: {exc.message}") from None
    original, thumbnail = processed.original, processed.thumbnail
    keys = (
        new_key(CACHE_KIND, media_id, original.extension),
        new_key(CACHE_KIND, media_id, thumbnail.extension, suffix="small"),
    )
    files = dict(zip(keys, (original.data, thumbnail.data), strict=True))
    with stored_files(rt.media, files), rt.db.session() as session:
        item = media_store.get(session, media_id)
        if item is None or item.file_key is not None or item.remote_url != url:
            raise _Superseded()  # the post was edited or deleted meanwhile: drop the files
        item.file_key, item.thumbnail_key = keys
        item.mime_type = original.mime_type
        item.width, item.height = original.width, original.height
        item.thumbnail_width, item.thumbnail_height = thumbnail.width, thumbnail.height
        item.size = len(original.data) + len(thumbnail.data)
        item.blurhash = item.blurhash or processed.blurhash
        session.add(item)


def carried_over(cached: MediaAttachment) -> dict[str, Any]:
    """The cache columns of `cached`, for the row that replaces it when its post is edited."""
    return {
        "file_key": cached.file_key,
        "thumbnail_key": cached.thumbnail_key,
        "size": cached.size,
        "thumbnail_width": cached.thumbnail_width,
        "thumbnail_height": cached.thumbnail_height,
    }


def remove_files_after_commit(session: Session, rt: Runtime, removed: Iterable[MediaAttachment]) -> None:
    """Delete the cached files of attachment rows this transaction deletes, once it commits."""
    keys = [key for item in removed for key in (item.file_key, item.thumbnail_key) if key is not None]
    if keys:
        on_commit(session, lambda: _delete_quietly(rt, keys))


def _delete_quietly(rt: Runtime, keys: list[str]) -> None:
    for key in keys:
        try:
            rt.media.delete(key)
        except Exception:
            log.warning("could not delete the cached file %s", key, exc_info=True)


class _Superseded(RemoteError):
    def __init__(self) -> None:
        super().__init__("the attachment changed while its image was fetched")


@dataclass(frozen=True)
class Pruned:
    images: int
    bytes_freed: int


def prune(rt: Runtime, older_than: timedelta, *, batch: int = 500) -> Pruned:
    """Remove cached copies of remote images older than `older_than`; the rows keep their
    `remote_url`, which clients get again. Files go first, then the rows forget them, batch by
    batch, so a crash leaves at worst a row whose file is gone (it is pruned again)."""
    cutoff = datetime.now(UTC) - older_than
    removed = freed = 0
    while True:
        with rt.db.reader() as session:
            rows = [
                (item.id, item.file_key, item.thumbnail_key, item.size or 0)
                for item in media_store.cached_remote_before(session, cutoff, batch)
            ]
        if not rows:
            return Pruned(removed, freed)
        for _, file_key, thumbnail_key, _ in rows:
            for key in (file_key, thumbnail_key):
                if key is not None:
                    rt.media.delete(key)
        with rt.db.session() as session:
            for media_id, _, _, _ in rows:
                item = media_store.get(session, media_id)
                if item is not None:
                    item.file_key = item.thumbnail_key = None
                    session.add(item)
        removed += len(rows)
        freed += sum(size for *_, size in rows)
        log.info("pruned %d cached remote images", len(rows))
