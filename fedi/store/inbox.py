"""Received activities waiting to be processed (the inbox table)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, delete, or_, select, update

from fedi.models.federation import InboxItem, InboxState


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
    """Items still pending that arrived at or before `received_by` and were not postponed past
    that moment."""
    stmt = (
        select(InboxItem.id)
        .where(
            col(InboxItem.state) == InboxState.PENDING,
            col(InboxItem.received_at) <= received_by,
            or_(col(InboxItem.retry_at).is_(None), col(InboxItem.retry_at) <= received_by),
        )
        .limit(limit)
    )
    return list(session.exec(stmt).all())


def postpone(session: Session, item_id: int, *, attempts: int, retry_at: datetime) -> None:
    """A pending item waits for a fetch: count the attempt, and say when it is due again."""
    session.execute(
        update(InboxItem)
        .where(col(InboxItem.id) == item_id, col(InboxItem.state) == InboxState.PENDING)
        .values(attempts=attempts, retry_at=retry_at)
    )


def prune_processed(session: Session, processed_before: datetime, *, limit: int) -> int:
    """Delete up to `limit` items processed before the moment; returns how many went."""
    ids = select(InboxItem.id).where(
        col(InboxItem.state) != InboxState.PENDING, col(InboxItem.processed_at) < processed_before
    )
    doomed = list(session.exec(ids.limit(limit)).all())
    if not doomed:
        return 0
    session.execute(delete(InboxItem).where(col(InboxItem.id).in_(doomed)))
    return len(doomed)
