"""Task bodies: each takes ids, calls one service, and is safe to run twice."""

from __future__ import annotations

from fedi.jobs.registry import job, periodic
from fedi.runtime import current

# Services are imported inside each body: this module is imported while the job queue is built,
# and the services import the runtime that owns that queue.


@job(retries=3, retry_delay=10, backoff=2)
def fan_out(activity_id: int) -> None:
    """Deliver one outgoing activity to its inboxes (retries are scheduled per delivery)."""
    from fedi.services.federation.delivery import fan_out as deliver

    deliver(current(), activity_id)


@job(retries=5, retry_delay=5, backoff=2)
def process_inbox(item_ids: list[int]) -> None:
    """Apply received activities, in the order they arrived."""
    from fedi.services.federation.process import process

    rt = current()
    for item_id in item_ids:
        process(rt, item_id)


@job(retries=2, retry_delay=30, backoff=2)
def fetch_parent(status_id: int, depth: int) -> None:
    """Fetch the post a remote reply answers, up the thread to a bounded depth."""
    from fedi.services.federation.threads import fetch_parent as fetch

    fetch(current(), status_id, depth)


@periodic("*")
def sweep() -> None:
    """Queue again the work whose job was lost: due deliveries and stale inbox items."""
    from fedi.services.federation.recovery import requeue_lost_work

    requeue_lost_work(current())
