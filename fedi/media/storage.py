"""Media files on the local disk under `settings.media_dir`, served at `/media/<key>`.

Keys are built here from ids and random names only: nothing a client sends (file names, types)
ever reaches a path. Writes are atomic (a temporary file renamed into place), so a crash never
leaves half an image behind a URL.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path

from fedi.config import Settings

_KEY = re.compile(r"^[a-z0-9_-]+(/[a-z0-9_-]+)*\.[a-z0-9]+$")


def new_key(kind: str, owner_id: int, extension: str, *, suffix: str = "") -> str:
    """`attachments/<id>/<random>.jpg`: unguessable, so private posts' files cannot be listed."""
    name = secrets.token_hex(8) + (f"-{suffix}" if suffix else "")
    return f"{kind}/{owner_id}/{name}.{extension}"


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError(f"not a media key: {key!r}")
        return self.root / key

    def put(self, key: str, data: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


def media_storage(settings: Settings) -> LocalStorage:
    return LocalStorage(settings.media_dir)
