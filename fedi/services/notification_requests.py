"""Notification policies and requests (Mastodon 4.3): a local account chooses, for five kinds of
sender, whether their notifications are accepted, held as a request (`filter`) or dropped.

Held notifications stay stored with `filtered` set and are left out of every notification list,
count and stream; a request per sender counts them. Accepting a request releases them into the
notifications and lets that sender through from then on; dismissing it deletes them. Reports,
sign-ups and edits are never held, nor is anything from the server's moderators.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from fedi.errors import NotFound, Unprocessable
from fedi.models.accounts import Account
from fedi.models.notifications import Notification, NotificationPolicy, NotificationRequest, PolicyAction
from fedi.store import moderation as moderation_store
from fedi.store import notification_requests as store
from fedi.store import relationships as relationship_store
from fedi.store import statuses as status_store
from fedi.store.paging import Page
from fedi.store.views import StatusView, accounts_by_id, status_views

CATEGORIES = (
    "for_not_following",
    "for_not_followers",
    "for_new_accounts",
    "for_private_mentions",
    "for_limited_accounts",
)
FILTERABLE_TYPES = frozenset(
    {"mention", "status", "reblog", "follow", "follow_request", "favourite", "fedi_remix"}
)
NEW_ACCOUNT_AGE = timedelta(days=30)
MAX_BULK = 100


def policy(session: Session, account_id: int) -> NotificationPolicy:
    """The stored policy, or the default (accept everything) unsaved."""
    return store.policy(session, account_id) or NotificationPolicy(account_id=account_id)


def update_policy(session: Session, account_id: int, changes: dict[str, str]) -> NotificationPolicy:
    current = store.policy(session, account_id) or NotificationPolicy(account_id=account_id)
    for key, value in changes.items():
        if key not in CATEGORIES:
            raise Unprocessable(f"{key} is not a notification policy category", field=key)
        if value not in set(PolicyAction):
            raise Unprocessable(f"{key} must be one of {', '.join(PolicyAction)}", field=key)
        setattr(current, key, value)
    session.add(current)
    session.flush()
    return current


def decide(
    session: Session, recipient: Account, sender: Account, type: str, status_id: int | None
) -> PolicyAction:
    """What the recipient's policy does with this notification: the strictest action among the
    categories the sender falls in."""
    if type not in FILTERABLE_TYPES:
        return PolicyAction.ACCEPT
    rules = store.policy(session, recipient.id)
    if rules is None or all(getattr(rules, key) == PolicyAction.ACCEPT for key in CATEGORIES):
        return PolicyAction.ACCEPT
    if store.permitted(session, recipient.id, sender.id) or sender.id in set(
        moderation_store.staff_account_ids(session)
    ):
        return PolicyAction.ACCEPT
    following = _follows(session, recipient.id, sender.id)
    applies = {
        "for_not_following": not following,
        "for_not_followers": not _follows(session, sender.id, recipient.id),
        "for_new_accounts": sender.created_at > datetime.now(UTC) - NEW_ACCOUNT_AGE,
        "for_private_mentions": type == "mention"
        and not following
        and _private_unprompted(session, recipient, status_id),
        "for_limited_accounts": sender.silenced and not following,
    }
    actions = {PolicyAction(getattr(rules, key)) for key, hit in applies.items() if hit}
    for action in (PolicyAction.DROP, PolicyAction.FILTER):
        if action in actions:
            return action
    return PolicyAction.ACCEPT


def _follows(session: Session, follower_id: int, target_id: int) -> bool:
    follow = relationship_store.follow(session, follower_id, target_id)
    return follow is not None and follow.accepted


def _private_unprompted(session: Session, recipient: Account, status_id: int | None) -> bool:
    """A direct mention that does not answer one of the recipient's own posts."""
    status = status_store.get(session, status_id) if status_id is not None else None
    if status is None or status.visibility != "direct":
        return False
    return status.in_reply_to_account_id != recipient.id


def hold(session: Session, item: Notification) -> NotificationRequest:
    """Count a held notification in its sender's request (made on the first one)."""
    request = store.request_from(session, item.account_id, item.from_account_id)
    now = datetime.now(UTC)
    if request is None:
        request = NotificationRequest(account_id=item.account_id, from_account_id=item.from_account_id)
    request.notifications_count += 1
    request.last_status_id = item.status_id or request.last_status_id
    request.updated_at = now
    session.add(request)
    session.flush()
    return request


def summary(session: Session, account_id: int) -> tuple[int, int]:
    return store.summary(session, account_id)


def page(session: Session, viewer: Account, paging: Page) -> list[NotificationRequest]:
    return store.page(session, viewer.id, paging)


def get(session: Session, viewer: Account, request_id: int) -> NotificationRequest:
    found = store.request_for(session, viewer.id, request_id)
    if found is None:
        raise NotFound()
    return found


def accept(session: Session, viewer: Account, request_ids: Collection[int]) -> None:
    """Release the held notifications into the notifications; the senders pass from now on."""
    for request in _requests(session, viewer, request_ids):
        store.release(session, viewer.id, request.from_account_id)
        store.permit(session, viewer.id, request.from_account_id)
        session.delete(request)
    session.flush()


def dismiss(session: Session, viewer: Account, request_ids: Collection[int]) -> None:
    """Delete the held notifications; later ones from the sender make a new request."""
    for request in _requests(session, viewer, request_ids):
        store.discard(session, viewer.id, request.from_account_id)
        session.delete(request)
    session.flush()


def _requests(session: Session, viewer: Account, request_ids: Collection[int]) -> list[NotificationRequest]:
    if len(request_ids) > MAX_BULK:
        raise Unprocessable(f"at most {MAX_BULK} requests at once", field="id")
    return store.requests_for(session, viewer.id, request_ids)


def shown(
    session: Session, viewer: Account, requests: list[NotificationRequest]
) -> list[tuple[NotificationRequest, Account, StatusView | None]]:
    """Each request with its sender and the latest status it is about (if any is left)."""
    senders = accounts_by_id(session, {r.from_account_id for r in requests})
    statuses = status_store.many(session, {r.last_status_id for r in requests if r.last_status_id})
    by_id = {v.status.id: v for v in status_views(session, list(statuses.values()), viewer)}
    return [
        (r, senders[r.from_account_id], by_id.get(r.last_status_id) if r.last_status_id else None)
        for r in requests
        if r.from_account_id in senders
    ]
