"""The streaming broadcaster: services publish small events, streaming connections receive them.

Events carry ids, not rendered JSON: each connection renders the status or notification for its
own viewer. Publishing is synchronous and thread-safe (services run in worker threads); receiving
is asyncio. The in-memory broadcaster serves one `fedi serve` process; the Redis one lets job
workers and several web processes share events.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any, Protocol

log = logging.getLogger(__name__)

Message = dict[str, Any]


class Subscription:
    """Events for a set of channels, for one streaming connection."""

    def __init__(self, channels: frozenset[str], loop: asyncio.AbstractEventLoop) -> None:
        self.channels = channels
        self._loop = loop
        self._queue: asyncio.Queue[tuple[str, Message]] = asyncio.Queue(maxsize=1000)

    def deliver(self, channel: str, message: Message) -> None:
        """Called from any thread."""
        self._loop.call_soon_threadsafe(self._put, channel, message)

    def _put(self, channel: str, message: Message) -> None:
        if self._queue.full():
            log.warning("streaming subscriber is too slow; dropping an event")
            return
        self._queue.put_nowait((channel, message))

    async def get(self) -> tuple[str, Message]:
        return await self._queue.get()


class Broadcaster(Protocol):
    def publish(self, channel: str, message: Message) -> None: ...

    def subscribe(self, channels: Iterable[str]) -> Any: ...

    def close(self) -> None: ...


class MemoryBroadcaster:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[Subscription]] = defaultdict(set)

    def publish(self, channel: str, message: Message) -> None:
        with self._lock:
            targets = list(self._subscribers.get(channel, ()))
        for subscription in targets:
            subscription.deliver(channel, message)

    @asynccontextmanager
    async def subscribe(self, channels: Iterable[str]) -> AsyncIterator[Subscription]:
        subscription = Subscription(frozenset(channels), asyncio.get_running_loop())
        with self._lock:
            for channel in subscription.channels:
                self._subscribers[channel].add(subscription)
        try:
            yield subscription
        finally:
            with self._lock:
                for channel in subscription.channels:
                    self._subscribers[channel].discard(subscription)
                    if not self._subscribers[channel]:
                        del self._subscribers[channel]

    def close(self) -> None:
        pass


class RedisBroadcaster:
    """Redis pub/sub: any process publishes, every web process's subscribers receive."""

    PREFIX = "fedi:stream:"

    def __init__(self, url: str) -> None:
        import redis

        self._url = url
        self._client = redis.Redis.from_url(url)

    def publish(self, channel: str, message: Message) -> None:
        self._client.publish(self.PREFIX + channel, json.dumps(message))

    @asynccontextmanager
    async def subscribe(self, channels: Iterable[str]) -> AsyncIterator[Subscription]:
        import redis.asyncio as aioredis

        subscription = Subscription(frozenset(channels), asyncio.get_running_loop())
        client = aioredis.Redis.from_url(self._url)
        pubsub = client.pubsub()
        await pubsub.subscribe(*(self.PREFIX + c for c in subscription.channels))

        async def pump() -> None:
            async for item in pubsub.listen():
                if item.get("type") == "message":
                    channel = item["channel"].decode().removeprefix(self.PREFIX)
                    subscription.deliver(channel, json.loads(item["data"]))

        task = asyncio.create_task(pump())
        try:
            yield subscription
        finally:
            task.cancel()
            await pubsub.aclose()  # type: ignore[no-untyped-call]
            await client.aclose()

    def close(self) -> None:
        self._client.close()
