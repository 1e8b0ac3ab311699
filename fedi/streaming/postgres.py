"""A streaming bus on PostgreSQL LISTEN/NOTIFY, for instances with PostgreSQL and no Redis.

Events go out with `pg_notify` on a pooled connection of the instance's own engine (events are
published after their transaction commits, so this never holds a transaction open); each web
process keeps one extra connection that LISTENs. A payload must stay under PostgreSQL's 8000
bytes, which events (a name and an id or two) always do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import Engine

from fedi.store.bus import notify

CHANNEL = "fedi_stream"


class PostgresBus:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # psycopg's own DSN: the engine URL without SQLAlchemy's driver suffix.
        self._dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

    def send(self, data: str) -> None:
        with self._engine.begin() as connection:
            notify(connection, CHANNEL, data)

    @asynccontextmanager
    async def listen(self) -> AsyncIterator[AsyncIterator[str]]:
        import psycopg

        connection = await psycopg.AsyncConnection.connect(self._dsn, autocommit=True)
        try:
            await connection.execute(f"LISTEN {CHANNEL}")
            yield self._payloads(connection)
        finally:
            await connection.close()

    @staticmethod
    async def _payloads(connection: object) -> AsyncIterator[str]:
        async for notice in connection.notifies():  # type: ignore[attr-defined]
            yield notice.payload

    def close(self) -> None:
        pass
