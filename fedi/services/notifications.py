"""Notifications: who hears about what, and reading them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlmodel import Session

from fedi.errors import NotFound
from fedi.models.accounts import Account
from fedi.models.notifications import Notification, PolicyAction
from fedi.runtime import Runtime
from fedi.services import events, notification_groups, notification_requests, push_delivery
from fedi.store import accounts as account_store
from fedi.store import conversation_mutes
from fedi.store import moderation as moderation_store
from fedi.store import notifications as store
from fedi.store import relationships as relationship_store
from fedi.store import statuses as status_store
from fedi.store.paging import Page


def notify(
    session: Session,
    rt: Runtime,
    *,
    recipient_id: int,
    type: str,
    from_account_id: int,
    status_id: int | None = None,
    report_id: int | None = None,
    allow_self: bool = False,
) -> Notification | None:
    """Notify a local account, unless it is about itself (`allow_self`: the end of one's own
    poll is) or from someone it mutes or blocks; its notification policy may hold the
    notification as a request, or drop it."""
    if recipient_id == from_account_id and not allow_self:
        return None
    recipient = account_store.get(session, recipient_id)
    if recipient is None or not recipient.local:
        return None
    if relationship_store.block(session, recipient_id, from_account_id):
        return None
    mute = relationship_store.mute(session, recipient_id, from_account_id)
    if mute is not None and mute.notifications:
        return None
    if status_id is not None and _thread_muted(session, recipient_id, status_id):
        return None
    if store.exists_like(session, recipient_id, type, from_account_id, status_id, report_id):
        return None  # the same event processed twice (a redelivered activity) notifies once
    sender = account_store.get(session, from_account_id)
    action = (
        notification_requests.decide(session, recipient, sender, type, status_id)
        if sender is not None
        else PolicyAction.ACCEPT
    )
    if action == PolicyAction.DROP:
        return None
    now = datetime.now(UTC)
    item = Notification(
        account_id=recipient_id,
        type=type,
        from_account_id=from_account_id,
        status_id=status_id,
        report_id=report_id,
        group_key=notification_groups.key_for(session, recipient_id, type, status_id, now),
        filtered=action == PolicyAction.FILTER,
        created_at=now,
    )
    session.add(item)
    session.flush()
    if item.filtered:
        notification_requests.hold(session, item)  # no event, no push: it waits in its request
    else:
        events.notification(session, rt, item)
        push_delivery.queue_for(session, rt, item)
    return item


def notify_staff(
    session: Session, rt: Runtime, *, type: str, from_account_id: int, report_id: int | None = None
) -> None:
    """Notify every moderator and admin (admin.report, admin.sign_up)."""
    for account_id in moderation_store.staff_account_ids(session):
        notify(
            session,
            rt,
            recipient_id=account_id,
            type=type,
            from_account_id=from_account_id,
            report_id=report_id,
        )


def _thread_muted(session: Session, recipient_id: int, status_id: int) -> bool:
    muted = conversation_mutes.threads_muted_by(session, recipient_id)
    status = status_store.get(session, status_id) if muted else None
    return status is not None and conversation_mutes.thread_of(session, status) in muted


def withdraw(
    session: Session, *, recipient_id: int, type: str, from_account_id: int, status_id: int | None = None
) -> None:
    """Remove a notification whose cause was undone (an unfavourite, an unfollow)."""
    store.remove_about(
        session, type=type, from_id=from_account_id, status_id=status_id, account_id=recipient_id
    )


def page(
    session: Session,
    viewer: Account,
    paging: Page,
    *,
    types: Sequence[str] | None = None,
    exclude_types: Sequence[str] = (),
    from_account_id: int | None = None,
) -> list[Notification]:
    return store.page_for(
        session,
        viewer.id,
        paging,
        types=types,
        exclude_types=exclude_types,
        from_account_id=from_account_id,
    )


def get(session: Session, viewer: Account, notification_id: int) -> Notification:
    item = store.get_for(session, viewer.id, notification_id)
    if item is None:
        raise NotFound()
    return item


def dismiss(session: Session, viewer: Account, notification_id: int) -> None:
    session.delete(get(session, viewer, notification_id))


def clear(session: Session, viewer: Account) -> None:
    store.clear(session, viewer.id)
