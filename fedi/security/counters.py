"""Where rate-limit counters live: Redis when streaming uses it (every `fedi serve` then counts
against the same limits), else the memory of this process."""

from __future__ import annotations

from limits.aio.storage import MemoryStorage, RedisStorage, Storage

from fedi.config import Settings


def counter_storage(settings: Settings) -> Storage:
    """Build the storage; call it inside the running event loop (both flavours bind to it)."""
    if settings.streaming_backend == "redis":
        # redis-py's asyncio client (the redis extra), not limits' default coredis.
        return RedisStorage(
            "async+" + settings.streaming.redis_url,
            implementation="redispy",
            key_prefix=f"fedi:limits:{settings.instance.domain}",
        )
    return MemoryStorage()
