"""Where remote documents are fetched: a pool of its own, within budgets, never in a transaction.

Request handlers and job bodies never wait on a remote server for longer than they choose: they
start a fetch here and wait for its future as long as they can afford (an inbox POST a few
seconds, a job two), then move on (a 401 the sender retries, a job requeued with backoff) while
the fetch finishes in the background and stores what it got in a short transaction of its own.

Budgets keep one server from using the pool up: a fetch of a document already being fetched
joins it (one fetch per document), each host has at most `fetches_per_host` fetches queued or
running, the pool holds at most `MAX_PENDING` (which bounds the table of fetches in flight), and a
fetch that failed is not tried again for `fetch_failure_ttl_s` (negative cache).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, TypeVar

from fedi.errors import FediError

log = logging.getLogger(__name__)

T = TypeVar("T")

# Fetches queued or running at once, all hosts together: the size of the in-flight table.
MAX_PENDING = 512
# Failures remembered at once (the oldest are forgotten first).
MAX_FAILURES = 10_000


class RemoteError(FediError):
    """A remote document could not be used (unreachable, malformed or not what it claims).

    `temporary` when trying again later may help (a timeout, a 5xx, a budget that was full).
    """

    status, default_message = 422, "The remote resource could not be used"

    def __init__(self, message: str | None = None, *, temporary: bool = False) -> None:
        super().__init__(message)
        self.temporary = temporary


class FetchPending(Exception):
    """The document is being fetched in the background; `future` resolves when it is done."""

    def __init__(self, future: Future[Any]) -> None:
        super().__init__("a remote fetch is still running")
        self.future = future


@dataclass(frozen=True)
class FetchLimits:
    workers: int
    per_host: int
    failure_ttl_s: float


class Fetches:
    """The fetch pool of one process (see the module docstring)."""

    def __init__(self, limits: FetchLimits) -> None:
        self._limits = limits
        self._pool = ThreadPoolExecutor(max_workers=limits.workers, thread_name_prefix="fetch")
        self._lock = threading.Lock()
        self._running: dict[str, Future[Any]] = {}
        self._per_host: Counter[str] = Counter()
        self._failures: OrderedDict[str, tuple[float, RemoteError]] = OrderedDict()

    def start(self, key: str, host: str, task: Callable[[], T]) -> Future[T]:
        """The future of fetch `key` (a URL, prefixed by what is fetched), started now unless it
        is running already. Raises RemoteError when it failed recently or a budget is full."""
        with self._lock:
            running = self._running.get(key)
            if running is not None:
                return running
            failed = self._recent_failure(key)
            if failed is not None:
                raise failed
            if self._per_host[host] >= self._limits.per_host:
                raise RemoteError(
                    f"{host} already has {self._limits.per_host} fetches running", temporary=True
                )
            if len(self._running) >= MAX_PENDING:
                raise RemoteError("too many remote fetches are running; try again later", temporary=True)
            future: Future[T] = Future()
            self._running[key] = future
            self._per_host[host] += 1
        try:
            self._pool.submit(self._run, key, host, task, future)
        except RuntimeError:  # the pool was shut down: the process is stopping
            self._finish(key, host)
            raise RemoteError("the server is shutting down", temporary=True) from None
        return future

    def _run(self, key: str, host: str, task: Callable[[], T], future: Future[T]) -> None:
        try:
            result = task()
        except RemoteError as exc:
            self._remember_failure(key, exc)
            self._finish(key, host)
            future.set_exception(exc)
        except Exception:
            log.exception("fetching %s failed unexpectedly", key)
            error = RemoteError(f"fetching {key} failed", temporary=True)
            self._remember_failure(key, error)
            self._finish(key, host)
            future.set_exception(error)
        else:
            self._finish(key, host)
            future.set_result(result)

    def _finish(self, key: str, host: str) -> None:
        with self._lock:
            self._running.pop(key, None)
            self._per_host[host] -= 1
            if self._per_host[host] <= 0:
                del self._per_host[host]

    def _recent_failure(self, key: str) -> RemoteError | None:
        entry = self._failures.get(key)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            del self._failures[key]
            return None
        return entry[1]

    def _remember_failure(self, key: str, error: RemoteError) -> None:
        if self._limits.failure_ttl_s <= 0:
            return
        with self._lock:
            self._failures[key] = (time.monotonic() + self._limits.failure_ttl_s, error)
            self._failures.move_to_end(key)
            while len(self._failures) > MAX_FAILURES:
                self._failures.popitem(last=False)

    def forget_failure(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def running(self) -> int:
        with self._lock:
            return len(self._running)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def retry_delay(attempt: int, *, scale: float) -> float:
    """Seconds before trying again what waits on a fetch: 5 s, 15 s, 45 s ... at most an hour."""
    return float(min(5.0 * 3.0 ** (attempt - 1), 3600.0) * scale)


def done(value: T) -> Future[T]:
    """A future that already holds `value` (the document was stored already)."""
    future: Future[T] = Future()
    future.set_result(value)
    return future


def wait(future: Future[T], seconds: float) -> T:
    """The fetch's result if it comes within `seconds`; FetchPending otherwise (it goes on)."""
    try:
        return future.result(timeout=seconds)
    except FutureTimeout:
        raise FetchPending(future) from None
