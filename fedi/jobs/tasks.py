"""Task bodies: each takes ids, calls one service, and is safe to run twice."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from fedi.jobs.registry import job, periodic
from fedi.models.federation import InboxItem
from fedi.runtime import current

log = logging.getLogger(__name__)

# An inbox item still pending this long after it arrived lost its job (a crash): queue it again.
INBOX_GRACE = timedelta(minutes=2)


@job(retries=3, retry_delay=10, backoff=2)
def fan_out(activity_id: int) -> None:
    """Deliver one outgoing activity to its inboxes (retries are scheduled per delivery)."""
    from fedi.services.federation.delivery import fan_out as deliver

    deliver(current(), activity_id)


@job(retries=5, retry_delay=5, backoff=2)
def process_inbox(item_id: int) -> None:
    """Apply one received activity."""
    from fedi.services.federation.process import process

    process(current(), item_id)


@job(retries=2, retry_delay=30, backoff=2)
def fetch_parent(status_id: int, depth: int) -> None:
    """Fetch the post a remote reply answers, up the thread to a bounded depth."""
    from fedi.services.federation.threads import fetch_parent as fetch

    fetch(current(), status_id, depth)


@periodic("*")
def sweep() -> None:
    """Queue again the work whose job was lost: due deliveries and stale inbox items."""
    from fedi.services.federation.delivery import due_activities

    rt = current()
    for activity_id in due_activities(rt):
        rt.jobs.enqueue("fan_out", activity_id)
    cutoff = datetime.now(UTC) - INBOX_GRACE
    with rt.db.reader() as session:
        stale = session.exec(
            select(InboxItem.id)
            .where(InboxItem.state == "pending", col(InboxItem.received_at) < cutoff)
            .limit(1000)
        ).all()
    for item_id in stale:
        rt.jobs.enqueue("process_inbox", item_id)
    if stale:
        log.info("re-queued %d inbox item(s) whose job was lost", len(stale))
