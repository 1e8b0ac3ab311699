"""The long-lived objects one fedi process owns, built once from Settings.

Web handlers reach it through `request.app.state.runtime`; job bodies (which huey calls with
plain arguments) through `current()`, set when the process starts.
"""

from __future__ import annotations

from dataclasses import dataclass

from fedi.config import Settings
from fedi.db import Database, make_engine
from fedi.jobs.queue import JobQueue
from fedi.urls import Urls


@dataclass
class Runtime:
    settings: Settings
    db: Database
    jobs: JobQueue
    urls: Urls

    def close(self) -> None:
        self.db.dispose()


_current: Runtime | None = None


def build_runtime(settings: Settings, *, immediate_jobs: bool = False) -> Runtime:
    """Build this process's runtime and make it current for job bodies."""
    global _current
    runtime = Runtime(
        settings=settings,
        db=Database(make_engine(settings)),
        jobs=JobQueue(settings, immediate=immediate_jobs),
        urls=Urls(settings.base_url, settings.media_base_url),
    )
    _current = runtime
    return runtime


def current() -> Runtime:
    if _current is None:
        raise RuntimeError("no fedi runtime in this process: build_runtime() was not called")
    return _current
