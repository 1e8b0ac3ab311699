"""Task bodies: each takes ids, calls one service, and is safe to run twice."""

from __future__ import annotations

from typing import Any

from fedi.jobs.registry import job, periodic
from fedi.runtime import current

# Services are imported inside each body: this module is imported while the job queue is built,
# and the services import the runtime that owns that queue.


@job(retries=3, retry_delay=10, backoff=2)
def fan_out(activity_id: int, hops: int = 0) -> None:
    """Deliver one outgoing activity to its inboxes (retries are scheduled per delivery);
    `hops` > 0: a helper another sender asked for."""
    from fedi.services.federation.delivery import fan_out as deliver

    deliver(current(), activity_id, hops)


@job(retries=5, retry_delay=5, backoff=2)
def process_inbox(item_ids: list[int]) -> None:
    """Apply received activities, in the order they arrived."""
    from fedi.services.federation.process import process

    rt = current()
    for item_id in item_ids:
        process(rt, item_id)


@job(retries=2, retry_delay=30, backoff=2)
def fetch_parent(status_id: int, depth: int, run: int = 1) -> None:
    """Fetch the post a remote reply answers, up the thread to a bounded depth."""
    from fedi.services.federation.threads import fetch_parent as fetch

    fetch(current(), status_id, depth, run)


@job(retries=3, retry_delay=30, backoff=2)
def purge_domain(domain: str) -> None:
    """Remove the follows and posts of a suspended domain's accounts."""
    from fedi.services.purge import purge_domain as purge

    purge(current(), domain)


@periodic("41")
def purge_suspended_accounts() -> None:
    """Hourly: remove what accounts suspended more than 30 days ago left behind."""
    from fedi.services.moderation import purge_expired_suspensions

    purge_expired_suspensions(current())


@periodic("*")
def sweep() -> None:
    """Queue again the work whose job was lost: due deliveries, stale inbox items, ended polls."""
    from fedi.services import polls
    from fedi.services.federation.recovery import requeue_lost_work
    from fedi.services.generations import requeue_stuck

    requeue_lost_work(current())
    requeue_stuck(current())
    polls.sweep(current())


@job(retries=3, retry_delay=30, backoff=2)
def expire_poll(poll_id: int) -> None:
    """At a poll's end: notify its voters and author, federate the final totals."""
    from fedi.services.polls import expire

    expire(current(), poll_id)


@job(retries=3, retry_delay=10, backoff=2)
def poll_totals(poll_id: int) -> None:
    """A local poll's new totals, federated a moment after a burst of votes."""
    from fedi.services.polls import send_totals

    send_totals(current(), poll_id)


@job(retries=5, retry_delay=30, backoff=2)
def push_notification(subscription_id: int, notification_id: int) -> None:
    """Send one notification to one Web Push subscription (a 404 or 410 removes it)."""
    from fedi.services.push_delivery import deliver

    deliver(current(), subscription_id, notification_id)


@job(retries=3, retry_delay=30, backoff=2)
def publish_scheduled_status(scheduled_status_id: int) -> None:
    """Publish a scheduled status whose time has come (an early or repeated run does nothing)."""
    from fedi.services.scheduled_statuses import publish

    publish(current(), scheduled_status_id)


@periodic("*")
def publish_due_statuses() -> None:
    """Every minute: publish scheduled statuses whose job was lost (a restart, a crash)."""
    from fedi.services.scheduled_statuses import publish_due

    publish_due(current())


@job(retries=3, retry_delay=60, backoff=3)
def cache_remote_media(status_id: int) -> None:
    """Copy a remote post's images into media storage (clients then load them from here)."""
    from fedi.services.media_cache import cache_status_media

    cache_status_media(current(), status_id)


@periodic("41")
def prune_remote_content() -> None:
    """Hourly: remove cached remote images older than media.remote_cache_days, and remote posts
    nobody here touched older than federation.remote_status_days (0: never, for each)."""
    from datetime import timedelta

    from fedi.services.federation.retention import prune_remote_statuses
    from fedi.services.media_cache import prune

    rt = current()
    if rt.settings.media.remote_cache_days:
        prune(rt, timedelta(days=rt.settings.media.remote_cache_days))
    if rt.settings.federation.remote_status_days:
        prune_remote_statuses(rt, timedelta(days=rt.settings.federation.remote_status_days))


@periodic("53")
def prune_trends() -> None:
    """Hourly: forget trend scores of posts nobody interacted with within the window."""
    from fedi.services import trends

    rt = current()
    with rt.db.session() as session:
        trends.prune(session)


@periodic("17")
def prune_inbox() -> None:
    """Hourly: delete received activities processed longer ago than the retention."""
    from fedi.services.federation.retention import prune_inbox as prune

    prune(current())


@job(retries=2, retry_delay=10, queue="gpu")
def generate_image(
    generation_id: int,
    payload: dict[str, Any],
    owner: str,
    source: dict[str, str] | None = None,
    licence: str | None = None,
) -> None:
    """On a GPU worker: make the image and send it back (no database needed here).

    `source` ({"key", "mime_type", "uri"}): the image a remix was made from, in media storage,
    which becomes an ingredient of its Content Credentials when this host can read it.
    `licence`: the one its author puts on their images (fedi.licences), signed into them."""
    from fedi.jobs import gpu_worker
    from fedi.services.generations import generated_keys
    from generation.errors import GenerationError

    rt = current()
    lineage = gpu_worker.Lineage(
        original_url=rt.urls.media(generated_keys(generation_id)[0]),
        source=gpu_worker.source_image(rt.media, rt.http, rt.settings, source) if source else None,
        licence=licence,
    )
    if payload.get("strength") is not None:
        # An edit starts from its source image: without it there is nothing to edit.
        if lineage.source is None:
            rt.jobs.enqueue("generation_failed", generation_id, "the image to edit could not be read")
            return
        payload = payload | {"init_image": lineage.source.data}

    def progress(step: int, total: int) -> None:
        rt.jobs.enqueue("generation_progress", generation_id, step, total)

    progress(0, int(payload.get("steps", 1)))
    try:
        result = gpu_worker.make_image(rt.settings, payload, owner, progress, lineage)
    except GenerationError as exc:
        rt.jobs.enqueue("generation_failed", generation_id, str(exc))
        return
    if rt.media.shared:
        # A bucket every process reaches: store the files here, send back only the record.
        for key, field in zip(generated_keys(generation_id), ("original", "thumbnail"), strict=True):
            rt.media.put(key, result[field])
            result[field] = None
    rt.jobs.enqueue("generation_finished", generation_id, result)


@job(retries=3, retry_delay=2)
def generation_progress(generation_id: int, step: int, total: int) -> None:
    from fedi.services import generations

    generations.progress(current(), generation_id, step, total)


@job(retries=5, retry_delay=5, backoff=2)
def generation_finished(generation_id: int, result: dict[str, Any]) -> None:
    from fedi.services import generations

    generations.finished(current(), generation_id, generations.FinishedImage(**result))


@job(retries=5, retry_delay=5, backoff=2)
def generation_failed(generation_id: int, reason: str) -> None:
    from fedi.services import generations

    generations.failed(current(), generation_id, reason)
