"""Received activities waiting to be processed (the inbox table)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from fedi.models.federation import InboxItem


def insert_new(session: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert the rows whose activity id is not stored yet; returns activity id → row id of those."""
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    statement = (
        dialect.insert(InboxItem)
        .on_conflict_do_nothing(index_elements=["activity_id"])
        .returning(col(InboxItem.id), col(InboxItem.activity_id))
    )
    return {activity_id: row_id for row_id, activity_id in session.execute(statement, rows).all()}


def pending_ids(session: Session, received_by: datetime, *, limit: int) -> list[int]:
    """Items still pending that arrived at or before `received_by`."""
    stmt = (
        select(InboxItem.id)
        .where(InboxItem.state == "pending", col(InboxItem.received_at) <= received_by)
        .limit(limit)
    )
    return list(session.exec(stmt).all())
