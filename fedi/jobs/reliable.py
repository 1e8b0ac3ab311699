"""huey's Redis queue, made to survive a consumer killed in the middle of its jobs.

huey's own Redis storage takes a job with BRPOP: the job leaves Redis the moment a worker picks
it up, so `kill -9` of a `fedi worker` or `fedi gpu-worker` loses every job it was running
(our tables would notice only minutes later, through the periodic sweep). Here a worker takes a
job with BLMOVE into a list that belongs to its process, and the job leaves that list only when
the same worker thread comes back for its next job, that is once huey has recorded the outcome
(done, failed, or a retry scheduled). Each consuming process keeps a heartbeat key alive; any
consumer that finds a heartbeat gone moves that process's jobs back onto the queue, within
about HEARTBEAT_TTL_S of the kill, and tells the caller whose jobs they were, so claims that
process held in our tables can be released too.

Every Redis command retries while Redis restarts, for about half a minute (with `appendonly yes`
and `appendfsync always`, Redis itself loses nothing it acknowledged).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from huey import Huey
from huey.signals import SIGNAL_INTERRUPTED
from huey.storage import RedisStorage
from redis import ConnectionPool, Redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, RedisError, TimeoutError
from redis.retry import Retry

from fedi.jobs.process import PROCESS_ID

log = logging.getLogger(__name__)

HEARTBEAT_TTL_S = 10
HEARTBEAT_EVERY_S = 2.0
# How long a Redis restart may take before a command gives up: about half a minute.
_RETRY = Retry(ExponentialBackoff(cap=2.0, base=0.1), retries=20)


def connection_pool(url: str) -> ConnectionPool:
    """A pool whose commands wait for Redis to come back instead of failing at once."""
    return ConnectionPool.from_url(
        url, retry=_RETRY, retry_on_error=[ConnectionError, TimeoutError], health_check_interval=10
    )


class ReliableRedisStorage(RedisStorage):  # type: ignore[misc]
    def __init__(self, name: str = "huey", **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.processing_prefix = f"huey.processing.{self.name}."
        self.alive_prefix = f"huey.alive.{self.name}."
        self.processing_key = self.processing_prefix + PROCESS_ID
        self.alive_key = self.alive_prefix + PROCESS_ID
        self._local = threading.local()
        self._heartbeat: threading.Thread | None = None
        self._heartbeat_lock = threading.Lock()
        self._stopping = threading.Event()
        # Called with a dead process's id after its jobs went back on the queue.
        self.on_reclaimed: Callable[[str], None] | None = None

    def dequeue(self) -> bytes | None:
        self._start_heartbeat()
        self.finish_current()
        data: bytes | None = self.conn.blmove(
            self.queue_key, self.processing_key, self.read_timeout, "RIGHT", "LEFT"
        )
        self._local.current = data
        self._local.keep = False
        return data

    def finish_current(self) -> None:
        """The job this thread took last is over: forget it (unless it was interrupted)."""
        current = getattr(self._local, "current", None)
        if current is not None and not getattr(self._local, "keep", False):
            self.conn.lrem(self.processing_key, 1, current)
        self._local.current = None

    def keep_current(self) -> None:
        """The job this thread runs was interrupted: leave it for another consumer."""
        self._local.keep = True

    def _start_heartbeat(self) -> None:
        with self._heartbeat_lock:
            if self._heartbeat is None:
                self.conn.set(self.alive_key, b"1", ex=HEARTBEAT_TTL_S)
                self._heartbeat = threading.Thread(
                    target=self._beat, name=f"heartbeat-{self.name}", daemon=True
                )
                self._heartbeat.start()

    def _beat(self) -> None:
        while not self._stopping.wait(HEARTBEAT_EVERY_S):
            try:
                self.conn.set(self.alive_key, b"1", ex=HEARTBEAT_TTL_S)
                self.reclaim_dead()
            except RedisError as exc:
                log.warning("job queue heartbeat failed: %s", exc)

    def reclaim_dead(self) -> int:
        """Put the jobs of consumers whose heartbeat is gone back on the queue."""
        moved = 0
        for key in self.conn.scan_iter(match=self.processing_prefix + "*", count=100):
            owner = key.decode().removeprefix(self.processing_prefix)
            if owner == PROCESS_ID or self.conn.exists(self.alive_prefix + owner):
                continue
            count = 0
            # Back to the end the queue is read from: these jobs run next.
            while self.conn.lmove(key, self.queue_key, "RIGHT", "RIGHT") is not None:
                count += 1
            if count:
                log.warning(
                    "queue %s: %d job(s) of stopped consumer %s queued again", self.name, count, owner
                )
                moved += count
            if self.on_reclaimed is not None:
                self.on_reclaimed(owner)
        return moved

    def stop_heartbeat(self) -> None:
        self._stopping.set()
        if self._heartbeat is not None:
            self._heartbeat.join(timeout=5)
            self.conn.delete(self.alive_key)


class ReliableRedisHuey(Huey):  # type: ignore[misc]
    storage_class = ReliableRedisStorage

    def __init__(self, name: str, *, url: str, **kwargs: Any) -> None:
        super().__init__(name, connection_pool=connection_pool(url), **kwargs)
        self.url = url
        storage: ReliableRedisStorage = self.storage

        def interrupted(signal: str, task: Any, *args: Any) -> None:
            storage.keep_current()

        self.signal(SIGNAL_INTERRUPTED)(interrupted)
        # A worker thread stops after its last job: that job is over too.
        self.on_shutdown()(storage.finish_current)

    def ping(self) -> None:
        """Answer at once whether Redis is up (health checks must not wait out the retries)."""
        client = Redis.from_url(self.url, socket_connect_timeout=3, socket_timeout=3)
        try:
            client.ping()
        finally:
            client.close()
