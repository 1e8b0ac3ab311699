"""Direct conversations: every direct post, local or received, joins a conversation of each local
participant, keyed by its thread and the other participants (as Mastodon keys them)."""

from __future__ import annotations

from sqlmodel import Session

from fedi.errors import NotFound
from fedi.models.accounts import Account
from fedi.models.conversations import Conversation
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services import events
from fedi.store import conversations as store
from fedi.store import relationships as relationship_store
from fedi.store.paging import Page
from fedi.store.views import ConversationView, StatusView, conversation_views


def record(session: Session, rt: Runtime, status: Status, view: StatusView) -> None:
    """File a newly visible direct status under its local participants' conversations."""
    if status.visibility != "direct" or status.reblog_of_id is not None:
        return
    participants = {status.account_id} | {a.id for a in view.mentions}
    local_ids = [a.id for a in view.mentions if a.local]
    if view.account.local:
        local_ids.append(status.account_id)
    for account_id in dict.fromkeys(local_ids):
        own = account_id == status.account_id
        if not own and relationship_store.block(session, account_id, status.account_id):
            continue
        others = sorted(participants - {account_id})
        thread = _thread(session, account_id, status)
        conversation = store.find(session, account_id, thread, others) or Conversation(
            account_id=account_id, thread=thread, participant_ids=others
        )
        conversation.last_status_id = max(conversation.last_status_id or 0, status.id)
        # The author has read what they wrote; everyone else has a new message.
        conversation.unread = not own
        session.add(conversation)
        session.flush()
        store.add_status(session, conversation.id, status.id)
        events.conversation(session, rt, account_id, conversation.id)


def _thread(session: Session, account_id: int, status: Status) -> str:
    if status.in_reply_to_id is not None:
        found = store.thread_of(session, account_id, status.in_reply_to_id)
        if found is not None:
            return found
    return status.in_reply_to_uri or status.uri


def status_removed(session: Session, rt: Runtime, status_id: int) -> None:
    """A deleted status leaves its conversations; one left empty goes too (as in Mastodon)."""
    for conversation in store.holding(session, status_id):
        newest = store.newest_status_except(session, conversation.id, status_id)
        if newest is None:
            store.remove(session, conversation.id)
            continue
        conversation.last_status_id = newest
        session.add(conversation)
        events.conversation(session, rt, conversation.account_id, conversation.id)


def page(session: Session, viewer: Account, paging: Page) -> tuple[list[ConversationView], list[int]]:
    """A page of conversations and the last-status ids it is paged by."""
    found = store.page_for(session, viewer.id, paging)
    views = conversation_views(session, found, viewer)
    return [v for v in views if v.last_status is not None], [c.last_status_id or 0 for c in found]


def _own(session: Session, viewer: Account, conversation_id: int) -> Conversation:
    found = store.get_for(session, viewer.id, conversation_id)
    if found is None:
        raise NotFound()
    return found


def mark_read(session: Session, viewer: Account, conversation_id: int) -> ConversationView:
    conversation = _own(session, viewer, conversation_id)
    conversation.unread = False
    session.add(conversation)
    session.flush()
    return conversation_views(session, [conversation], viewer)[0]


def remove(session: Session, viewer: Account, conversation_id: int) -> None:
    """Hide a conversation from the list; a new message in the thread brings it back."""
    store.remove(session, _own(session, viewer, conversation_id).id)


def streamed(session: Session, viewer: Account, conversation_id: int) -> ConversationView | None:
    found = store.get_for(session, viewer.id, conversation_id)
    if found is None:
        return None
    view = conversation_views(session, [found], viewer)[0]
    return view if view.last_status is not None else None
