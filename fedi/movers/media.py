"""`fedi media copy --to s3`: the local media directory into the configured bucket.

Resumable: objects already in the bucket with the same size are skipped, so running it again
after an interruption (or after new uploads, for a final pass once fedi is stopped) copies only
what is missing. Files are streamed from disk (obstore uploads large ones in parts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from fedi.media.storage import LocalStorage, S3Storage


@dataclass(frozen=True)
class MediaCopy:
    copied: int
    skipped: int
    bytes_copied: int
    missing_after: list[str]


def copy_media(
    source: LocalStorage, destination: S3Storage, *, console: Callable[[str], None], progress: bool = True
) -> MediaCopy:
    console(f"listing bucket {destination.bucket!r}")
    present = {item.key: item.size for item in destination.objects()}
    files = list(source.objects())
    todo = [item for item in files if present.get(item.key) != item.size]
    total = sum(item.size for item in todo)
    console(
        f"{len(files):,d} file(s) here, {len(files) - len(todo):,d} already in the bucket, {len(todo):,d} to copy"
    )
    columns = (
        TextColumn("copying"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, disable=not progress) as bar:
        task = bar.add_task("media", total=total)
        for item in todo:
            destination.put_file(item.key, source.path(item.key))
            bar.advance(task, item.size)
    after = {item.key: item.size for item in destination.objects()}
    missing = [item.key for item in files if after.get(item.key) != item.size]
    return MediaCopy(len(todo), len(files) - len(todo), total, missing)
