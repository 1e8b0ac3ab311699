"""Web Push delivery: a notification becomes an encrypted message to each subscription.

When a notification is created for a local account, one durable job per subscription whose
alerts ask for its type is queued after the commit. The job reads what it needs, closes the
database session, encrypts Mastodon's push payload (RFC 8291 `aes128gcm`, or the draft `aesgcm`
a subscription made with `standard` false asks for) and signs a VAPID (RFC 8292) header, then
POSTs it. A 404 or 410 means the push service forgot the subscription: it is removed. Any
other failure raises, so the job engine tries again with backoff.
"""

from __future__ import annotations

import html
import json
import logging
import re
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlmodel import Session

from activitypub.errors import FetchError
from fedi.convert.common import avatar_url
from fedi.convert.to_mastodon import FEDI_TYPES_SHOWN_AS
from fedi.models.notifications import Notification
from fedi.models.push import PushPolicy, PushSubscription
from fedi.runtime import Runtime
from fedi.services import vapid
from fedi.store import accounts as account_store
from fedi.store import push as store
from fedi.store import relationships as relationship_store
from fedi.store import statuses as status_store

log = logging.getLogger(__name__)

# Mastodon's: a message waits two days for a phone that is off; normal urgency.
TTL_S = 48 * 3600
URGENCY = "normal"
BODY_LENGTH = 140
# A push service's own status codes that mean "this subscription is gone".
GONE = frozenset({404, 410})

TITLES = {
    "mention": "{name} mentioned you",
    "status": "{name} just posted",
    "reblog": "{name} boosted your post",
    "follow": "{name} is now following you",
    "follow_request": "{name} has requested to follow you",
    "favourite": "{name} favourited your post",
    "poll": "A poll you voted in has ended",
    "update": "{name} edited a post",
    "admin.sign_up": "{name} signed up",
    "admin.report": "New report submitted",
}


class PushFailed(Exception):
    """The push service answered something else than success or "gone": try again later."""


@dataclass(frozen=True)
class Message:
    endpoint: str
    body: bytes
    headers: dict[str, str]


def shown_type(notification_type: str) -> str:
    return FEDI_TYPES_SHOWN_AS.get(notification_type, notification_type)


def queue_for(session: Session, rt: Runtime, item: Notification) -> None:
    """Queue one push job per subscription of the recipient whose alerts ask for this type."""
    alert = shown_type(item.type)
    for subscription in store.of_account(session, item.account_id):
        if subscription.alerts.get(alert) and subscription.policy != PushPolicy.NONE:
            rt.jobs.after_commit(session, "push_notification", subscription.id, item.id)


def deliver(rt: Runtime, subscription_id: int, notification_id: int) -> None:
    """The job body: build the message in a read, send it outside any transaction."""
    with rt.db.reader() as session:
        message = _message(session, rt, subscription_id, notification_id)
    if message is None:
        return
    try:
        status = rt.push_sender.post(message.endpoint, message.body, message.headers)
    except FetchError as exc:
        if exc.retryable:
            raise
        # A refused address or URL: trying again cannot help.
        log.warning("push to subscription %s refused: %s", subscription_id, exc)
        return
    if status in GONE:
        log.info("push subscription %s is gone (%s): removed", subscription_id, status)
        with rt.db.session() as session:
            store.remove(session, subscription_id)
        return
    if not 200 <= status < 300:
        raise PushFailed(f"push service answered {status} for subscription {subscription_id}")


def _message(session: Session, rt: Runtime, subscription_id: int, notification_id: int) -> Message | None:
    subscription = session.get(PushSubscription, subscription_id)
    notification = session.get(Notification, notification_id)
    if subscription is None or notification is None or notification.account_id != subscription.account_id:
        return None  # unsubscribed, or the notification was dismissed meanwhile
    if not _pushable(session, subscription, notification):
        return None
    payload = _payload(session, rt, subscription, notification)
    if payload is None:
        return None
    return _encrypt(rt, subscription, json.dumps(payload).encode())


def _pushable(session: Session, subscription: PushSubscription, item: Notification) -> bool:
    if not subscription.alerts.get(shown_type(item.type)):
        return False
    match subscription.policy:
        case PushPolicy.ALL:
            return True
        case PushPolicy.FOLLOWED:
            found = relationship_store.follow(session, item.account_id, item.from_account_id)
            return found is not None and found.accepted
        case PushPolicy.FOLLOWER:
            found = relationship_store.follow(session, item.from_account_id, item.account_id)
            return found is not None and found.accepted
        case _:
            return False


def _payload(
    session: Session, rt: Runtime, subscription: PushSubscription, item: Notification
) -> dict[str, object] | None:
    """Mastodon's Web::NotificationSerializer."""
    sender = account_store.get(session, item.from_account_id)
    if sender is None:
        return None
    user = account_store.user_for_account(session, item.account_id)
    if user is None or user.disabled:
        return None  # a disabled login gets no pushes (its tokens do not work either)
    status = status_store.get(session, item.status_id) if item.status_id is not None else None
    if status is not None:
        source = status.spoiler_text or status.text or _plain(status.content)
    else:
        source = _plain(sender.note)
    name = sender.display_name or sender.username
    kind = shown_type(item.type)
    return {
        "access_token": subscription.access_token,
        "preferred_locale": user.locale,
        "notification_id": item.id,
        "notification_type": kind,
        "icon": avatar_url(sender, rt.urls),
        "title": TITLES.get(kind, "{name}").format(name=name),
        "body": _truncate(source),
    }


_TAG = re.compile(r"<[^>]*>")


def _plain(markup: str) -> str:
    return html.unescape(_TAG.sub(" ", markup or "")).strip()


def _truncate(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= BODY_LENGTH else text[: BODY_LENGTH - 3] + "..."


def _encrypt(rt: Runtime, subscription: PushSubscription, data: bytes) -> Message:
    # Imported here: only processes that send pushes load the library (and its HTTP clients).
    from py_vapid import Vapid01, Vapid02
    from pywebpush import WebPusher

    info = {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.key_p256dh, "auth": subscription.key_auth},
    }
    encoding = "aes128gcm" if subscription.standard else "aesgcm"
    encoded = WebPusher(info).encode(data, content_encoding=encoding)
    parts = urlsplit(subscription.endpoint)
    claims = {
        "sub": _subject(rt),
        "aud": f"{parts.scheme}://{parts.netloc}",
        "exp": int(time.time()) + 12 * 3600,
    }
    keys = vapid.keys(rt)
    headers = {
        "Content-Type": "application/octet-stream",
        "Content-Encoding": encoding,
        "TTL": str(TTL_S),
        "Urgency": URGENCY,
    }
    if subscription.standard:
        headers |= Vapid02(private_key=keys.private_key).sign(claims)
    else:
        # The draft encoding carries the sender's ECDH key and salt in headers of their own.
        signed = Vapid01(private_key=keys.private_key).sign(claims)
        headers["Authorization"] = signed["Authorization"]
        headers["Crypto-Key"] = f"dh={encoded['crypto_key'].decode()};{signed['Crypto-Key']}"
        headers["Encryption"] = f"salt={encoded['salt'].decode()}"
    return Message(subscription.endpoint, bytes(encoded["body"]), headers)


def _subject(rt: Runtime) -> str:
    configured = rt.settings.push.vapid_subject
    if configured:
        return configured
    contact = rt.settings.instance.contact_email
    return f"mailto:{contact}" if contact else rt.settings.base_url
