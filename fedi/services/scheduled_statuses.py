"""Scheduled statuses: a post kept with its parameters and published by a job at its time.

As Mastodon: the time must be more than five minutes ahead (a time already past posts at once,
which the API edge decides); an account holds at most 300, and 25 for any one day. Attached
media are reserved (`media_attachments.scheduled_status_id`): nothing else can use them until
the status is published, and cancelling releases them. A delayed job publishes each on time;
a sweep every minute publishes any whose job was lost. Publication deletes the row in the
same transaction as it creates the status, so it happens once.
"""

from __future__ import annotations

import logging
from concurrent.futures import wait
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlmodel import Session

from fedi.errors import NotFound, Unprocessable
from fedi.models.accounts import Account
from fedi.models.media import MediaAttachment
from fedi.models.oauth import OAuthApplication
from fedi.models.scheduled_statuses import ScheduledStatus
from fedi.runtime import Runtime
from fedi.services import polls, resolver, statuses
from fedi.store import accounts as account_store
from fedi.store import scheduled_statuses as store
from fedi.store.paging import Page

log = logging.getLogger(__name__)

MIN_OFFSET = timedelta(minutes=5)
TOTAL_LIMIT = 300
DAILY_LIMIT = 25
JOB = "publish_scheduled_status"


@dataclass(frozen=True)
class Scheduled:
    item: ScheduledStatus
    media: list[MediaAttachment]


def _check_time(session: Session, author: Account, at: datetime, *, excluding: int | None = None) -> None:
    if at <= datetime.now(UTC) + MIN_OFFSET:
        raise Unprocessable("scheduled_at must be at least 5 minutes in the future", field="scheduled_at")
    day = datetime.combine(at.date(), time(0), tzinfo=UTC)
    if store.count_between(session, author.id, day, day + store.DAY, excluding=excluding) >= DAILY_LIMIT:
        raise Unprocessable(
            f"You have exceeded the limit of {DAILY_LIMIT} scheduled posts for that day", field="scheduled_at"
        )


def schedule(
    session: Session,
    rt: Runtime,
    author: Account,
    draft: statuses.StatusDraft,
    at: datetime,
    *,
    application_id: int | None = None,
    idempotency_key: str | None = None,
) -> Scheduled:
    """Keep `draft` for `at`, after the checks a post would get now. A repeated Idempotency-Key
    answers the scheduled status it made first."""
    if idempotency_key:
        earlier = store.with_idempotency_key(session, author.id, idempotency_key)
        if earlier is not None:
            return Scheduled(earlier, store.media_of(session, [earlier.id])[earlier.id])
    _check_time(session, author, at)
    if store.count_of(session, author.id) >= TOTAL_LIMIT:
        raise Unprocessable(f"You have exceeded the limit of {TOTAL_LIMIT} scheduled posts")
    media = statuses.check_draft(session, rt, author, draft)
    item = ScheduledStatus(
        account_id=author.id,
        scheduled_at=at,
        params={
            "text": draft.text,
            "poll": _poll_params(draft.poll),
            "media_ids": [str(m.id) for m in media] or None,
            "sensitive": draft.sensitive,
            "spoiler_text": draft.spoiler_text or None,
            "visibility": draft.visibility,
            "in_reply_to_id": str(draft.in_reply_to_id) if draft.in_reply_to_id else None,
            "language": draft.language,
            "application_id": str(application_id) if application_id else None,
            "scheduled_at": None,
            "idempotency": idempotency_key,
            "with_rate_limit": False,
        },
    )
    session.add(item)
    session.flush()
    for position, attachment in enumerate(media):
        attachment.scheduled_status_id = item.id
        attachment.position = position
        session.add(attachment)
    session.flush()
    _queue(session, rt, item)
    return Scheduled(item, media)


def _queue(session: Session, rt: Runtime, item: ScheduledStatus) -> None:
    delay = (item.scheduled_at - datetime.now(UTC)).total_seconds()
    rt.jobs.after_commit(session, JOB, item.id, delay=max(delay, 0.0))


def page(session: Session, author: Account, paging: Page) -> list[Scheduled]:
    items = store.page_for(session, author.id, paging)
    media = store.media_of(session, [i.id for i in items])
    return [Scheduled(i, media[i.id]) for i in items]


def get(session: Session, author: Account, scheduled_id: int) -> Scheduled:
    item = store.get_for(session, author.id, scheduled_id)
    if item is None:
        raise NotFound()
    return Scheduled(item, store.media_of(session, [item.id])[item.id])


def reschedule(session: Session, rt: Runtime, author: Account, scheduled_id: int, at: datetime) -> Scheduled:
    found = get(session, author, scheduled_id)
    _check_time(session, author, at, excluding=found.item.id)
    found.item.scheduled_at = at
    session.add(found.item)
    session.flush()
    # The job queued for the old time finds the row not due yet and leaves it to this one.
    _queue(session, rt, found.item)
    return found


def cancel(session: Session, author: Account, scheduled_id: int) -> None:
    """Forget it; its media are released (they can be attached to another post)."""
    found = get(session, author, scheduled_id)
    store.release_media(session, found.item.id)
    session.delete(found.item)


def publish(rt: Runtime, scheduled_id: int) -> None:
    """Post it now if it is due; nothing if it was cancelled, published, or moved later."""
    with rt.db.reader() as session:
        item = session.get(ScheduledStatus, scheduled_id)
        if item is None or item.scheduled_at > datetime.now(UTC):
            return
        text = str(item.params.get("text") or "")
    # Remote accounts it mentions are looked up first, outside any transaction (as the API does).
    lookups = resolver.start_mentions(rt, text)
    if lookups:
        wait(lookups, timeout=resolver.LOOKUP_WAIT_S)
    with rt.db.session() as session:
        item = session.get(ScheduledStatus, scheduled_id)
        if item is None:
            return
        author = account_store.get(session, item.account_id)
        media_ids = [m.id for m in store.media_of(session, [item.id])[item.id]]
        params = dict(item.params)
        store.release_media(session, item.id)
        if not store.take(session, item.id):
            return  # another worker published it first
        if author is None or not author.local or author.suspended:
            return
        draft = _draft_of(session, params, media_ids)
        try:
            with session.begin_nested():
                statuses.create(session, rt, author, draft, idempotency_key=f"scheduled-{scheduled_id}")
        except (Unprocessable, NotFound) as exc:
            # The post cannot be made any more (its parent was deleted): it is dropped and its
            # media stay with their owner.
            log.warning("scheduled status %s was not published: %s", scheduled_id, exc)


def _draft_of(session: Session, params: dict[str, Any], media_ids: list[int]) -> statuses.StatusDraft:
    application = None
    app_id = params.get("application_id")
    if app_id:
        app = session.get(OAuthApplication, int(app_id))
        if app is not None:
            application = {"name": app.name, "website": app.website}
    reply_to = params.get("in_reply_to_id")
    return statuses.StatusDraft(
        text=params.get("text") or "",
        media_ids=media_ids,
        spoiler_text=params.get("spoiler_text") or "",
        sensitive=bool(params.get("sensitive")),
        visibility=params.get("visibility"),
        in_reply_to_id=int(reply_to) if reply_to else None,
        language=params.get("language"),
        application=application,
        poll=_poll_draft(params.get("poll")),
    )


def _poll_params(poll: polls.PollDraft | None) -> dict[str, Any] | None:
    """The poll as Mastodon keeps it in a scheduled status's params (expires_in as a string)."""
    if poll is None:
        return None
    return {
        "options": poll.options,
        "expires_in": str(poll.expires_in) if poll.expires_in is not None else None,
        "multiple": poll.multiple,
        "hide_totals": poll.hide_totals,
    }


def _poll_draft(kept: Any) -> polls.PollDraft | None:
    if not isinstance(kept, dict):
        return None
    expires_in = kept.get("expires_in")
    return polls.PollDraft(
        options=[str(o) for o in kept.get("options") or []],
        expires_in=int(expires_in) if expires_in is not None else None,
        multiple=bool(kept.get("multiple")),
        hide_totals=bool(kept.get("hide_totals")),
    )


def publish_due(rt: Runtime) -> None:
    """Publish what is due (the sweep that catches jobs lost to a restart)."""
    with rt.db.reader() as session:
        due = store.due_ids(session, datetime.now(UTC))
    for scheduled_id in due:
        try:
            publish(rt, scheduled_id)
        except Exception:
            log.exception("scheduled status %s could not be published", scheduled_id)
