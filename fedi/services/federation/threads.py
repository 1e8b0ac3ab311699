"""Filling in threads: the posts remote replies answer, fetched up to a bounded depth."""

from __future__ import annotations

from fedi.runtime import Runtime
from fedi.services.federation import remote
from fedi.services.federation.fetches import FetchPending, RemoteError, retry_delay, wait
from fedi.store import statuses as status_store

# How long one run of the job waits for the parent before it is tried again later.
WAIT_S = 2.0
MAX_RUNS = 8


def fetch_parent(rt: Runtime, status_id: int, depth: int, run: int = 1) -> None:
    """Fetch the parent of a stored reply; `store_note` links the reply and queues the next
    level up. A parent still on its way (or whose server failed for now) is tried again later."""
    if depth > remote.MAX_THREAD_DEPTH:
        return
    with rt.db.reader() as session:
        status = status_store.get(session, status_id)
        parent_uri = status.in_reply_to_uri if status is not None and status.in_reply_to_id is None else None
    if not parent_uri:
        return
    try:
        wait(remote.status(rt, parent_uri, depth=depth), WAIT_S)
    except (FetchPending, RemoteError) as exc:
        temporary = isinstance(exc, FetchPending) or exc.temporary
        if temporary and run < MAX_RUNS:
            delay = retry_delay(run, scale=rt.settings.federation.retry_delay_scale)
            rt.jobs.enqueue("fetch_parent", status_id, depth, run + 1, delay=delay)
