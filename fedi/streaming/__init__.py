"""The streaming broadcaster: services publish small events, streaming connections receive them.

Events carry ids, not rendered JSON: each connection renders the status or notification for its
own viewer. Publishing is synchronous and thread-safe (services run in worker threads and job
workers); receiving is asyncio.

One `fedi serve` needs nothing more than `MemoryBroadcaster`. Several processes share events
through a `Bus` (Redis pub/sub, PostgreSQL LISTEN/NOTIFY; see fedi/streaming/redis.py and
postgres.py): `RelayBroadcaster` sends every event on the bus, and each web process runs one
relay task that hands what arrives to its own connections. A new transport is one more `Bus`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

log = logging.getLogger(__name__)

Message = dict[str, Any]
# A bus that fails is tried again after this long (doubling up to RECONNECT_MAX_S).
RECONNECT_S = 0.5
RECONNECT_MAX_S = 10.0
# A stream that cannot start listening in this long fails instead of waiting silently.
LISTEN_TIMEOUT_S = 10.0


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

    def subscribe(self, channels: Iterable[str]) -> AbstractAsyncContextManager[Subscription]: ...

    def close(self) -> None: ...


class MemoryBroadcaster:
    """Events published in this process reach this process's subscribers."""

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


class Bus(Protocol):
    """A transport that carries every event to every web process of the instance."""

    def send(self, data: str) -> None:
        """Send one encoded event (from any thread; blocking is fine)."""
        ...

    def listen(self) -> AbstractAsyncContextManager[AsyncIterator[str]]:
        """Connect and listen; entering returns once listening, so nothing sent after is missed."""
        ...

    def close(self) -> None: ...


class RelayBroadcaster:
    """Events go out on a bus; one relay task per process hands arriving events to its subscribers."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self._local = MemoryBroadcaster()
        self._relay: asyncio.Task[None] | None = None
        self._listening: asyncio.Event | None = None

    def publish(self, channel: str, message: Message) -> None:
        self.bus.send(json.dumps({"channel": channel, "message": message}, separators=(",", ":")))

    @asynccontextmanager
    async def subscribe(self, channels: Iterable[str]) -> AsyncIterator[Subscription]:
        await self._ensure_relay()
        async with self._local.subscribe(channels) as subscription:
            yield subscription

    async def _ensure_relay(self) -> None:
        if self._relay is None or self._relay.done():
            self._listening = asyncio.Event()
            self._relay = asyncio.create_task(self._run(self._listening), name="streaming-relay")
        assert self._listening is not None
        await asyncio.wait_for(self._listening.wait(), LISTEN_TIMEOUT_S)

    async def _run(self, listening: asyncio.Event) -> None:
        backoff = RECONNECT_S
        while True:
            try:
                async with self.bus.listen() as events:
                    listening.set()
                    backoff = RECONNECT_S
                    async for data in events:
                        self._hand_out(data)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("streaming bus lost (%s); reconnecting in %.1f s", exc, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, RECONNECT_MAX_S)

    def _hand_out(self, data: str) -> None:
        try:
            event = json.loads(data)
            self._local.publish(str(event["channel"]), dict(event["message"]))
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed streaming event")

    def close(self) -> None:
        relay = self._relay
        if relay is not None and not relay.done() and not relay.get_loop().is_closed():
            relay.get_loop().call_soon_threadsafe(relay.cancel)
        self.bus.close()
