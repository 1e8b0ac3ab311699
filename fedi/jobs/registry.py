"""Job declarations, independent of any queue instance.

Task bodies are declared once with `@job(...)` and registered, bound to a runtime, on that
runtime's huey instances by the composition root (settings, hence the storage backend, are only
known at start-up). A body's first argument is the runtime.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

QueueName = Literal["main", "gpu"]


@dataclass(frozen=True)
class JobSpec:
    fn: Callable[..., Any]
    retries: int
    retry_delay: int
    backoff: float
    queue: QueueName
    # Cron-style minute schedule for periodic jobs ("*" = every minute, "*/5", "0" ...).
    every_minute: str | None = None


JOBS: dict[str, JobSpec] = {}


def job(
    *, retries: int = 0, retry_delay: int = 0, backoff: float = 0.0, queue: QueueName = "main"
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a job. Job bodies take ids, are idempotent and keep their state in our tables."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        if fn.__name__ in JOBS:
            raise ValueError(f"job {fn.__name__!r} is declared twice")
        JOBS[fn.__name__] = JobSpec(fn, retries, retry_delay, backoff, queue)
        return fn

    return register


def periodic(minute: str = "*") -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    """Declare a job that runs on a schedule (in every consumer that runs periodic tasks); its
    only argument is the runtime, bound when the job is registered."""

    def register(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
        if fn.__name__ in JOBS:
            raise ValueError(f"job {fn.__name__!r} is declared twice")
        JOBS[fn.__name__] = JobSpec(fn, 0, 0, 0.0, "main", every_minute=minute)
        return fn

    return register
