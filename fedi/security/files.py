"""The data directory holds actors' private keys, password hashes and the session secret: it
is its owner's alone. The directory is 0700 and the files fedi creates in it 0600.

A directory others can write is refused (anyone could have swapped a file in it); one that
others can only read or enter (as older versions created it) is narrowed, and said so.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


class UnsafeDirectory(Exception):
    """A directory fedi will not keep secrets in; the message says why and how to fix it."""


def prepare_private_dir(path: Path) -> None:
    """Create `path` 0700 (parents as needed); refuse it if others can write it."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UnsafeDirectory(f"{path} can be written by other users (mode {mode:04o}): run chmod 700 {path}")
    if mode != PRIVATE_DIR:
        path.chmod(PRIVATE_DIR)
        log.warning("narrowed %s from mode %04o to %04o: it holds private keys", path, mode, PRIVATE_DIR)


def private_file(path: Path) -> None:
    """Make sure `path` exists with mode 0600 (created empty when missing).

    SQLite gives its -wal and -shm files the mode of the database file, so creating the
    database this way covers them too.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & ~PRIVATE_FILE:
            path.chmod(PRIVATE_FILE)
            log.warning("narrowed %s from mode %04o to %04o", path, mode, PRIVATE_FILE)
        return
    os.close(fd)
