"""Read results remembered until the database changes: what a read-only request loads again and
again (a status with its author, media, mentions and tags; a viewer's filters, mutes and
blocks; who a token belongs to) is loaded once.

Validity is a *data version*: a number that changes whenever any connection, in this process or
another (a job worker, `fedi` commands, a second web worker), commits a change to the database.
Every entry is kept with the version it was loaded under, and an entry loaded under another
version is never served: a revoked token, an edited or deleted status, a new favourite count is
seen by the very next request. On SQLite the version is `PRAGMA data_version`, read on a
connection of its own that never writes (SQLite counts the commits of every *other*
connection). Where no such number is cheap to read (PostgreSQL, an in-memory database), nothing
is remembered and every read goes to the database.

Only read-only sessions (`Database.reader()`) use the memo: a transaction that writes must see
its own changes, which are not committed yet.

Entries are shared between requests and threads: what is remembered must not be changed by its
readers (services copy before they mark anything per viewer).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from sqlmodel import Session

T = TypeVar("T")
# A generous bound: past it, everything is dropped and loaded again (no LRU bookkeeping on the
# hot path).
MAX_ENTRIES = 50_000
_SESSION_KEY = "fedi_memo"
_VERSION_KEY = "fedi_memo_version"


class DataVersion:
    """SQLite's data_version of one database file, read on a connection that never writes."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None

    def current(self) -> int | None:
        """The version, or None before the database file exists (it is made, private, by the
        engine's first connection: this one must not make it)."""
        with self._lock:
            if self._connection is None:
                if not self._path.exists():
                    return None
                self._connection = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
            row = self._connection.execute("PRAGMA data_version").fetchone()
            return int(row[0])

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


class Memo:
    """Entries of one database, all loaded under one data version."""

    def __init__(self, version: DataVersion) -> None:
        self._version = version
        self._lock = threading.Lock()
        # The version the entries were loaded under, and the entries: one tuple, replaced whole,
        # so that a reader (who takes no lock) never pairs a version with another's entries.
        self._state: tuple[int, dict[Hashable, Any]] = (-1, {})

    def version(self) -> int | None:
        return self._version.current()

    def get(self, version: int, key: Hashable) -> Any:
        """The entry loaded under `version`, or `_MISSING`."""
        seen, entries = self._state
        if version != seen:
            return _MISSING
        return entries.get(key, _MISSING)

    def put(self, version: int, key: Hashable, value: Any) -> None:
        with self._lock:
            seen, entries = self._state
            if version != seen:
                if version < seen:
                    return  # loaded before a newer version was seen: stale already
                entries = {}
                self._state = (version, entries)
            if len(entries) >= MAX_ENTRIES:
                entries = {}
                self._state = (version, entries)
            entries[key] = value

    def close(self) -> None:
        self._version.close()


class _Missing:
    pass


_MISSING: Any = _Missing()


def attach(session: Session, memo: Memo) -> None:
    """Let this (read-only) session use `memo`; its version is read when first needed."""
    session.info[_SESSION_KEY] = memo


def _of(session: Session) -> tuple[Memo, int] | None:
    memo: Memo | None = session.info.get(_SESSION_KEY)
    if memo is None:
        return None
    version: int | None = session.info.get(_VERSION_KEY)
    if version is None:
        # Read before anything is loaded: what is loaded after is at least this new.
        version = session.info[_VERSION_KEY] = memo.version()
        if version is None:
            return None
    return memo, version


def remembered(session: Session, key: Hashable, load: Callable[[], T]) -> T:
    """`load()`, or what it returned for this key while the database has not changed since."""
    found = _of(session)
    if found is None:
        return load()
    memo, version = found
    value = memo.get(version, key)
    if value is _MISSING:
        value = load()
        memo.put(version, key, value)
    return value  # type: ignore[no-any-return]


def remembered_many(
    session: Session, kind: str, ids: Iterable[int], load: Callable[[set[int]], dict[int, T]]
) -> dict[int, T]:
    """By id: the remembered entries of `kind`, and `load(missing ids)` for the others (those it
    does not return are not found and not remembered)."""
    wanted = set(ids)
    found = _of(session)
    if found is None:
        return load(wanted) if wanted else {}
    memo, version = found
    result: dict[int, T] = {}
    missing = set()
    for item_id in wanted:
        value = memo.get(version, (kind, item_id))
        if value is _MISSING:
            missing.add(item_id)
        else:
            result[item_id] = value
    if missing:
        loaded = load(missing)
        for item_id, value in loaded.items():
            memo.put(version, (kind, item_id), value)
        result |= loaded
    return result


def for_sqlite(database: str | None) -> Memo | None:
    """A memo for a SQLite database file (None for an in-memory one)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Memo(DataVersion(Path(database)))
