"""Queries on notification policies, held notification requests and accepted senders."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from fedi.models.notifications import (
    Notification,
    NotificationPermission,
    NotificationPolicy,
    NotificationRequest,
)
from fedi.store.paging import Page, fetch_page


def policy(session: Session, account_id: int) -> NotificationPolicy | None:
    return session.get(NotificationPolicy, account_id)


def permitted(session: Session, account_id: int, from_account_id: int) -> bool:
    return session.get(NotificationPermission, (account_id, from_account_id)) is not None


def permit(session: Session, account_id: int, from_account_id: int) -> None:
    if not permitted(session, account_id, from_account_id):
        session.add(NotificationPermission(account_id=account_id, from_account_id=from_account_id))


def request_from(session: Session, account_id: int, from_account_id: int) -> NotificationRequest | None:
    stmt = select(NotificationRequest).where(
        NotificationRequest.account_id == account_id, NotificationRequest.from_account_id == from_account_id
    )
    return session.exec(stmt).first()


def request_for(session: Session, account_id: int, request_id: int) -> NotificationRequest | None:
    found = session.get(NotificationRequest, request_id)
    return found if found is not None and found.account_id == account_id else None


def requests_for(session: Session, account_id: int, ids: Collection[int]) -> list[NotificationRequest]:
    if not ids:
        return []
    stmt = select(NotificationRequest).where(
        NotificationRequest.account_id == account_id, col(NotificationRequest.id).in_(set(ids))
    )
    return list(session.exec(stmt).all())


def page(session: Session, account_id: int, paging: Page) -> list[NotificationRequest]:
    stmt = select(NotificationRequest).where(NotificationRequest.account_id == account_id)
    return fetch_page(session, stmt, NotificationRequest.id, paging)


def summary(session: Session, account_id: int) -> tuple[int, int]:
    """(requests waiting, notifications they hold)."""
    stmt = select(func.count(), func.coalesce(func.sum(NotificationRequest.notifications_count), 0)).where(
        NotificationRequest.account_id == account_id
    )
    requests, held = session.exec(stmt).one()
    return int(requests), int(held)


def release(session: Session, account_id: int, from_account_id: int) -> None:
    """The held notifications from one sender become ordinary ones."""
    session.exec(
        update(Notification)
        .where(
            col(Notification.account_id) == account_id,
            col(Notification.from_account_id) == from_account_id,
            col(Notification.filtered).is_(True),
        )
        .values(filtered=False)
    )


def discard(session: Session, account_id: int, from_account_id: int) -> None:
    session.exec(
        delete(Notification).where(
            col(Notification.account_id) == account_id,
            col(Notification.from_account_id) == from_account_id,
            col(Notification.filtered).is_(True),
        )
    )
