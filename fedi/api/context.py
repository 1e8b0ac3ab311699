"""Small helpers every handler uses: the runtime, and running blocking work (SQL sessions
included) off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from concurrent.futures import Future
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


async def read(request: HTTPConnection, fn: Callable[[Session], T], *, page: bool = False) -> T:
    """Run `fn` with a read-only session in a worker thread.

    `page`: `fn` reads a bounded page (a timeline page, a status with its thread, a page of
    notifications). On SQLite such a read runs on the event loop itself: a reader never waits
    on a writer there (WAL), the work is Python under the GIL either way, and handing it to a
    thread and back cost more CPU than the read (bench/api.py). PostgreSQL reads wait on the
    network, so they always go to a thread."""
    rt = runtime_of(request)

    def run() -> T:
        with rt.db.reader() as session:
            return fn(session)

    if page and rt.db.reads_on_loop:
        return run()
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


async def fetch_first(
    rt: Runtime, start: Callable[..., list[Future[Any]]], *args: Any, timeout: float
) -> list[Future[Any]]:
    """Phase one of a request that names remote things: start their fetches (in the fetch pool,
    outside any transaction) and wait up to `timeout` seconds; phase two reads what came."""
    futures = await run_sync(start, rt, *args)
    await settled(futures, timeout)
    return futures


async def settled(futures: Future[Any] | Iterable[Future[Any]], timeout: float) -> None:
    """Wait up to `timeout` seconds for background work (remote fetches) to finish, on the event
    loop; whatever is not done by then goes on without us. Results and errors stay in the
    futures."""
    pending = [futures] if isinstance(futures, Future) else list(futures)
    waiters = [asyncio.wrap_future(f) for f in pending if not f.done()]
    if not waiters:
        return
    await asyncio.wait(waiters, timeout=timeout)
    for waiter in waiters:
        # Read late errors so that asyncio does not log them as never retrieved.
        waiter.add_done_callback(lambda w: None if w.cancelled() else w.exception())
