"""Small helpers every handler uses: the runtime, and running blocking work (SQL sessions
included) off the event loop."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread
from sqlmodel import Session
from starlette.requests import HTTPConnection

from fedi.runtime import Runtime

T = TypeVar("T")


def runtime_of(request: HTTPConnection) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def run_sync(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking work (SQL, signing, Pillow) in a worker thread, keeping the loop free."""
    return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))


async def read(request: HTTPConnection, fn: Callable[[Session], T]) -> T:
    """Run `fn` with a read-only session in a worker thread."""
    rt = runtime_of(request)

    def run() -> T:
        with rt.db.reader() as session:
            return fn(session)

    return await run_sync(run)


async def write(request: HTTPConnection, fn: Callable[[Session], T]) -> T:
    """Run `fn` in one transaction in a worker thread; it commits when `fn` returns."""
    rt = runtime_of(request)

    def run() -> T:
        with rt.db.session() as session:
            return fn(session)

    return await run_sync(run)


def client_address(request: HTTPConnection) -> str:
    """The caller's address (uvicorn believes X-Forwarded-For only from server.trusted_proxies)."""
    return request.client.host if request.client is not None else "unknown"
