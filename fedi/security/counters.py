"""Where rate-limit counters live: Redis when streaming uses it (every process of the instance
then counts against the same limits), else the memory of this process."""

from __future__ import annotations

from limits import storage as sync_storage
from limits.aio import storage as async_storage

from fedi.config import Settings


def counter_storage(settings: Settings) -> async_storage.Storage:
    """For the event loop; build it inside the running loop (both flavours bind to it)."""
    if settings.streaming_backend == "redis":
        # redis-py's asyncio client (the redis extra), not limits' default coredis.
        return async_storage.RedisStorage(
            "async+" + settings.streaming.redis_url, implementation="redispy", key_prefix=_prefix(settings)
        )
    return async_storage.MemoryStorage()


def thread_counter_storage(settings: Settings) -> sync_storage.Storage:
    """For worker threads (the same counters, reached with blocking calls)."""
    if settings.streaming_backend == "redis":
        return sync_storage.RedisStorage(settings.streaming.redis_url, key_prefix=_prefix(settings))
    return sync_storage.MemoryStorage()


def _prefix(settings: Settings) -> str:
    return f"fedi:limits:{settings.instance.domain}"
