"""Huey instances from settings, and the one way the rest of fedi enqueues work.

The queue knows no task bodies: the composition root (`fedi.composition`) registers each one,
bound to its runtime, with `register`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from huey import Huey, PostgresHuey, SqliteHuey, crontab
from huey.api import TaskWrapper
from sqlmodel import Session

from fedi.config import Settings
from fedi.db import on_commit
from fedi.jobs.process import PROCESS_ID
from fedi.jobs.registry import JobSpec, QueueName
from fedi.jobs.typed import Jobs
from fedi.security.files import private_file

log = logging.getLogger(__name__)


def _make_huey(settings: Settings, name: str, *, immediate: bool) -> Huey:
    jobs = settings.jobs
    # results=False: huey's result store is not our truth (job state lives in our tables).
    common: dict[str, Any] = {"results": False, "utc": True, "immediate": immediate}
    if jobs.backend == "redis":
        from fedi.jobs.reliable import ReliableRedisHuey

        return ReliableRedisHuey(name, url=jobs.url, **common)
    if jobs.backend == "postgres":
        return PostgresHuey(name, dsn=jobs.url.replace("postgresql+psycopg://", "postgresql://"), **common)
    queue_file = sqlite_queue_file(settings)
    private_file(queue_file)  # queued jobs carry prompts and activities
    return SqliteHuey(name, filename=str(queue_file), **common)


def sqlite_queue_file(settings: Settings) -> Path:
    return settings.data_dir / "jobs.sqlite3"


class JobQueue:
    """The main queue (federation, media, housekeeping) and the gpu queue (generation)."""

    # This process, as the holder of the claims it makes in our tables.
    process_id = PROCESS_ID

    def __init__(self, settings: Settings, *, immediate: bool = False) -> None:
        name = settings.jobs.name
        self._backend = settings.jobs.backend
        # Inline: jobs run in the calling thread (tests), so this process is its own GPU worker.
        self.inline = immediate
        self.main = _make_huey(settings, name, immediate=immediate)
        self.gpu = _make_huey(settings, f"{name}-gpu", immediate=immediate)
        self._tasks: dict[str, TaskWrapper] = {}

    def register(self, name: str, spec: JobSpec, body: Callable[..., Any]) -> None:
        """Make job `name` runnable here: `body` is the declared function with its runtime bound."""
        huey = self.gpu if spec.queue == "gpu" else self.main
        if spec.every_minute is not None:
            self._tasks[name] = huey.periodic_task(crontab(minute=spec.every_minute), name=name)(body)
        else:
            self._tasks[name] = huey.task(
                retries=spec.retries,
                retry_delay=spec.retry_delay,
                retry_backoff=spec.backoff,
                name=name,
            )(body)

    def enqueue(self, name: str, *args: Any, delay: float | None = None, task_id: str | None = None) -> None:
        """Queue job `name`; with `delay` (seconds) it runs no earlier than that. `task_id` names
        the job so it can be withdrawn (`revoke`)."""
        task = self._tasks[name]
        if delay and delay > 0:
            # In immediate mode (tests) a delayed job waits in memory until run by hand.
            task.schedule(args=args, delay=delay, id=task_id)
        else:
            task.huey.enqueue(task.s(*args, id=task_id))

    def after_commit(
        self, session: Session, name: str, *args: Any, delay: float | None = None, task_id: str | None = None
    ) -> None:
        """Queue job `name` once `session` commits; nothing is queued if it rolls back.

        A crash between the commit and the enqueue is covered by the periodic sweep over our
        own tables.
        """
        on_commit(session, lambda: self.enqueue(name, *args, delay=delay, task_id=task_id))

    def send(
        self, *, after: Session | None = None, delay: float | None = None, task_id: str | None = None
    ) -> Jobs:
        """Typed enqueueing: `send(after=session).fan_out(activity_id)` (see fedi.jobs.typed)."""
        return Jobs(self, after=after, delay=delay, task_id=task_id)

    def revoke(self, name: str, task_id: str) -> None:
        """Withdraw a queued job (it is skipped when its turn comes)."""
        self._tasks[name].huey.revoke_by_id(task_id, revoke_once=True)

    def pending(self, queue: QueueName = "main") -> int:
        """Jobs waiting in a queue, scheduled ones included."""
        huey = self.gpu if queue == "gpu" else self.main
        return int(huey.pending_count()) + int(huey.scheduled_count())

    def ping(self) -> None:
        """Raise if the job storage cannot be reached."""
        if self._backend == "redis":
            self.main.ping()  # at once, not after the retries a Redis restart gets
        else:
            self.main.pending_count()
