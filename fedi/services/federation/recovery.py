"""Finding federation work whose job was lost (a crash, a killed worker) and queueing it again.

Jobs are only hints: deliveries and received activities live in our tables. A periodic sweep
queues again what is overdue; at start-up of the only consumer (the embedded mode) claims held
by the dead process are released first, so recovery does not wait for leases to expire.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select

from fedi.models.federation import Delivery, InboxItem
from fedi.runtime import Runtime
from fedi.services.federation.delivery import due_activities
from fedi.services.federation.inbox import JOB_CHUNK

log = logging.getLogger(__name__)

# An inbox item still pending this long after it arrived lost its job: queue it again.
INBOX_GRACE = timedelta(minutes=2)


def requeue_lost_work(rt: Runtime, *, at_startup: bool = False) -> None:
    if at_startup:
        with rt.db.session() as session:
            session.exec(update(Delivery).where(col(Delivery.state) == "pending").values(lease_until=None))
    activities = due_activities(rt)
    for activity_id in activities:
        rt.jobs.enqueue("fan_out", activity_id)
    cutoff = datetime.now(UTC) - (timedelta(0) if at_startup else INBOX_GRACE)
    with rt.db.reader() as session:
        stale = session.exec(
            select(InboxItem.id)
            .where(InboxItem.state == "pending", col(InboxItem.received_at) <= cutoff)
            .limit(10_000)
        ).all()
    for start in range(0, len(stale), JOB_CHUNK):
        rt.jobs.enqueue("process_inbox", list(stale[start : start + JOB_CHUNK]))
    if activities or stale:
        log.info("queued again %d delivery fan-out(s) and %d inbox item(s)", len(activities), len(stale))
