"""A typed way to queue jobs: `rt.jobs.send().fan_out(activity_id)` instead of
`rt.jobs.enqueue("fan_out", activity_id)`, so mypy checks the job's name and arguments.

Each method mirrors the body of the same name in `fedi.jobs.tasks`, less its runtime
(tests/test_composition.py checks that they agree). `JobQueue.enqueue(name, ...)` keeps working;
this module imports no task body, so services may use it without an import cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlmodel import Session

    from fedi.jobs.queue import JobQueue


class Jobs:
    """Queues jobs on `queue`: at once, after `after` commits, or `delay` seconds later."""

    def __init__(
        self,
        queue: JobQueue,
        *,
        after: Session | None = None,
        delay: float | None = None,
        task_id: str | None = None,
    ) -> None:
        self._queue = queue
        self._after = after
        self._delay = delay
        self._task_id = task_id

    def _send(self, name: str, *args: Any) -> None:
        if self._after is not None:
            self._queue.after_commit(self._after, name, *args, delay=self._delay, task_id=self._task_id)
        else:
            self._queue.enqueue(name, *args, delay=self._delay, task_id=self._task_id)

    def fan_out(self, activity_id: int, hops: int = 0) -> None:
        self._send("fan_out", activity_id, hops)

    def process_inbox(self, item_ids: list[int]) -> None:
        self._send("process_inbox", item_ids)

    def fetch_parent(self, status_id: int, depth: int, run: int = 1) -> None:
        self._send("fetch_parent", status_id, depth, run)

    def purge_domain(self, domain: str) -> None:
        self._send("purge_domain", domain)

    def expire_poll(self, poll_id: int) -> None:
        self._send("expire_poll", poll_id)

    def poll_totals(self, poll_id: int) -> None:
        self._send("poll_totals", poll_id)

    def push_notification(self, subscription_id: int, notification_id: int) -> None:
        self._send("push_notification", subscription_id, notification_id)

    def publish_scheduled_status(self, scheduled_status_id: int) -> None:
        self._send("publish_scheduled_status", scheduled_status_id)

    def cache_remote_media(self, status_id: int) -> None:
        self._send("cache_remote_media", status_id)

    def generate_image(
        self,
        generation_id: int,
        payload: dict[str, Any],
        owner: str,
        source: dict[str, str] | None = None,
        licence: str | None = None,
    ) -> None:
        self._send("generate_image", generation_id, payload, owner, source, licence)

    def generation_progress(self, generation_id: int, step: int, total: int) -> None:
        self._send("generation_progress", generation_id, step, total)

    def generation_finished(self, generation_id: int, result: dict[str, Any]) -> None:
        self._send("generation_finished", generation_id, result)

    def generation_failed(self, generation_id: int, reason: str) -> None:
        self._send("generation_failed", generation_id, reason)
