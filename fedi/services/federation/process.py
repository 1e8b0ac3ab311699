"""Applying accepted activities: one handler per activity type, each safe to run twice.

The signer was verified to be the activity's actor when the activity was accepted. Here every
handler also checks that the actor may do what it asks to the object it names: only authors
edit or delete their posts, an embedded object from another origin is fetched again from its
own origin, and a local object is only ever named, never described, by a remote server.

Two phases: first what the activity refers to and we lack (a boosted post, a post sent by
reference, a Move's target) is fetched, outside any transaction; an item whose fetch is still
running, or failed for now, is tried again later with backoff. Then one short transaction
applies it; handlers only read what is stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

from sqlmodel import Session

from activitypub.audience import visibility_of
from activitypub.errors import FormatError
from activitypub.objects import ActivityView, NoteView, get_id, same_origin
from activitypub.vocab import ACTOR_TYPES, OBJECT_TYPES
from fedi.content.sanitize import clean_html, to_plain_text
from fedi.errors import FediError
from fedi.models.accounts import Account
from fedi.models.federation import AccountMove, InboxItem, Tombstone
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services import events, interactions, polls, purge, relationships, reports, statuses
from fedi.services.federation import remote
from fedi.services.federation.fetches import FetchPending, RemoteError, retry_delay, wait
from fedi.services.visibility import can_view, narrowest
from fedi.store import accounts as account_store
from fedi.store import inbox as inbox_store
from fedi.store import polls as poll_store
from fedi.store import relationships as relationship_store
from fedi.store import statuses as status_store
from fedi.store.views import status_view

log = logging.getLogger(__name__)

Handler = Callable[[Session, Runtime, Account, ActivityView], str]

# How long one run waits for the fetches an activity needs before it is tried again later.
FETCH_WAIT_S = 2.0
# Runs before an activity whose references cannot be fetched is applied without them (and so
# ignored): with the backoff below, about two hours.
MAX_ATTEMPTS = 8


class Readiness(Enum):
    READY = "ready"  # everything referred to is stored, or will never be
    WAITING = "waiting"  # a fetch is running, or failed in a way worth another try


def process(rt: Runtime, item_id: int) -> None:
    """Apply one stored inbox item; its state records what happened."""
    with rt.db.reader() as session:
        item = session.get(InboxItem, item_id)
        if item is None or item.state != "pending":
            return
        attempts, payload = item.attempts, item.payload
    activity = ActivityView(payload)
    if attempts + 1 < MAX_ATTEMPTS and fetch_references(rt, activity) is Readiness.WAITING:
        _postpone(rt, item_id, attempts + 1)
        return
    with rt.db.session() as session:
        item = session.get(InboxItem, item_id)
        if item is None or item.state != "pending":
            return
        item.attempts += 1
        actor = account_store.by_uri(session, activity.actor)
        try:
            with session.begin_nested():
                if actor is None:
                    outcome = "ignored: unknown actor"
                elif _suspended(rt, actor) and activity.type != "Delete":
                    # Accepted before a suspension (of the account or its domain): dropped.
                    outcome = "ignored: the actor is suspended here"
                else:
                    outcome = _dispatch(session, rt, actor, activity)
        except (FediError, FormatError) as exc:
            outcome = f"ignored: {exc}"
        item.state = "done" if outcome == "done" else "ignored"
        item.error = None if outcome == "done" else outcome[:1000]
        item.processed_at = datetime.now(UTC)
        session.add(item)
    if outcome != "done":
        log.info("inbox %s %s from %s: %s", activity.type, activity.id, activity.actor, outcome)


def fetch_references(rt: Runtime, activity: ActivityView) -> Readiness:
    """Fetch what the activity names and we lack, waiting a little for it (phase one)."""
    try:
        futures = _references(rt, activity)
        for future in futures:
            wait(future, FETCH_WAIT_S)
    except FetchPending:
        return Readiness.WAITING
    except RemoteError as exc:
        return Readiness.WAITING if exc.temporary else Readiness.READY
    except FediError:
        return Readiness.READY  # the handler will find nothing and say so
    return Readiness.READY


def _references(rt: Runtime, activity: ActivityView) -> list[Future[Any]]:
    object_id = activity.object_id
    if activity.type == "Announce" and object_id:
        return [remote.status(rt, object_id)]
    if activity.type == "Create" and object_id and not remote.is_local_uri(rt, object_id):
        inline = isinstance(activity.object, dict)
        if not inline or not same_origin(object_id, activity.actor):
            return [remote.status(rt, object_id)]
    if activity.type == "Move" and activity.target and object_id == activity.actor:
        return [remote.actor(rt, activity.target, refresh=True)]
    return []


def _suspended(rt: Runtime, actor: Account) -> bool:
    return actor.suspended or rt.domains.suspended(actor.domain)


def _postpone(rt: Runtime, item_id: int, attempt: int) -> None:
    delay = retry_delay(attempt, scale=rt.settings.federation.retry_delay_scale)
    with rt.db.session() as session:
        inbox_store.postpone(
            session, item_id, attempts=attempt, retry_at=datetime.now(UTC) + timedelta(seconds=delay)
        )
        rt.jobs.after_commit(session, "process_inbox", [item_id], delay=delay)


def _dispatch(session: Session, rt: Runtime, actor: Account, activity: ActivityView) -> str:
    handler = HANDLERS.get(activity.type)
    if handler is None:
        return f"ignored: {activity.type} is not supported"
    return handler(session, rt, actor, activity)


# Helpers ---------------------------------------------------------------------------------


def _inline(activity: ActivityView) -> dict[str, Any] | None:
    value = activity.object
    return value if isinstance(value, dict) else None


def _local_account(session: Session, rt: Runtime, uri: str | None) -> Account | None:
    if uri is None or not remote.is_local_uri(rt, uri):
        return None
    account = account_store.by_uri(session, uri)
    return account if account is not None and account.local else None


def _stored_status(session: Session, uri: str | None) -> Status | None:
    return status_store.by_uri(session, uri) if uri else None


# Handlers --------------------------------------------------------------------------------


def on_follow(session: Session, rt: Runtime, actor: Account, activity: ActivityView) -> str:
    target = _local_account(session, rt, activity.object_id)
    if target is None:
        return "ignored: follow of an unknown local account"
    relationships.received_follow(session, rt, actor, target, activity.id)
    return "done"


def _our_follow(
    session: Session, rt: Runtime, actor: Account, activity: ActivityView
) -> tuple[Account, Account] | None:
    """The local follower and remote target named by an Accept/Reject of our Follow."""
    inner = _inline(activity)
    follower_uri = get_id(inner.get("actor")) if inner else None
    follower = _local_account(session, rt, follower_uri) if follower_uri else None
    if follower is None:
        follow = relationship_store.follow_by_uri(session, activity.object_id or "")
        follower = account_store.get(session, follow.account_id) if follow is not None else None
    if follower is None:
        return None
    if inner is not None and get_id(inner.get("object")) not in (None, actor.uri):
        return None  # only the followed account may answer the follow
    return follower, actor


def on_accept(session: Session, rt: Runtime, actor: Account, activity: ActivityView) -> str:
    pair = _our_follow(session, rt, actor, activity)
    if pair is None:
        return "ignored: accept of no follow of ours"
    relationships.follow_accepted(session, *pair)
    return "done"


def on_reject(session: Session, rt: Runtime, actor: Account, activity: ActivityView) -> str:
    pair = _our_follow(session, rt, actor, activity)
    if pair is None:
        return "ignored: reject of no follow of ours"
    relationships.follow_rejected(session, *pair)
    return "done"


def on_undo(session: Session, rt: Runtime, actor: Account, activity: ActivityView) -> str:
    inner = _inline(activity)
    inner_type = inner.get("type") if inner else None
    inner_id = get_id(activity.object)
    if inner is not None and get_id(inner.get("actor")) not in (None, actor.uri):
        return "ignored: undo of someone else's activity"
    if inner_type == "Follow" and inner is not None:
        target = _local_account(session, rt, get_id(inner.get("object")))
        if target is not None:
            relationships.received_unfollow(session, actor, target)
        return "done"
    if inner_type == "Like" and inner is not None:
        status = status_store.by_uri(session, get_id(inner.get("object")) or "")
        interactions.received_unlike(session, actor, inner_id, status)
        return "done"
    if inner_type == "Announce" or (inner_type is None and inner_id):
        interactions.received_unannounce(session, rt, actor, inner_id or "")
        if inner_type is None:
            interactions.received_unlike(session, actor, inner_id, None)
        return "done"
    if inner_type == "Block" and inner is not None:
        target = _local_account(session, rt, get_id(inner.get("object")))
        if target is not None:
            relationships.received_unblock(session, actor, target)
        return "done"
    return f"ignored: undo of {inner_type}"


def on_create(session: Session, rt: Runtime, actor: Account, activity: ActivityView) -> str:
    inner = _inline(activity)
    object_id = activity.object_id
    if object_id is None:
        return "ignored: create without object"
    if remote.is_local_uri(rt, object_id):
        return "ignored: create of a local object"
    if inner is None or not same_origin(object_id, actor.uri):
        # Only an object from the actor's own origin is taken as sent; anything else was
        # fetched from where it lives (phase one).
        status = _stored_status(session, object_id)
        return "done" if status is not None else "ignored: object could not be fetched"
    if inner.get("type") not in OBJECT_TYPES:
        return f"ignored: create of {inner.get('type')}"
    note = NoteView(inner)
    if note.attributed_to != actor.uri:
        return "ignored: object attributed to someone else"
    if (poll_status := _poll_voted_on(session, note)) is not None:
        # A vote: counted on our poll, never stored as a post.
        if not poll_status.local:
            return "ignored: vote on another server's poll"
        return polls.received_vote(session, rt, actor, poll_status, note)
    remote.store_note(session, rt, inner, actor)
    return "done"


def _poll_voted_on(session: Session, note: NoteView) -> Status | None:
    """The poll a `Note` votes on: a named `Note` in reply to a poll, without content (or, on
    our own polls, named after one of the options). Other replies with a name are posts."""
    if note.type != "Note" or not note.name or not note.in_reply_to:
        return None
    status = _stored_status(session, note.in_reply_to)
    poll = poll_store.of_status(session, status.id) if status is not None else None
    if status is None or poll is None:
        return None
    if note.content and not (status.local and note.name in poll.options):
        return None
    return status


def on_update(session: Session, rt: Runtime, actor: Account, activity: ActivityView) -> str:
    inner = _inline(activity)
    if inner is None:
        return "ignored: update without an embedded object"
    if inner.get("type") in ACTOR_TYPES:
        if get_id(inner) != actor.uri:
            return "ignored: update of another actor"
        remote.upsert_actor(session, rt, inner)
        return "done"
    if inner.get("type") not in OBJECT_TYPES:
        return f"ignored: update of {inner.get('type')}"
    note = NoteView(inner)
    status = status_store.by_uri(session, note.id)
    if status is None:
        return "ignored: update of an unknown post"
    if status.account_id != actor.id or note.attributed_to != actor.uri:
        return "ignored: update of someone else's post"
    if (received := note.poll) is not None:
        polls.store_remote(session, rt, status, received)
        # New totals alone are no edit: only an `updated` later than the last edit is one.
        if note.updated is None or (status.edited_at is not None and note.updated <= status.edited_at):
            return "done"
    _apply_edit(session, rt, actor, status, note)
    return "done"


def _apply_edit(session: Session, rt: Runtime, actor: Account, status: Status, note: NoteView) -> None:
    if not status_store.edits_of(session, status.id):
        session.add(statuses.revision(status, status_view(session, status, None).media, at=status.created_at))
    status.content = clean_html(note.content or "")
    status.spoiler_text = to_plain_text(note.summary or "")[:1000]
    status.sensitive = note.sensitive or bool(note.summary)
    # An edit may narrow the audience, never widen it (CVE-2024-37903).
    status.visibility = narrowest(
        status.visibility, visibility_of(note.to, note.cc, followers_url=actor.followers_url)
    )
    status.edited_at = min(note.updated or datetime.now(UTC), datetime.now(UTC))
    session.add(status)
    remote.apply_note_details(session, rt, status, note)
    session.add(statuses.revision(status, status_view(session, status, None).media, at=status.edited_at))
    view = status_view(session, status, None)
    events.status_edited(session, rt, status, events.status_channels(status, [], [t.name for t in view.tags]))


def on_delete(session: Session, rt: Runtime, actor: Account, activity: ActivityView) -> str:
    object_id = activity.object_id
    if object_id is None:
        return "ignored: delete without object"
    if object_id == actor.uri:
        _delete_actor(session, rt, actor)
        return "done"
    status = status_store.by_uri(session, object_id)
    if status is None:
        if same_origin(object_id, actor.uri) and session.get(Tombstone, object_id) is None:
            # The Delete overtook its Create: remember it so the Create is ignored.
            session.add(Tombstone(uri=object_id, account_uri=actor.uri))
        return "done"
    if status.account_id != actor.id:
        return "ignored: delete of someone else's post"
    if session.get(Tombstone, object_id) is None:
        session.add(Tombstone(uri=object_id, account_uri=actor.uri))
    statuses.remove(session, rt, status, federate=False)
    return "done"


def _delete_actor(session: Session, rt: Runtime, actor: Account) -> None:
    actor.deleted_at = datetime.now(UTC)
    actor.suspended = True
    session.add(actor)
    purge.remove_everything(session, rt, actor)


def on_like(session: Session, rt: Runtime, actor: Account, activity: ActivityView) -> str:
    status = status_store.by_uri(session, activity.object_id or "")
    if status is None or not status.local:
        return "ignored: like of a post that is not ours"
    if not can_view(session, actor, status):
        return "ignored: like of a post the actor cannot see"
    interactions.received_like(session, rt, actor, status, activity.id)
    return "done"


def on_announce(session: Session, rt: Runtime, actor: Account, activity: ActivityView) -> str:
    object_id = activity.object_id
    if object_id is None:
        return "ignored: announce without object"
    # The boosted post is taken from our store or its own origin, never from the activity.
    original = _stored_status(session, object_id)
    if original is None:
        return "ignored: boosted post could not be fetched"
    author = account_store.get(session, original.account_id)
    if author is None or author.suspended:
        return "ignored: boost of a suspended account's post"
    shown = visibility_of(activity.to, activity.cc, followers_url=actor.followers_url)
    interactions.received_announce(session, rt, actor, original, activity.id, activity.published, shown)
    return "done"


def on_block(session: Session, rt: Runtime, actor: Account, activity: ActivityView) -> str:
    target = _local_account(session, rt, activity.object_id)
    if target is None:
        return "ignored: block of an unknown local account"
    relationships.received_block(session, actor, target, activity.id)
    return "done"


def on_flag(session: Session, rt: Runtime, actor: Account, activity: ActivityView) -> str:
    return reports.received_flag(session, rt, actor, activity)


def on_move(session: Session, rt: Runtime, actor: Account, activity: ActivityView) -> str:
    if activity.object_id != actor.uri or activity.target is None:
        return "ignored: move of another account"
    target = account_store.by_uri(session, activity.target)
    if target is None:
        return "ignored: move target could not be fetched"
    if actor.uri not in target.also_known_as:
        return "ignored: move target does not list the old account in alsoKnownAs"
    actor.moved_to_uri = target.uri
    session.add(actor)
    if not account_store.move_recorded(session, activity.id):
        session.add(AccountMove(account_id=actor.id, target_uri=target.uri, activity_uri=activity.id))
    return "done"


HANDLERS: dict[str, Handler] = {
    "Follow": on_follow,
    "Accept": on_accept,
    "Reject": on_reject,
    "Undo": on_undo,
    "Create": on_create,
    "Update": on_update,
    "Delete": on_delete,
    "Like": on_like,
    "Announce": on_announce,
    "Block": on_block,
    "Flag": on_flag,
    "Move": on_move,
}
