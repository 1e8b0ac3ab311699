"""Favourites, boosts, bookmarks and pins: local ones, and those other servers tell us about."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from fedi.errors import NotFound, Unprocessable
from fedi.ids import new_id
from fedi.models.accounts import Account
from fedi.models.interactions import Bookmark, Favourite, Pin
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services import events, notifications, trends, visibility
from fedi.services.federation import outbox
from fedi.store import conversation_mutes
from fedi.store import interactions as store
from fedi.store import statuses as status_store
from fedi.store.views import status_view

MAX_PINS = 5
BOOSTABLE = ("public", "unlisted")


def _target(session: Session, viewer: Account, status_id: int) -> Status:
    status = visibility.visible_status(session, viewer, status_id)
    if status.reblog_of_id is not None:
        # Acting on a boost acts on the boosted post, as on Mastodon.
        status = visibility.visible_status(session, viewer, status.reblog_of_id)
    return status


def favourite(session: Session, rt: Runtime, actor: Account, status_id: int) -> Status:
    status = _target(session, actor, status_id)
    if store.favourite(session, actor.id, status.id) is None:
        favourite_id = new_id()
        row = _add_favourite(session, rt, actor, status, f"{actor.uri}#likes/{favourite_id}", favourite_id)
        outbox.liked(session, rt, actor, status_view(session, status, None), row.uri)
    session.refresh(status)
    return status


def _add_favourite(
    session: Session, rt: Runtime, actor: Account, status: Status, uri: str, favourite_id: int | None = None
) -> Favourite:
    row = Favourite(id=favourite_id or new_id(), account_id=actor.id, status_id=status.id, uri=uri[:2048])
    session.add(row)
    session.flush()
    trends.recount(session, status.id)
    notifications.notify(
        session,
        rt,
        recipient_id=status.account_id,
        type="favourite",
        from_account_id=actor.id,
        status_id=status.id,
    )
    return row


def unfavourite(session: Session, rt: Runtime, actor: Account, status_id: int) -> Status:
    status = _target(session, actor, status_id)
    row = store.favourite(session, actor.id, status.id)
    if row is not None:
        outbox.unliked(session, rt, actor, status_view(session, status, None), row.uri)
        _remove_favourite(session, row, status)
    session.refresh(status)
    return status


def _remove_favourite(session: Session, row: Favourite, status: Status) -> None:
    session.delete(row)
    session.flush()
    trends.recount(session, status.id)
    notifications.withdraw(
        session,
        recipient_id=status.account_id,
        type="favourite",
        from_account_id=row.account_id,
        status_id=status.id,
    )


def reblog(
    session: Session, rt: Runtime, actor: Account, status_id: int, *, visibility_: str = "public"
) -> Status:
    """Boost a status; returns the boost (a status whose `reblog_of_id` is the original)."""
    original = _target(session, actor, status_id)
    if original.visibility not in BOOSTABLE and original.account_id != actor.id:
        raise Unprocessable("This status cannot be boosted", field="id")
    if original.visibility == "direct":
        raise Unprocessable("This status cannot be boosted", field="id")
    existing = status_store.reblog_by(session, actor.id, original.id)
    if existing is not None:
        return existing
    requested = visibility_ if visibility_ in ("public", "unlisted", "private") else "public"
    boost_visibility = visibility.narrowest(requested, original.visibility)
    boost_id = new_id()
    boost = Status(
        id=boost_id,
        uri=f"{rt.urls.status(actor.username, boost_id)}",
        url=rt.urls.status_page(actor.username, boost_id),
        account_id=actor.id,
        local=True,
        reblog_of_id=original.id,
        visibility=boost_visibility,
    )
    session.add(boost)
    session.flush()
    _spread_boost(session, rt, boost, original)
    outbox.status_created(session, rt, status_view(session, boost, None))
    return boost


def _spread_boost(session: Session, rt: Runtime, boost: Status, original: Status) -> None:
    trends.recount(session, original.id)
    home = status_store.local_follower_ids(session, boost.account_id)
    if boost.local:
        home.append(boost.account_id)
    status_store.add_to_home_feeds(session, boost.id, home)
    notifications.notify(
        session,
        rt,
        recipient_id=original.account_id,
        type="reblog",
        from_account_id=boost.account_id,
        status_id=original.id,
    )
    events.status_created(session, rt, boost, [f"user:{account_id}" for account_id in home])


def unreblog(session: Session, rt: Runtime, actor: Account, status_id: int) -> Status:
    original = _target(session, actor, status_id)
    boost = status_store.reblog_by(session, actor.id, original.id)
    if boost is not None:
        outbox.status_deleted(session, rt, status_view(session, boost, None))
        _remove_boost(session, rt, boost, original)
    session.refresh(original)
    return original


def _remove_boost(session: Session, rt: Runtime, boost: Status, original: Status) -> None:
    events.status_deleted(session, rt, boost.id, [f"user:{boost.account_id}"])
    session.delete(boost)
    session.flush()
    trends.recount(session, original.id)
    notifications.withdraw(
        session,
        recipient_id=original.account_id,
        type="reblog",
        from_account_id=boost.account_id,
        status_id=original.id,
    )


def bookmark(session: Session, actor: Account, status_id: int, *, on: bool) -> Status:
    status = _target(session, actor, status_id)
    row = store.bookmark(session, actor.id, status.id)
    if on and row is None:
        session.add(Bookmark(account_id=actor.id, status_id=status.id))
    elif not on and row is not None:
        session.delete(row)
    return status


def mute_conversation(session: Session, actor: Account, status_id: int, *, on: bool) -> Status:
    """Stop (or resume) notifications about the status's thread."""
    status = _target(session, actor, status_id)
    thread = conversation_mutes.thread_of(session, status)
    if on:
        conversation_mutes.mute(session, actor.id, thread)
    else:
        conversation_mutes.unmute(session, actor.id, thread)
    session.flush()
    return status


def pin(session: Session, rt: Runtime, actor: Account, status_id: int, *, on: bool) -> Status:
    """Pin (or unpin) one's own post to the profile; the followers' servers are sent an Add (or
    Remove) aimed at the `featured` collection, as Mastodon sends them."""
    status = status_store.get(session, status_id)
    if status is None or status.account_id != actor.id or status.reblog_of_id is not None:
        raise NotFound()
    row = store.pin(session, actor.id, status.id)
    if on and row is None:
        if status.visibility not in BOOSTABLE:
            raise Unprocessable("Only public and unlisted posts can be pinned", field="id")
        if len(store.pinned_statuses(session, actor.id)) >= MAX_PINS:
            raise Unprocessable(f"You can pin at most {MAX_PINS} posts", field="id")
        session.add(Pin(account_id=actor.id, status_id=status.id))
        session.flush()
        outbox.pinned(session, rt, actor, status.uri, on=True)
    elif not on and row is not None:
        session.delete(row)
        session.flush()
        outbox.pinned(session, rt, actor, status.uri, on=False)
    return status


# Arriving from other servers -------------------------------------------------------------


def received_like(session: Session, rt: Runtime, actor: Account, status: Status, like_uri: str) -> None:
    if store.favourite(session, actor.id, status.id) is None:
        _add_favourite(session, rt, actor, status, like_uri)


def received_unlike(session: Session, actor: Account, like_uri: str | None, status: Status | None) -> None:
    row = store.favourite_by_uri(session, like_uri) if like_uri else None
    if row is None and status is not None:
        row = store.favourite(session, actor.id, status.id)
    if row is None or row.account_id != actor.id:
        return
    target = status or status_store.get(session, row.status_id)
    if target is not None:
        _remove_favourite(session, row, target)


def received_announce(
    session: Session,
    rt: Runtime,
    actor: Account,
    original: Status,
    announce_uri: str,
    published: datetime | None,
    visibility_: str,
) -> None:
    if status_store.by_uri(session, announce_uri) is not None:
        return
    if original.visibility not in BOOSTABLE:
        return  # a boost may never widen a post's audience
    boost = Status(
        id=new_id(published) if published else new_id(),
        uri=announce_uri[:2048],
        url=announce_uri[:2048],
        account_id=actor.id,
        local=False,
        reblog_of_id=original.id,
        visibility=visibility.narrowest(visibility_, original.visibility),
    )
    if published is not None:
        boost.created_at = min(published, datetime.now(UTC))
    session.add(boost)
    session.flush()
    _spread_boost(session, rt, boost, original)


def received_unannounce(session: Session, rt: Runtime, actor: Account, announce_uri: str) -> None:
    boost = status_store.by_uri(session, announce_uri)
    if boost is None or boost.account_id != actor.id or boost.reblog_of_id is None:
        return
    original = status_store.get(session, boost.reblog_of_id)
    if original is not None:
        _remove_boost(session, rt, boost, original)
