"""The database engine, sessions, and migrations (SQLite or PostgreSQL, same code).

Sessions are synchronous: request handlers run them in a worker thread, and job workers (huey
task bodies are synchronous) share the same store and service code. See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from fedi import memo
from fedi.config import Settings
from fedi.security.files import private_file

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def make_engine(settings: Settings) -> Engine:
    url = settings.database_url
    if url.startswith("sqlite"):
        database = make_url(url).database
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=settings.database.pool_size,
            max_overflow=settings.database.pool_size * 2,
        )
        if database and database != ":memory:":
            # Created 0600 before SQLite opens it (it holds private keys and password hashes),
            # and only when a connection is made: a process that never queries (a GPU worker)
            # leaves no database file behind.
            path = Path(database)
            event.listen(engine, "do_connect", lambda *_: private_file(path))
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_size=settings.database.pool_size,
        max_overflow=settings.database.pool_size * 2,
        pool_pre_ping=True,
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the single writer; the busy timeout makes writers queue
    # instead of failing with "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class NetworkInTransaction(RuntimeError):
    """A remote request was about to start while this thread held a database transaction.

    A programming error, never a remote's fault: fetch first, outside any transaction, then
    write (docs/ARCHITECTURE.md, "No network I/O inside a transaction").
    """


class TransactionTracker:
    """Which threads hold an open database transaction right now.

    The federation client asks before every request (`refuse_network`); a thread holding a
    transaction while it waits on a remote server would hold SQLite's write lock, or a
    PostgreSQL connection, for as long as that server cares to take.
    """

    # Requests refused in this process, all databases together (the test suite fails on any).
    refused_total = 0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: Counter[int] = Counter()

    def watch(self, factory: sessionmaker[Session]) -> None:
        # From `session.begin()` (or a reader's first query) to its end: the shape of the code,
        # not only whether a statement already took a lock, is what must not fetch.
        event.listen(factory, "after_transaction_create", self._began)
        # after_commit runs before after-commit callbacks (jobs run inline in tests, and those
        # may fetch); after_transaction_end covers rollbacks and sessions closed unfinished.
        event.listen(factory, "after_commit", self._ended)
        event.listen(factory, "after_transaction_end", self._transaction_ended)

    def _began(self, session: Session, transaction: Any) -> None:
        if transaction.parent is not None or _TRACKED in session.info:
            return
        thread = threading.get_ident()
        session.info[_TRACKED] = thread
        with self._lock:
            self._open[thread] += 1

    def _ended(self, session: Session) -> None:
        thread = session.info.pop(_TRACKED, None)
        if thread is None:
            return
        with self._lock:
            self._open[thread] -= 1
            if self._open[thread] <= 0:
                del self._open[thread]

    def _transaction_ended(self, session: Session, transaction: Any) -> None:
        if transaction.parent is None:
            self._ended(session)

    def open_here(self) -> bool:
        """Whether the calling thread holds an open transaction."""
        with self._lock:
            return self._open.get(threading.get_ident(), 0) > 0

    def refuse_network(self, url: str) -> None:
        if self.open_here():
            TransactionTracker.refused_total += 1
            log.error("refused a request to %s: a database transaction is open in this thread", url)
            raise NetworkInTransaction(f"a request to {url} would start inside a database transaction")


_TRACKED = "fedi_transaction_thread"


class Database:
    """An engine, its session factory, and the tracker of open transactions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._factory = sessionmaker(engine, class_=Session, expire_on_commit=False)
        self.transactions = TransactionTracker()
        self.transactions.watch(self._factory)
        # Read results remembered until the database changes (SQLite files only).
        self.memo = memo.for_sqlite(engine.url.database) if engine.dialect.name == "sqlite" else None
        # Bounded page reads may run on the event loop (fedi.api.context.read): SQLite only.
        self.reads_on_loop = engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on error."""
        with self._factory() as session, session.begin():
            yield session

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A session for reads only; nothing is committed. It may be answered from the memo
        (fedi/memo.py): what it loads must not be changed."""
        with self._factory() as session:
            if self.memo is not None:
                memo.attach(session, self.memo)
            yield session

    def dispose(self) -> None:
        if self.memo is not None:
            self.memo.close()
        self.engine.dispose()


_ON_COMMIT = "fedi_on_commit"
_SAVEPOINTS = "fedi_on_commit_savepoints"


def on_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once `session`'s outermost transaction commits; forget it on rollback.

    Jobs and streaming events must never reach the outside world before the rows they refer to
    are committed (and on SQLite a job must not wait on the write lock its caller still holds).
    A savepoint's release is not a commit; its rollback drops what was registered inside it.
    """
    if _ON_COMMIT not in session.info:
        event.listen(session, "after_commit", _run_callbacks)
        event.listen(session, "after_transaction_create", _mark_savepoint)
        event.listen(session, "after_soft_rollback", _drop_callbacks)
        session.info[_ON_COMMIT] = []
        session.info[_SAVEPOINTS] = {}
    session.info[_ON_COMMIT].append(callback)


def after_transaction(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once `session`'s outermost transaction ends, committed or rolled back:
    for what must be written even when the caller's work is refused (it then runs in a
    transaction of its own, after the caller's lock is released)."""

    done: list[bool] = []

    def ended(_session: Session, transaction: Any) -> None:
        if transaction.parent is None and not done:
            done.append(True)
            try:
                callback()
            except Exception:
                log.exception("an after-transaction action failed")

    event.listen(session, "after_transaction_end", ended)


def _mark_savepoint(session: Session, transaction: Any) -> None:
    if transaction.nested and _ON_COMMIT in session.info:
        session.info[_SAVEPOINTS][transaction] = len(session.info[_ON_COMMIT])


def _run_callbacks(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released; the real commit comes later
    callbacks, session.info[_ON_COMMIT] = session.info[_ON_COMMIT], []
    session.info[_SAVEPOINTS].clear()
    for callback in callbacks:
        try:
            callback()
        except Exception:
            log.exception("an after-commit action failed (the periodic sweep will retry it)")


def _drop_callbacks(session: Session, previous_transaction: Any) -> None:
    mark = session.info[_SAVEPOINTS].pop(previous_transaction, None)
    if previous_transaction.nested and mark is not None:
        del session.info[_ON_COMMIT][mark:]
    elif not previous_transaction.nested:
        session.info[_ON_COMMIT] = []
        session.info[_SAVEPOINTS].clear()


def alembic_config(engine: Engine) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


@lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config)


def pending_migrations(engine: Engine) -> list[str]:
    """Revisions not yet applied, oldest first."""
    script = _script()
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    pending: list[str] = []
    for revision in script.walk_revisions():
        if revision.revision in current:
            break
        pending.append(revision.revision)
    if current and not any(r.revision in current for r in script.walk_revisions()):
        raise RuntimeError(f"the database is at an unknown revision {sorted(current)}")
    return list(reversed(pending))


def migrate(engine: Engine) -> list[str]:
    """Apply every pending migration; returns the revisions applied."""
    pending = pending_migrations(engine)
    if pending:
        log.info("applying %d migration(s): %s", len(pending), ", ".join(pending))
        command.upgrade(alembic_config(engine), "head")
    return pending
