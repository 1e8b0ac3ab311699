"""Streaming events, published once the transaction that caused them commits.

Channel names follow Mastodon's stream names: `user:<account id>` (home timeline and
notifications), `user:notification:<id>`, `public`, `public:local`, `public:remote`,
`hashtag:<tag>`, `hashtag:local:<tag>`, `direct:<account id>`, plus `generation:<id>` for fedi's generation progress and
`token:<id>`, which tells the streams opened with an access token that it was revoked.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from fedi.db import on_commit
from fedi.models.notifications import Notification
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.streaming import Message


def _publish(session: Session, rt: Runtime, channels: Iterable[str], message: Message) -> None:
    targets = list(dict.fromkeys(channels))

    def send() -> None:
        for channel in targets:
            rt.broadcaster.publish(channel, message)

    on_commit(session, send)


def status_channels(status: Status, home_account_ids: Iterable[int], tags: Iterable[str]) -> list[str]:
    """Every stream a newly visible status belongs to."""
    channels = [f"user:{account_id}" for account_id in home_account_ids]
    if status.visibility == "public" and status.reblog_of_id is None and status.published:
        channels += ["public", "public:local" if status.local else "public:remote"]
        for tag in tags:
            channels.append(f"hashtag:{tag.lower()}")
            if status.local:
                channels.append(f"hashtag:local:{tag.lower()}")
    return channels


def status_created(session: Session, rt: Runtime, status: Status, channels: list[str]) -> None:
    _publish(session, rt, channels, {"event": "update", "status_id": status.id})


def status_edited(session: Session, rt: Runtime, status: Status, channels: list[str]) -> None:
    _publish(session, rt, channels, {"event": "status.update", "status_id": status.id})


def status_deleted(session: Session, rt: Runtime, status_id: int, channels: list[str]) -> None:
    _publish(session, rt, channels, {"event": "delete", "status_id": status_id})


def notification(session: Session, rt: Runtime, item: Notification) -> None:
    channels = [f"user:{item.account_id}", f"user:notification:{item.account_id}"]
    _publish(session, rt, channels, {"event": "notification", "notification_id": item.id})


def conversation(session: Session, rt: Runtime, account_id: int, conversation_id: int) -> None:
    _publish(
        session, rt, [f"direct:{account_id}"], {"event": "conversation", "conversation_id": conversation_id}
    )


def generation_progress(rt: Runtime, generation_id: int, message: Message) -> None:
    """Progress is not transactional: it goes out as it happens."""
    rt.broadcaster.publish(f"generation:{generation_id}", message)


def token_revoked(session: Session, rt: Runtime, token_id: int) -> None:
    """Streams opened with this token close (they may live in another process)."""
    _publish(session, rt, [f"token:{token_id}"], {"event": "revoked", "token_id": token_id})
