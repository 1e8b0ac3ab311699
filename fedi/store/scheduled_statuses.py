"""Queries on scheduled statuses and the media they hold."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from fedi.models.media import MediaAttachment
from fedi.models.scheduled_statuses import ScheduledStatus
from fedi.store.paging import Page, fetch_page


def page_for(session: Session, account_id: int, page: Page) -> list[ScheduledStatus]:
    stmt = select(ScheduledStatus).where(ScheduledStatus.account_id == account_id)
    return fetch_page(session, stmt, ScheduledStatus.id, page)


def get_for(session: Session, account_id: int, scheduled_id: int) -> ScheduledStatus | None:
    found = session.get(ScheduledStatus, scheduled_id)
    return found if found is not None and found.account_id == account_id else None


def with_idempotency_key(session: Session, account_id: int, key: str) -> ScheduledStatus | None:
    """The account's scheduled status made with this Idempotency-Key (at most 300 to look at)."""
    stmt = select(ScheduledStatus).where(ScheduledStatus.account_id == account_id)
    return next((item for item in session.exec(stmt) if item.params.get("idempotency") == key), None)


def count_of(session: Session, account_id: int) -> int:
    stmt = select(func.count()).where(ScheduledStatus.account_id == account_id)
    return session.exec(stmt).one()


def count_between(
    session: Session, account_id: int, start: datetime, end: datetime, *, excluding: int | None = None
) -> int:
    stmt = select(func.count()).where(
        ScheduledStatus.account_id == account_id,
        col(ScheduledStatus.scheduled_at) >= start,
        col(ScheduledStatus.scheduled_at) < end,
    )
    if excluding is not None:
        stmt = stmt.where(col(ScheduledStatus.id) != excluding)
    return session.exec(stmt).one()


def due_ids(session: Session, now: datetime, limit: int = 100) -> list[int]:
    stmt = (
        select(ScheduledStatus.id)
        .where(col(ScheduledStatus.scheduled_at) <= now)
        .order_by(col(ScheduledStatus.scheduled_at))
        .limit(limit)
    )
    return list(session.exec(stmt).all())


def take(session: Session, scheduled_id: int) -> bool:
    """Delete the row; True only for the one transaction that did (publication happens once)."""
    result = session.exec(delete(ScheduledStatus).where(col(ScheduledStatus.id) == scheduled_id))
    return bool(result.rowcount)


def media_of(session: Session, scheduled_ids: Sequence[int]) -> dict[int, list[MediaAttachment]]:
    found: dict[int, list[MediaAttachment]] = {i: [] for i in scheduled_ids}
    if not scheduled_ids:
        return found
    stmt = (
        select(MediaAttachment)
        .where(col(MediaAttachment.scheduled_status_id).in_(scheduled_ids))
        .order_by(col(MediaAttachment.position), col(MediaAttachment.id))
    )
    for item in session.exec(stmt).all():
        assert item.scheduled_status_id is not None
        found[item.scheduled_status_id].append(item)
    return found


def release_media(session: Session, scheduled_id: int) -> None:
    session.exec(
        update(MediaAttachment)
        .where(col(MediaAttachment.scheduled_status_id) == scheduled_id)
        .values(scheduled_status_id=None)
    )


DAY = timedelta(days=1)
