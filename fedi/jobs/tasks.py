"""Task bodies: each takes ids, calls one service, and is safe to run twice.

Every body takes the runtime first; the composition root binds it when it registers the body on
the runtime's job queue, so callers enqueue with the other arguments only."""

from __future__ import annotations

from typing import Any

from fedi.jobs.registry import job, periodic
from fedi.runtime import Runtime

# Services are imported inside each body, so a process loads only those its jobs use.


@job(retries=3, retry_delay=10, backoff=2)
def fan_out(rt: Runtime, activity_id: int, hops: int = 0) -> None:
    """Deliver one outgoing activity to its inboxes (retries are scheduled per delivery);
    `hops` > 0: a helper another sender asked for."""
    from fedi.services.federation.delivery import fan_out as deliver

    deliver(rt, activity_id, hops)


@job(retries=5, retry_delay=5, backoff=2)
def process_inbox(rt: Runtime, item_ids: list[int]) -> None:
    """Apply received activities, in the order they arrived."""
    from fedi.services.federation.process import process

    for item_id in item_ids:
        process(rt, item_id)


@job(retries=2, retry_delay=30, backoff=2)
def fetch_parent(rt: Runtime, status_id: int, depth: int, run: int = 1) -> None:
    """Fetch the post a remote reply answers, up the thread to a bounded depth."""
    from fedi.services.federation.threads import fetch_parent as fetch

    fetch(rt, status_id, depth, run)


@job(retries=3, retry_delay=30, backoff=2)
def purge_domain(rt: Runtime, domain: str) -> None:
    """Remove the follows and posts of a suspended domain's accounts."""
    from fedi.services.purge import purge_domain as purge

    purge(rt, domain)


@periodic("41")
def purge_suspended_accounts(rt: Runtime) -> None:
    """Hourly: remove what accounts suspended more than 30 days ago left behind."""
    from fedi.services.moderation import purge_expired_suspensions

    purge_expired_suspensions(rt)


@periodic("*")
def sweep(rt: Runtime) -> None:
    """Queue again the work whose job was lost: due deliveries, stale inbox items, ended polls."""
    from fedi.services import polls
    from fedi.services.federation.recovery import requeue_lost_work
    from fedi.services.generations import requeue_stuck

    requeue_lost_work(rt)
    requeue_stuck(rt)
    polls.sweep(rt)


@job(retries=3, retry_delay=30, backoff=2)
def expire_poll(rt: Runtime, poll_id: int) -> None:
    """At a poll's end: notify its voters and author, federate the final totals."""
    from fedi.services.polls import expire

    expire(rt, poll_id)


@job(retries=3, retry_delay=10, backoff=2)
def poll_totals(rt: Runtime, poll_id: int) -> None:
    """A local poll's new totals, federated a moment after a burst of votes."""
    from fedi.services.polls import send_totals

    send_totals(rt, poll_id)


@job(retries=5, retry_delay=30, backoff=2)
def push_notification(rt: Runtime, subscription_id: int, notification_id: int) -> None:
    """Send one notification to one Web Push subscription (a 404 or 410 removes it)."""
    from fedi.services.push_delivery import deliver

    deliver(rt, subscription_id, notification_id)


@job(retries=3, retry_delay=30, backoff=2)
def publish_scheduled_status(rt: Runtime, scheduled_status_id: int) -> None:
    """Publish a scheduled status whose time has come (an early or repeated run does nothing)."""
    from fedi.services.scheduled_statuses import publish

    publish(rt, scheduled_status_id)


@periodic("*")
def publish_due_statuses(rt: Runtime) -> None:
    """Every minute: publish scheduled statuses whose job was lost (a restart, a crash)."""
    from fedi.services.scheduled_statuses import publish_due

    publish_due(rt)


@job(retries=3, retry_delay=60, backoff=3)
def cache_remote_media(rt: Runtime, status_id: int) -> None:
    """Copy a remote post's images into media storage (clients then load them from here)."""
    from fedi.services.media_cache import cache_status_media

    cache_status_media(rt, status_id)


@periodic("41")
def prune_remote_content(rt: Runtime) -> None:
    """Hourly: remove cached remote images older than media.remote_cache_days, and remote posts
    nobody here touched older than federation.remote_status_days (0: never, for each)."""
    from datetime import timedelta

    from fedi.services.federation.retention import prune_remote_statuses
    from fedi.services.media_cache import prune

    if rt.settings.media.remote_cache_days:
        prune(rt, timedelta(days=rt.settings.media.remote_cache_days))
    if rt.settings.federation.remote_status_days:
        prune_remote_statuses(rt, timedelta(days=rt.settings.federation.remote_status_days))


@periodic("53")
def prune_trends(rt: Runtime) -> None:
    """Hourly: forget trend scores of posts nobody interacted with within the window."""
    from fedi.services import trends

    with rt.db.session() as session:
        trends.prune(session)


@periodic("17")
def prune_inbox(rt: Runtime) -> None:
    """Hourly: delete received activities processed longer ago than the retention."""
    from fedi.services.federation.retention import prune_inbox as prune

    prune(rt)


@job(retries=2, retry_delay=10, queue="gpu")
def generate_image(
    rt: Runtime,
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
        result = gpu_worker.make_image(rt.gpu.get(), rt.settings, payload, owner, progress, lineage)
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
def generation_progress(rt: Runtime, generation_id: int, step: int, total: int) -> None:
    from fedi.services import generations

    generations.progress(rt, generation_id, step, total)


@job(retries=5, retry_delay=5, backoff=2)
def generation_finished(rt: Runtime, generation_id: int, result: dict[str, Any]) -> None:
    from fedi.services import generations

    generations.finished(rt, generation_id, generations.FinishedImage(**result))


@job(retries=5, retry_delay=5, backoff=2)
def generation_failed(rt: Runtime, generation_id: int, reason: str) -> None:
    from fedi.services import generations

    generations.failed(rt, generation_id, reason)
