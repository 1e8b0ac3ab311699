"""Who may see a status: Mastodon's rules for the four visibilities, blocks and drafts."""

from __future__ import annotations

from sqlmodel import Session

from fedi.errors import NotFound
from fedi.models.accounts import Account
from fedi.models.statuses import Status
from fedi.store import accounts as account_store
from fedi.store import relationships as relationship_store
from fedi.store import statuses as status_store

# Narrowest last: a reply or boost may never widen its source's audience.
ORDER = ("public", "unlisted", "private", "direct")


def narrowest(*visibilities: str) -> str:
    return max(visibilities, key=ORDER.index)


def can_view(session: Session, viewer: Account | None, status: Status) -> bool:
    if viewer is not None and viewer.id == status.account_id:
        return True
    if not status.published:
        # A post whose images are still being made is its author's alone.
        return False
    if status.reblog_of_id is not None:
        target = status_store.get(session, status.reblog_of_id)
        if target is None or not can_view(session, viewer, target):
            return False
    author = account_store.get(session, status.account_id)
    if author is None or author.suspended:
        return False
    if viewer is not None and relationship_store.block(session, status.account_id, viewer.id):
        return False
    if status.visibility in ("public", "unlisted"):
        return True
    if viewer is None:
        return False
    if viewer.id in status_store.mentions_of(session, [status.id])[status.id]:
        return True
    if status.visibility == "private":
        follow = relationship_store.follow(session, viewer.id, status.account_id)
        return follow is not None and follow.accepted
    return False


def visible_status(session: Session, viewer: Account | None, status_id: int) -> Status:
    """The status if the viewer may see it; NotFound otherwise (never reveal that it exists)."""
    status = status_store.get(session, status_id)
    if status is None or not can_view(session, viewer, status):
        raise NotFound()
    return status


def visible_filter(session: Session, viewer: Account | None, statuses: list[Status]) -> list[Status]:
    return [s for s in statuses if can_view(session, viewer, s)]
