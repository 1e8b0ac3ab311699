"""An account's archive: its own data, in Mastodon's archive layout plus `generations.jsonl`.

    actor.json              the account as an ActivityPub actor
    outbox.json             every post of the account (all visibilities) as Create activities;
                            attachment URLs point into the archive (`/media_attachments/...`)
    likes.json              the posts it favourited, by URI
    bookmarks.json          the posts it bookmarked, by URI
    following_accounts.csv  whom it follows, in Mastodon's import format
    media_attachments/...   its images, as stored: generated ones carry their XMP provenance and
                            their signed Content Credentials (C2PA) manifests
    generations.jsonl       one line per generated image: the parameters, the post, the file

Nothing of anyone else is exported: other people's posts appear only as the URIs this account
favourited, bookmarked or replied to, and other accounts only as the addresses it follows.
Database reads are batched and short; files are read from media storage between them.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from activitypub.context import with_extension_context
from fedi.convert import to_activitypub
from fedi.models.accounts import Account
from fedi.models.media import MediaAttachment
from fedi.runtime import Runtime
from fedi.services.federation import documents
from fedi.store import interactions as interaction_store
from fedi.store import relationships as relationship_store
from fedi.store import statuses as status_store
from fedi.store.paging import Page
from fedi.store.views import StatusView, status_views

BATCH = 200
ALL_VISIBILITIES = ("public", "unlisted", "private", "direct")
ARCHIVE_MEDIA = "media_attachments"


def write_archive(
    rt: Runtime, account_id: int, out: BinaryIO, *, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Write the archive of local account `account_id` to `out`; returns what it counted."""
    counts = {"posts": 0, "images": 0, "generations": 0, "likes": 0, "bookmarks": 0, "following": 0}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with rt.db.reader() as session:
            account = session.get(Account, account_id)
            if account is None or not account.local:
                raise ValueError(f"no local account {account_id}")
            actor = documents.actor(session, rt, account.username)
        archive.writestr("actor.json", _json(with_extension_context(actor, rt.urls.extension_context())))
        items: list[dict[str, Any]] = []
        generations: list[str] = []
        own_posts = _batches(rt, lambda s, page: _own_posts(s, account, page), lambda view: view.status.id)
        for views in own_posts:
            for view in views:
                items.append(_create(rt, view))
                counts["posts"] += 1
                for media in view.media:
                    if media.file_key is None or media.remote_url is not None:
                        continue
                    archive.writestr(f"{ARCHIVE_MEDIA}/{media.file_key}", rt.media.read(media.file_key))
                    counts["images"] += 1
                    if media.generation:
                        generations.append(_json_line(view, media))
                        counts["generations"] += 1
            if progress:
                progress(counts["posts"])
        archive.writestr("outbox.json", _json(_collection(rt, account, "outbox.json", items)))
        archive.writestr("generations.jsonl", "".join(generations))
        likes = [
            status.uri
            for batch in _batches(rt, lambda s, page: interaction_store.favourites_of(s, account.id, page))
            for _, status in batch
        ]
        bookmarks = [
            status.uri
            for batch in _batches(rt, lambda s, page: interaction_store.bookmarks_of(s, account.id, page))
            for _, status in batch
        ]
        counts["likes"], counts["bookmarks"] = len(likes), len(bookmarks)
        archive.writestr("likes.json", _json(_collection(rt, account, "likes.json", likes)))
        archive.writestr("bookmarks.json", _json(_collection(rt, account, "bookmarks.json", bookmarks)))
        following = [
            followed
            for batch in _batches(rt, lambda s, page: relationship_store.following(s, account.id, page))
            for _, followed in batch
        ]
        counts["following"] = len(following)
        archive.writestr("following_accounts.csv", _following_csv(rt, following))
    return counts


def write_archive_file(rt: Runtime, account_id: int, path: Path, **options: Any) -> dict[str, int]:
    """The archive into a file, written beside it and renamed into place when complete."""
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as out:
        counts = write_archive(rt, account_id, out, **options)
    partial.replace(path)
    return counts


def _own_posts(session: Any, account: Account, page: Page) -> list[StatusView]:
    found = status_store.by_account(
        session,
        account.id,
        page,
        visibilities=ALL_VISIBILITIES,
        include_processing=False,
        exclude_replies=False,
        exclude_reblogs=False,
        only_media=False,
        tagged=None,
    )
    return status_views(session, found, account)


def _batches(
    rt: Runtime, load: Callable[[Any, Page], list[Any]], id_of: Callable[[Any], int] = lambda row: row[0].id
) -> Iterator[list[Any]]:
    """Every row `load` pages through, newest first, one short read transaction per batch;
    `id_of` names the id a row is paged by (default: its first entity's)."""
    max_id: int | None = None
    while True:
        with rt.db.reader() as session:
            batch = load(session, Page(limit=BATCH, max_id=max_id))
        if not batch:
            return
        yield batch
        max_id = id_of(batch[-1])


def _create(rt: Runtime, view: StatusView) -> dict[str, Any]:
    activity = to_activitypub.create(view, rt.urls)
    activity.pop("@context", None)
    for attachment in activity["object"].get("attachment", []):
        key = _key_of(rt, view, attachment.get("url"))
        if key is not None:
            attachment["url"] = f"/{ARCHIVE_MEDIA}/{key}"
    return activity


def _key_of(rt: Runtime, view: StatusView, url: object) -> str | None:
    for media in view.media:
        if media.file_key and media.remote_url is None and rt.urls.media(media.file_key) == url:
            return media.file_key
    return None


def _json_line(view: StatusView, media: MediaAttachment) -> str:
    record = {
        "status": view.status.uri,
        "url": view.status.url,
        "created_at": view.status.created_at.isoformat(),
        "file": f"{ARCHIVE_MEDIA}/{media.file_key}",
        "alt": media.description,
        "parameters": media.generation,
    }
    return json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"


def _collection(rt: Runtime, account: Account, name: str, items: list[Any]) -> dict[str, Any]:
    return with_extension_context(
        {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": name,
            "type": "OrderedCollection",
            "totalItems": len(items),
            "orderedItems": items,
        },
        rt.urls.extension_context(),
    )


def _following_csv(rt: Runtime, accounts: list[Account]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Account address", "Show boosts", "Notify on new posts", "Languages"])
    host = rt.urls.base.split("://", 1)[1]
    for followed in accounts:
        writer.writerow([f"{followed.username}@{followed.domain or host}", "true", "false", ""])
    return out.getvalue()


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1)
