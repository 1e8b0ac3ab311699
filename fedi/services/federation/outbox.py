"""Outgoing activities: built from our rows, stored with one delivery row per inbox.

The activity and its deliveries are written in the caller's transaction, so a post that exists
is a post that will be delivered, even across a crash. The fan_out job sends them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from activitypub import builders
from activitypub.audience import Recipient, delivery_inboxes
from activitypub.context import with_extension_context
from activitypub.objects import host_of
from activitypub.vocab import PUBLIC
from fedi.convert import to_activitypub
from fedi.ids import new_id
from fedi.models.accounts import Account
from fedi.models.federation import Delivery, OutboxActivity
from fedi.models.relationships import Follow
from fedi.runtime import Runtime
from fedi.store import accounts as account_store
from fedi.store import relationships as relationship_store
from fedi.store.views import StatusView


def send(
    session: Session, rt: Runtime, sender: Account, activity: dict[str, Any], inboxes: Iterable[str]
) -> OutboxActivity | None:
    """Store `activity` for delivery to each remote inbox (none: nothing is stored); servers
    this instance suspended get nothing."""
    targets = [
        i
        for i in dict.fromkeys(inboxes)
        if i and not _is_ours(rt, i) and not rt.domains.suspended(host_of(i))
    ]
    if not targets:
        return None
    row = OutboxActivity(
        uri=activity["id"],
        account_id=sender.id,
        activity_type=activity["type"],
        payload=with_extension_context(activity, rt.urls.extension_context()),
    )
    session.add(row)
    session.flush()
    for inbox in targets:
        session.add(Delivery(activity_id=row.id, inbox_url=inbox, host=host_of(inbox)))
    session.flush()
    rt.jobs.after_commit(session, "fan_out", row.id)
    return row


def _is_ours(rt: Runtime, url: str) -> bool:
    return host_of(url) == rt.urls.host


def _recipient(account: Account) -> Recipient:
    return Recipient(actor_id=account.uri, inbox=account.inbox_url, shared_inbox=account.shared_inbox_url)


def follower_recipients(session: Session, account: Account) -> list[Recipient]:
    return [
        Recipient(actor_id=uri, inbox=inbox, shared_inbox=shared)
        for inbox, shared, uri in relationship_store.follower_inboxes(session, account.id)
    ]


def status_inboxes(session: Session, view: StatusView, extra: Iterable[Account] = ()) -> list[str]:
    """Followers (unless direct), mentioned accounts and the replied-to author, by shared inbox."""
    recipients = [] if view.status.visibility == "direct" else follower_recipients(session, view.account)
    remote = [a for a in [*view.mentions, *extra] if not a.local and a.deleted_at is None]
    if view.status.in_reply_to_account_id is not None and view.status.visibility != "direct":
        parent_author = account_store.get(session, view.status.in_reply_to_account_id)
        if parent_author is not None and not parent_author.local:
            remote.append(parent_author)
    recipients += [_recipient(a) for a in remote]
    return delivery_inboxes(recipients)


def status_created(session: Session, rt: Runtime, view: StatusView) -> None:
    if view.status.reblog_of_id is not None:
        assert view.reblog is not None
        extra = [view.reblog.account]
        send(session, rt, view.account, to_activitypub.announce(view), status_inboxes(session, view, extra))
        return
    send(session, rt, view.account, to_activitypub.create(view, rt.urls), status_inboxes(session, view))


def status_updated(session: Session, rt: Runtime, view: StatusView) -> None:
    activity = to_activitypub.update(view, rt.urls, view.status.edited_at or datetime.now(UTC))
    activity["id"] = f"{view.status.uri}#updates/{new_id()}"
    send(session, rt, view.account, activity, status_inboxes(session, view))


def poll_updated(session: Session, rt: Runtime, view: StatusView, voters: Iterable[Account]) -> None:
    """A local poll's new totals (or its end): an Update of the Question to where the poll went
    and to its remote voters. Not an edit: the Question carries no new `updated`."""
    activity = builders.update(
        id=f"{view.status.uri}#updates/{new_id()}",
        actor=view.account.uri,
        object=to_activitypub.note(view, rt.urls),
        updated=datetime.now(UTC),
        edit=False,
    )
    extra = [a for a in voters if a.deleted_at is None]
    send(session, rt, view.account, activity, status_inboxes(session, view, extra))


def status_deleted(session: Session, rt: Runtime, view: StatusView) -> None:
    if view.status.reblog_of_id is not None:
        undo_announce(session, rt, view)
        return
    send(session, rt, view.account, to_activitypub.delete(view), status_inboxes(session, view))


def undo_announce(session: Session, rt: Runtime, boost: StatusView) -> None:
    assert boost.reblog is not None
    activity = builders.undo(
        id=f"{boost.status.uri}#undo", actor=boost.account.uri, activity=to_activitypub.announce(boost)
    )
    send(session, rt, boost.account, activity, status_inboxes(session, boost, [boost.reblog.account]))


def liked(session: Session, rt: Runtime, actor: Account, target: StatusView, like_uri: str) -> None:
    if target.account.local:
        return
    activity = builders.like(id=like_uri, actor=actor.uri, object=target.status.uri)
    send(session, rt, actor, activity, [target.account.inbox_url])


def unliked(session: Session, rt: Runtime, actor: Account, target: StatusView, like_uri: str) -> None:
    if target.account.local:
        return
    like = builders.like(id=like_uri, actor=actor.uri, object=target.status.uri)
    activity = builders.undo(id=f"{like_uri}/undo", actor=actor.uri, activity=like)
    send(session, rt, actor, activity, [target.account.inbox_url])


def followed(session: Session, rt: Runtime, follower: Account, target: Account, follow: Follow) -> None:
    activity = builders.follow(id=follow.uri, actor=follower.uri, object=target.uri)
    send(session, rt, follower, activity, [target.inbox_url])


def unfollowed(session: Session, rt: Runtime, follower: Account, target: Account, follow: Follow) -> None:
    inner = builders.follow(id=follow.uri, actor=follower.uri, object=target.uri)
    activity = builders.undo(id=f"{follow.uri}/undo", actor=follower.uri, activity=inner)
    send(session, rt, follower, activity, [target.inbox_url])


def follow_answered(
    session: Session, rt: Runtime, target: Account, follower: Account, follow: Follow, *, accepted: bool
) -> None:
    """Accept or Reject a remote follower's Follow, carrying the Follow inline."""
    follow_activity = builders.follow(id=follow.uri, actor=follower.uri, object=target.uri)
    build = builders.accept if accepted else builders.reject
    kind = "accepts" if accepted else "rejects"
    activity = build(
        id=f"{target.uri}#{kind}/follows/{follow.id}", actor=target.uri, follow_activity=follow_activity
    )
    send(session, rt, target, activity, [follower.inbox_url])


def blocked(session: Session, rt: Runtime, actor: Account, target: Account, block_uri: str) -> None:
    send(
        session,
        rt,
        actor,
        builders.block(id=block_uri, actor=actor.uri, object=target.uri),
        [target.inbox_url],
    )


def unblocked(session: Session, rt: Runtime, actor: Account, target: Account, block_uri: str) -> None:
    inner = builders.block(id=block_uri, actor=actor.uri, object=target.uri)
    activity = builders.undo(id=f"{block_uri}/undo", actor=actor.uri, activity=inner)
    send(session, rt, actor, activity, [target.inbox_url])


def pinned(session: Session, rt: Runtime, account: Account, status_uri: str, *, on: bool) -> None:
    """A pin (Add) or unpin (Remove) of a post in the `featured` collection, to the followers."""
    build = builders.add if on else builders.remove
    activity = build(
        id=f"{account.uri}#{'pins' if on else 'unpins'}/{new_id()}",
        actor=account.uri,
        object=status_uri,
        target=rt.urls.featured(account.username),
    )
    send(session, rt, account, activity, delivery_inboxes(follower_recipients(session, account)))


def profile_updated(session: Session, rt: Runtime, account: Account) -> None:
    document = to_activitypub.actor(account, rt.urls)
    activity = builders.update(
        id=f"{account.uri}#updates/{new_id()}",
        actor=account.uri,
        object=document,
        updated=datetime.now(UTC),
        to=[PUBLIC],
    )
    send(session, rt, account, activity, delivery_inboxes(follower_recipients(session, account)))
