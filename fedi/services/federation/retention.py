"""Forgetting what other servers sent, once old enough: processed inbox rows
(`inbox_retention_days`) and remote posts nobody here touched (`remote_status_days`).

Inbox rows de-duplicate redeliveries: an activity whose row is gone would be taken as new. The
retention therefore outlasts senders' retries (config refuses less than three days). A pruned
remote post is gone from this server only; it comes back if it is delivered or looked up again.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from fedi.runtime import Runtime
from fedi.services.media_cache import remove_files_after_commit
from fedi.store import inbox as inbox_store
from fedi.store import media as media_store
from fedi.store import statuses as status_store

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


def prune_remote_statuses(rt: Runtime, older_than: timedelta, *, batch: int = 200) -> int:
    """Delete remote posts older than `older_than` that nobody here interacted with, with their
    attachments and cached images; returns how many posts went."""
    cutoff = datetime.now(UTC) - older_than
    total = 0
    while True:
        with rt.db.session() as session:
            found = status_store.prunable_remote(session, cutoff, batch)
            ids = [status.id for status in found]
            media = [m for items in media_store.of_statuses(session, ids).values() for m in items]
            remove_files_after_commit(session, rt, media)
            for item in media:
                session.delete(item)
            status_store.delete_many(session, ids)
        total += len(ids)
        if len(ids) < batch:
            break
    if total:
        log.info(
            "deleted %d remote post(s) older than %s that nobody here interacted with", total, cutoff.date()
        )
    return total
