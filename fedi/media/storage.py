"""Where media files live: a local directory (the embedded default) or an S3-compatible bucket.

Keys are built here from ids and random names only: nothing a client sends (file names, types)
ever reaches a path or an object name. Local writes are atomic (a temporary file renamed into
place), and so are S3 PUTs, so a crash never leaves half an image behind a URL.

Both stores answer the same small port, `MediaStorage`; services never know which one they have.
Every call is blocking I/O: callers keep it outside database transactions.
"""

from __future__ import annotations

import mimetypes
import os
import re
import secrets
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from fedi.config import Settings

_KEY = re.compile(r"^[a-z0-9_-]+(/[a-z0-9_-]+)*\.[a-z0-9]+$")
# Keys name immutable files (a new image gets a new key), so caches may keep them for a year.
CACHE_CONTROL = "public, max-age=31536000, immutable"


def new_key(kind: str, owner_id: int, extension: str, *, suffix: str = "") -> str:
    """`attachments/<id>/<random>.jpg`: unguessable, so private posts' files cannot be listed."""
    name = secrets.token_hex(8) + (f"-{suffix}" if suffix else "")
    return f"{kind}/{owner_id}/{name}.{extension}"


def check_key(key: str) -> str:
    if not _KEY.match(key):
        raise ValueError(f"not a media key: {key!r}")
    return key


def content_type(key: str) -> str:
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int


class MediaStorage(Protocol):
    # True when every process (web, worker, GPU host) sees the same files: a GPU host then
    # writes images itself instead of sending them back through the job queue.
    shared: bool

    def put(self, key: str, data: bytes) -> None: ...

    def put_file(self, key: str, path: Path) -> None:
        """Store a file from disk without reading it into memory at once."""
        ...

    def delete(self, key: str) -> None: ...

    def objects(self) -> Iterator[StoredObject]: ...

    def read(self, key: str) -> bytes: ...

    def check(self) -> None:
        """Write and delete a probe object; raise what went wrong (`fedi doctor`)."""
        ...


class LocalStorage:
    shared = False

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes) -> None:
        with self._atomic(key) as handle:
            handle.write(data)

    def put_file(self, key: str, path: Path) -> None:
        with self._atomic(key) as handle, path.open("rb") as source:
            while chunk := source.read(1 << 20):
                handle.write(chunk)

    def _atomic(self, key: str) -> _AtomicFile:
        return _AtomicFile(self.path(key))

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def objects(self) -> Iterator[StoredObject]:
        for path in sorted(self.root.rglob("*")):
            key = path.relative_to(self.root).as_posix()
            if path.is_file() and _KEY.match(key):
                yield StoredObject(key, path.stat().st_size)

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def check(self) -> None:
        key = f"doctor/{secrets.token_hex(8)}.txt"
        self.put(key, b"fedi doctor")
        self.delete(key)


class _AtomicFile:
    """A temporary file beside the target, renamed over it when the block succeeds."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __enter__(self) -> _AtomicFile:
        self.target.parent.mkdir(parents=True, exist_ok=True)
        fd, self.temporary = tempfile.mkstemp(dir=self.target.parent, prefix=".upload-")
        self.handle = os.fdopen(fd, "wb")
        return self

    def write(self, data: bytes) -> None:
        self.handle.write(data)

    def __exit__(self, kind: object, *rest: object) -> None:
        self.handle.close()
        if kind is not None:
            Path(self.temporary).unlink(missing_ok=True)
            return
        try:
            os.chmod(self.temporary, 0o644)
            os.replace(self.temporary, self.target)
        except BaseException:
            Path(self.temporary).unlink(missing_ok=True)
            raise


class S3Storage:
    """An S3-compatible bucket through obstore (Rust's object_store: AWS, MinIO, Garage, R2)."""

    shared = True

    def __init__(self, bucket: str, *, endpoint: str = "", region: str = "us-east-1") -> None:
        from obstore.store import S3Store

        config: dict[str, str] = {"region": region}
        if endpoint:
            config["endpoint"] = endpoint
        # Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
        # AWS_SESSION_TOKEN), as every S3 tool reads them; obstore picks them up itself.
        self.bucket = bucket
        self.store = S3Store(
            bucket,
            config=config,  # type: ignore[arg-type]
            client_options={"allow_http": endpoint.startswith("http://"), "timeout": "60s"},
            # obstore retries a failing bucket for 3 minutes by default: far too long to keep
            # a request or `fedi doctor` waiting.
            retry_config={"max_retries": 3, "retry_timeout": timedelta(seconds=20)},
        )

    def put(self, key: str, data: bytes) -> None:
        import obstore

        obstore.put(self.store, check_key(key), data, attributes=self._attributes(key))

    def put_file(self, key: str, path: Path) -> None:
        import obstore

        # obstore reads the file in chunks and switches to a multipart upload for large ones.
        obstore.put(self.store, check_key(key), path, attributes=self._attributes(key))

    @staticmethod
    def _attributes(key: str) -> dict[str, str]:
        return {"Content-Type": content_type(key), "Cache-Control": CACHE_CONTROL}

    def delete(self, key: str) -> None:
        import obstore

        obstore.delete(self.store, check_key(key))

    def objects(self) -> Iterator[StoredObject]:
        import obstore

        for batch in obstore.list(self.store, chunk_size=1000):
            for meta in batch:
                yield StoredObject(str(meta["path"]), int(meta["size"]))

    def read(self, key: str) -> bytes:
        import obstore

        return bytes(obstore.get(self.store, check_key(key)).bytes())

    async def stream(self, key: str) -> tuple[int, AsyncIterator[bytes]]:
        """The object's size and its bytes in chunks, for serving without holding it in memory."""
        import obstore
        from obstore.exceptions import NotFoundError

        try:
            result = await obstore.get_async(self.store, check_key(key))
        except NotFoundError:
            raise FileNotFoundError(key) from None
        size = int(result.meta["size"])

        async def chunks() -> AsyncIterator[bytes]:
            async for chunk in result.stream(min_chunk_size=256 * 1024):
                yield bytes(chunk)

        return size, chunks()

    def check(self) -> None:
        key = f"doctor/{secrets.token_hex(8)}.txt"
        self.put(key, b"fedi doctor")
        self.delete(key)


def media_storage(settings: Settings) -> LocalStorage | S3Storage:
    media = settings.media
    if media.backend == "s3":
        return S3Storage(media.bucket, endpoint=media.endpoint, region=media.region)
    return LocalStorage(settings.media_dir)
