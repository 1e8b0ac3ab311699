"""Filling in threads: the posts remote replies answer, fetched up to a bounded depth."""

from __future__ import annotations

from fedi.runtime import Runtime
from fedi.services.federation import remote
from fedi.store import statuses as status_store


def fetch_parent(rt: Runtime, status_id: int, depth: int) -> None:
    if depth > remote.MAX_THREAD_DEPTH:
        return
    with rt.db.session() as session:
        status = status_store.get(session, status_id)
        if status is None or status.in_reply_to_id is not None or not status.in_reply_to_uri:
            return
        # store_note links the orphan reply and queues the next level up.
        remote.fetch_status(session, rt, status.in_reply_to_uri, depth=depth)
