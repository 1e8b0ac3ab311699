"""Queries on notifications and read markers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from fedi.models.notifications import Marker, Notification
from fedi.store.paging import Page, fetch_page


def get_for(session: Session, account_id: int, notification_id: int) -> Notification | None:
    notification = session.get(Notification, notification_id)
    return notification if notification is not None and notification.account_id == account_id else None


def page_for(
    session: Session,
    account_id: int,
    page: Page,
    *,
    types: Sequence[str] | None,
    exclude_types: Sequence[str],
    from_account_id: int | None,
) -> list[Notification]:
    stmt = select(Notification).where(Notification.account_id == account_id)
    if types:
        stmt = stmt.where(col(Notification.type).in_(types))
    if exclude_types:
        stmt = stmt.where(col(Notification.type).not_in(exclude_types))
    if from_account_id is not None:
        stmt = stmt.where(Notification.from_account_id == from_account_id)
    return fetch_page(session, stmt, Notification.id, page)


def exists_like(
    session: Session, account_id: int, type: str, from_id: int, status_id: int | None, report_id: int | None
) -> bool:
    stmt = select(Notification.id).where(
        Notification.account_id == account_id,
        Notification.type == type,
        Notification.from_account_id == from_id,
        Notification.status_id == status_id,
        Notification.report_id == report_id,
    )
    return session.exec(stmt).first() is not None


def remove_about(
    session: Session, *, type: str, from_id: int, status_id: int | None, account_id: int
) -> None:
    stmt = delete(Notification).where(
        col(Notification.account_id) == account_id,
        col(Notification.type) == type,
        col(Notification.from_account_id) == from_id,
        col(Notification.status_id) == status_id
        if status_id is not None
        else col(Notification.status_id).is_(None),
    )
    session.exec(stmt)


def clear(session: Session, account_id: int) -> None:
    session.exec(delete(Notification).where(col(Notification.account_id) == account_id))


def markers(session: Session, account_id: int, timelines: Sequence[str]) -> list[Marker]:
    stmt = select(Marker).where(Marker.account_id == account_id, col(Marker.timeline).in_(timelines))
    return list(session.exec(stmt).all())


def count_after(session: Session, account_id: int, after_id: int, *, limit: int) -> int:
    """Notifications newer than `after_id`, counted up to `limit`."""
    newer = (
        select(Notification.id)
        .where(Notification.account_id == account_id, col(Notification.id) > after_id)
        .limit(limit)
        .subquery()
    )
    return session.exec(select(func.count()).select_from(newer)).one()


def save_marker(session: Session, account_id: int, timeline: str, last_read_id: int, now: datetime) -> Marker:
    marker = session.get(Marker, (account_id, timeline))
    if marker is None:
        marker = Marker(account_id=account_id, timeline=timeline, last_read_id=last_read_id, updated_at=now)
    elif marker.last_read_id != last_read_id:
        marker.last_read_id, marker.version, marker.updated_at = last_read_id, marker.version + 1, now
    session.add(marker)
    return marker
