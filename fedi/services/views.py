"""Loading what the client API shows, beyond single statuses: notifications with their accounts
and statuses, edit histories with their media, and the objects a streaming event refers to (each
connection renders events for its own viewer, so visibility is checked per viewer here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from fedi.errors import FediError, NotFound
from fedi.models.accounts import Account
from fedi.models.filters import FilterContext
from fedi.models.media import MediaAttachment
from fedi.models.statuses import StatusEdit
from fedi.services import filters, statuses, visibility
from fedi.services import notifications as notification_service
from fedi.store import accounts as account_store
from fedi.store import media as media_store
from fedi.store import relationships as relationship_store
from fedi.store.paging import Page
from fedi.store.views import NotificationView, StatusView, notification_views


@dataclass(frozen=True)
class History:
    author: Account
    edits: list[StatusEdit]
    media: dict[int, MediaAttachment]


def notifications(
    session: Session,
    viewer: Account,
    paging: Page,
    *,
    types: Sequence[str] | None,
    exclude_types: Sequence[str],
    from_account_id: int | None,
) -> tuple[list[NotificationView], list[int]]:
    """A page of notifications, and the ids to page by (those dropped for a gone status too)."""
    items = notification_service.page(
        session, viewer, paging, types=types, exclude_types=exclude_types, from_account_id=from_account_id
    )
    shown = filters.apply_to_notifications(session, viewer, notification_views(session, items, viewer))
    return shown, [n.id for n in items]


def notification(session: Session, viewer: Account, notification_id: int) -> NotificationView:
    found = notification_views(session, [notification_service.get(session, viewer, notification_id)], viewer)
    found = filters.apply_to_notifications(session, viewer, found)
    if not found:
        raise NotFound()
    return found[0]


def history(session: Session, viewer: Account | None, status_id: int) -> History:
    edits = statuses.history(session, viewer, status_id)
    status = visibility.visible_status(session, viewer, status_id)
    author = account_store.get(session, status.account_id)
    if author is None:
        raise NotFound()
    media_ids = {int(entry["id"]) for edit in edits for entry in edit.media if "id" in entry}
    return History(author, edits, {m.id: m for m in media_store.many(session, media_ids)})


def streamed_status(
    session: Session, viewer: Account, status_id: int, context: FilterContext, *, only_media: bool = False
) -> StatusView | None:
    """The status an `update` event names, if this viewer may see it and has not hidden its author."""
    try:
        view = statuses.get_view(session, viewer, status_id)
    except FediError:
        return None
    authors = {view.account.id} | ({view.reblog.account.id} if view.reblog else set())
    if any(_hides(session, viewer, author) for author in authors - {viewer.id}):
        return None
    shown = view.reblog or view
    if only_media and not shown.media:
        return None
    return next(iter(filters.apply(session, viewer, [view], context)), None)


def _hides(session: Session, viewer: Account, author_id: int) -> bool:
    return (
        relationship_store.block(session, viewer.id, author_id) is not None
        or relationship_store.mute(session, viewer.id, author_id) is not None
    )


def streamed_notification(session: Session, viewer: Account, notification_id: int) -> NotificationView | None:
    try:
        return notification(session, viewer, notification_id)
    except FediError:
        return None
