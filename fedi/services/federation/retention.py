"""Deleting received activities once processed and old enough (`inbox_retention_days`).

Their rows de-duplicate redeliveries: an activity whose row is gone would be taken as new. The
retention therefore outlasts senders' retries (config refuses less than three days).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from fedi.runtime import Runtime
from fedi.store import inbox as inbox_store

log = logging.getLogger(__name__)

# Rows deleted per transaction (short ones: writers behind us wait on SQLite's lock).
BATCH = 1000


def prune_inbox(rt: Runtime, *, now: datetime | None = None) -> int:
    """Delete processed items older than the retention; returns how many were deleted."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=rt.settings.federation.inbox_retention_days)
    total = 0
    while True:
        with rt.db.session() as session:
            deleted = inbox_store.prune_processed(session, cutoff, limit=BATCH)
        total += deleted
        if deleted < BATCH:
            break
    if total:
        log.info("deleted %d processed inbox item(s) older than %s", total, cutoff.date())
    return total
