"""The one statement of the PostgreSQL streaming bus (fedi/streaming/postgres.py)."""

from __future__ import annotations

from sqlalchemy import Connection, text


def notify(connection: Connection, channel: str, payload: str) -> None:
    connection.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": channel, "payload": payload})
