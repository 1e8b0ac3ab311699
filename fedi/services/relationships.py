"""Follows, follow requests, blocks and mutes: asked for here, or arriving from other servers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from fedi.errors import Forbidden, NotFound, Unprocessable
from fedi.ids import new_id
from fedi.models.accounts import Account
from fedi.models.relationships import Block, Endorsement, Follow, Mute
from fedi.runtime import Runtime
from fedi.services import lists, notifications
from fedi.services.federation import outbox
from fedi.store import accounts as account_store
from fedi.store import relationships as store
from fedi.store import statuses as status_store


@dataclass
class Relationship:
    id: int
    following: bool = False
    showing_reblogs: bool = False
    notifying: bool = False
    followed_by: bool = False
    blocking: bool = False
    blocked_by: bool = False
    muting: bool = False
    muting_notifications: bool = False
    requested: bool = False
    requested_by: bool = False
    domain_blocking: bool = False
    endorsed: bool = False
    note: str = ""


def relationships(session: Session, viewer: Account, target_ids: list[int]) -> list[Relationship]:
    flags = store.flags_for(session, viewer.id, target_ids)
    result = []
    for target_id in dict.fromkeys(target_ids):
        following = target_id in flags["following"]
        result.append(
            Relationship(
                id=target_id,
                following=following,
                showing_reblogs=following and target_id not in flags["hiding_reblogs"],
                notifying=target_id in flags["notifying"],
                followed_by=target_id in flags["followed_by"],
                blocking=target_id in flags["blocking"],
                blocked_by=target_id in flags["blocked_by"],
                muting=target_id in flags["muting"],
                muting_notifications=target_id in flags["muting_notifications"],
                requested=target_id in flags["requested"],
                requested_by=target_id in flags["requested_by"],
                endorsed=target_id in flags["endorsed"],
            )
        )
    return result


def _target(session: Session, target_id: int) -> Account:
    target = account_store.get(session, target_id)
    if target is None or target.deleted_at is not None:
        raise NotFound()
    return target


def _recount(session: Session, *accounts: Account) -> None:
    for account in accounts:
        account.followers_count = store.count_followers(session, account.id)
        account.following_count = store.count_following(session, account.id)
        session.add(account)


def _backfill_home(session: Session, follower: Account, target: Account) -> None:
    """A new follow shows the followed account's recent public posts at once."""
    from fedi.store.paging import Page

    recent = status_store.by_account(
        session,
        target.id,
        Page(limit=20),
        visibilities=("public", "unlisted", "private"),
        include_processing=False,
        exclude_replies=True,
        exclude_reblogs=False,
        only_media=False,
        tagged=None,
    )
    for status in recent:
        status_store.add_to_home_feeds(session, status.id, [follower.id])


# Asked for by a local account ------------------------------------------------------------


def follow(
    session: Session,
    rt: Runtime,
    follower: Account,
    target_id: int,
    *,
    reblogs: bool = True,
    notify: bool = False,
) -> Follow:
    target = _target(session, target_id)
    if target.id == follower.id:
        raise Forbidden("You cannot follow yourself")
    if store.blocked_either_way(session, follower.id, target.id):
        raise Forbidden("This action is not allowed")
    if target.moved_to_uri:
        raise Unprocessable("This account has moved")
    existing = store.follow(session, follower.id, target.id)
    if existing is not None:
        existing.show_reblogs, existing.notify = reblogs, notify
        session.add(existing)
        return existing
    follow_id = new_id()
    row = Follow(
        id=follow_id,
        account_id=follower.id,
        target_account_id=target.id,
        uri=f"{follower.uri}#follows/{follow_id}",
        # A silenced (limited) account's follows need approval, as on Mastodon.
        accepted=target.local and not target.locked and not follower.silenced,
        show_reblogs=reblogs,
        notify=notify,
    )
    session.add(row)
    session.flush()
    if target.local:
        kind = "follow" if row.accepted else "follow_request"
        notifications.notify(session, rt, recipient_id=target.id, type=kind, from_account_id=follower.id)
        if row.accepted:
            _backfill_home(session, follower, target)
    else:
        outbox.followed(session, rt, follower, target, row)
    _recount(session, follower, target)
    return row


def unfollow(session: Session, rt: Runtime, follower: Account, target_id: int) -> None:
    target = _target(session, target_id)
    row = store.follow(session, follower.id, target.id)
    if row is None:
        return
    if not target.local:
        outbox.unfollowed(session, rt, follower, target, row)
    _drop_follow(session, row, follower, target)


def _drop_follow(session: Session, row: Follow, follower: Account, target: Account) -> None:
    session.delete(row)
    session.flush()
    if follower.local:
        status_store.remove_from_home_feed(session, follower.id, target.id)
        lists.unfollowed(session, follower.id, target.id)
        if (endorsed := store.endorsement(session, follower.id, target.id)) is not None:
            session.delete(endorsed)
    if target.local:
        for kind in ("follow", "follow_request"):
            notifications.withdraw(session, recipient_id=target.id, type=kind, from_account_id=follower.id)
    _recount(session, follower, target)


def answer_follow_request(
    session: Session, rt: Runtime, target: Account, follower_id: int, *, accept: bool
) -> None:
    follower = _target(session, follower_id)
    row = store.follow(session, follower.id, target.id)
    if row is None or row.accepted:
        raise NotFound("No such follow request")
    if not follower.local:
        outbox.follow_answered(session, rt, target, follower, row, accepted=accept)
    notifications.withdraw(
        session, recipient_id=target.id, type="follow_request", from_account_id=follower.id
    )
    if accept:
        row.accepted = True
        session.add(row)
        session.flush()
        if follower.local:
            _backfill_home(session, follower, target)
        _recount(session, follower, target)
    else:
        _drop_follow(session, row, follower, target)


def remove_from_followers(session: Session, rt: Runtime, target: Account, follower_id: int) -> None:
    follower = _target(session, follower_id)
    row = store.follow(session, follower.id, target.id)
    if row is None:
        return
    if not follower.local:
        outbox.follow_answered(session, rt, target, follower, row, accepted=False)
    _drop_follow(session, row, follower, target)


def block(session: Session, rt: Runtime, actor: Account, target_id: int) -> Block:
    target = _target(session, target_id)
    if target.id == actor.id:
        raise Forbidden("You cannot block yourself")
    existing = store.block(session, actor.id, target.id)
    if existing is not None:
        return existing
    block_id = new_id()
    row = Block(
        id=block_id, account_id=actor.id, target_account_id=target.id, uri=f"{actor.uri}#blocks/{block_id}"
    )
    session.add(row)
    _sever(session, actor, target)
    if not target.local:
        outbox.blocked(session, rt, actor, target, row.uri)
    return row


def _sever(session: Session, a: Account, b: Account) -> None:
    """A block ends follows both ways and clears each from the other's home feed."""
    store.delete_follows_between(session, a.id, b.id)
    session.flush()
    for account, other in ((a, b), (b, a)):
        if account.local:
            status_store.remove_from_home_feed(session, account.id, other.id)
    _recount(session, a, b)


def unblock(session: Session, rt: Runtime, actor: Account, target_id: int) -> None:
    target = _target(session, target_id)
    row = store.block(session, actor.id, target.id)
    if row is None:
        return
    if not target.local:
        outbox.unblocked(session, rt, actor, target, row.uri)
    session.delete(row)


def mute(session: Session, actor: Account, target_id: int, *, notifications_too: bool = True) -> Mute:
    target = _target(session, target_id)
    if target.id == actor.id:
        raise Forbidden("You cannot mute yourself")
    row = store.mute(session, actor.id, target.id) or Mute(account_id=actor.id, target_account_id=target.id)
    row.notifications = notifications_too
    session.add(row)
    return row


def unmute(session: Session, actor: Account, target_id: int) -> None:
    row = store.mute(session, actor.id, _target(session, target_id).id)
    if row is not None:
        session.delete(row)


# Arriving from other servers -------------------------------------------------------------


def received_follow(
    session: Session, rt: Runtime, follower: Account, target: Account, follow_uri: str
) -> None:
    """A remote Follow of a local account: accepted at once unless the account is locked or the
    follower is silenced (itself or by its domain's block)."""
    if store.block(session, target.id, follower.id):
        refused = Follow(account_id=follower.id, target_account_id=target.id, uri=follow_uri)
        outbox.follow_answered(session, rt, target, follower, refused, accepted=False)
        return
    existing = store.follow(session, follower.id, target.id)
    if existing is None:
        row = Follow(
            account_id=follower.id,
            target_account_id=target.id,
            uri=follow_uri[:2048],
            accepted=not (target.locked or follower.silenced),
        )
        session.add(row)
        session.flush()
        kind = "follow" if row.accepted else "follow_request"
        notifications.notify(session, rt, recipient_id=target.id, type=kind, from_account_id=follower.id)
    else:
        row = existing
        row.uri = follow_uri[:2048]  # a re-sent Follow: answer with its new id
        session.add(row)
    if row.accepted:
        outbox.follow_answered(session, rt, target, follower, row, accepted=True)
    _recount(session, follower, target)


def received_unfollow(session: Session, follower: Account, target: Account) -> None:
    row = store.follow(session, follower.id, target.id)
    if row is not None:
        _drop_follow(session, row, follower, target)


def follow_accepted(session: Session, follower: Account, target: Account) -> None:
    """A remote account accepted our local account's Follow."""
    row = store.follow(session, follower.id, target.id)
    if row is None or row.accepted:
        return
    row.accepted = True
    session.add(row)
    session.flush()
    _backfill_home(session, follower, target)
    _recount(session, follower, target)


def follow_rejected(session: Session, follower: Account, target: Account) -> None:
    row = store.follow(session, follower.id, target.id)
    if row is not None:
        _drop_follow(session, row, follower, target)


def received_block(session: Session, actor: Account, target: Account, block_uri: str) -> None:
    if store.block(session, actor.id, target.id) is None:
        session.add(Block(account_id=actor.id, target_account_id=target.id, uri=block_uri[:2048]))
    _sever(session, actor, target)


def received_unblock(session: Session, actor: Account, target: Account) -> None:
    row = store.block(session, actor.id, target.id)
    if row is not None:
        session.delete(row)


MAX_ENDORSEMENTS = 100


def endorse(session: Session, rt: Runtime, actor: Account, target_id: int, *, on: bool) -> None:
    """Recommend (or stop recommending) an account one follows on one's profile.

    Endorsements federate in the actor's `endorsements` collection (fedi's extension); a change
    sends an Update of the actor to its followers, as a change of featured tags does.
    """
    target = _target(session, target_id)
    row = store.endorsement(session, actor.id, target.id)
    if not on:
        if row is not None:
            session.delete(row)
            session.flush()
            outbox.profile_updated(session, rt, actor)
        return
    if row is not None:
        return
    follow = store.follow(session, actor.id, target.id)
    if follow is None or not follow.accepted:
        raise Unprocessable("You must be following this account to endorse it")
    if store.count_endorsements(session, actor.id) >= MAX_ENDORSEMENTS:
        raise Unprocessable(f"You can endorse at most {MAX_ENDORSEMENTS} accounts")
    session.add(Endorsement(account_id=actor.id, target_account_id=target.id))
    session.flush()
    outbox.profile_updated(session, rt, actor)
