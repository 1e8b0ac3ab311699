"""Who may see a status: Mastodon's rules for the four visibilities, blocks and drafts."""

from __future__ import annotations

from sqlmodel import Session

from fedi import memo
from fedi.errors import NotFound
from fedi.models.accounts import Account
from fedi.models.statuses import Status
from fedi.store import relationships as relationship_store
from fedi.store import statuses as status_store
from fedi.store.views import remembered_accounts, remembered_statuses

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
        target = _status(session, status.reblog_of_id)
        if target is None or not can_view(session, viewer, target):
            return False
    author = remembered_accounts(session, {status.account_id}).get(status.account_id)
    if author is None or author.suspended:
        return False
    if viewer is not None and _blocks(session, status.account_id, viewer.id):
        return False
    if status.visibility in ("public", "unlisted"):
        return True
    if viewer is None:
        return False
    mentioned = memo.remembered(
        session, ("mentioned", status.id), lambda: status_store.mentions_of(session, [status.id])[status.id]
    )
    if viewer.id in mentioned:
        return True
    if status.visibility == "private":
        return _follows(session, viewer.id, status.account_id)
    return False


# What the checks ask, remembered while the database does not change (fedi/memo.py).


def _status(session: Session, status_id: int) -> Status | None:
    return remembered_statuses(session, {status_id}).get(status_id)


def _blocks(session: Session, account_id: int, target_id: int) -> bool:
    return memo.remembered(
        session,
        ("blocks", account_id, target_id),
        lambda: relationship_store.block(session, account_id, target_id) is not None,
    )


def _follows(session: Session, account_id: int, target_id: int) -> bool:
    def load() -> bool:
        follow = relationship_store.follow(session, account_id, target_id)
        return follow is not None and follow.accepted

    return memo.remembered(session, ("follows", account_id, target_id), load)


def visible_status(session: Session, viewer: Account | None, status_id: int) -> Status:
    """The status if the viewer may see it; NotFound otherwise (never reveal that it exists)."""
    status = _status(session, status_id)
    if status is None or not can_view(session, viewer, status):
        raise NotFound()
    return status


def visible_filter(session: Session, viewer: Account | None, statuses: list[Status]) -> list[Status]:
    return [s for s in statuses if can_view(session, viewer, s)]
