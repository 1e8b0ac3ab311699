"""Finding federation work whose job was lost (a crash, a killed worker) and queueing it again.

Jobs are only hints: deliveries and received activities live in our tables. A periodic sweep
queues again what is overdue; at start-up of the only consumer (the embedded mode) claims held
by the dead process are released first, so recovery does not wait for leases to expire.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from fedi.runtime import Runtime
from fedi.services.federation.delivery import due_activities
from fedi.services.federation.inbox import JOB_CHUNK
from fedi.store import deliveries as delivery_store
from fedi.store import inbox as inbox_store

log = logging.getLogger(__name__)

# An inbox item still pending this long after it arrived lost its job: queue it again.
INBOX_GRACE = timedelta(minutes=2)


def requeue_lost_work(rt: Runtime, *, at_startup: bool = False) -> None:
    if at_startup:
        with rt.db.session() as session:
            delivery_store.release_leases(session)
    activities = due_activities(rt)
    for activity_id in activities:
        rt.jobs.enqueue("fan_out", activity_id)
    cutoff = datetime.now(UTC) - (timedelta(0) if at_startup else INBOX_GRACE)
    with rt.db.reader() as session:
        stale = inbox_store.pending_ids(session, cutoff, limit=10_000)
    for start in range(0, len(stale), JOB_CHUNK):
        rt.jobs.enqueue("process_inbox", stale[start : start + JOB_CHUNK])
    if activities or stale:
        log.info("queued again %d delivery fan-out(s) and %d inbox item(s)", len(activities), len(stale))


def release_claims(rt: Runtime, process_id: str) -> None:
    """A consumer process died and its jobs went back on the queue: free the deliveries it had
    claimed, so the job that runs again can send them now rather than when the lease expires."""
    with rt.db.session() as session:
        released = delivery_store.release_leases_of(session, process_id)
    if released:
        log.info("released %d delivery claim(s) of stopped process %s", released, process_id)
