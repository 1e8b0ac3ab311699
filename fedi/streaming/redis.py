"""A streaming bus on Redis pub/sub: one channel per instance, one subscription per web process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any


class RedisBus:
    def __init__(self, url: str, channel: str) -> None:
        import redis

        self._url = url
        self.channel = channel
        self._client = redis.Redis.from_url(url, socket_timeout=5)

    def send(self, data: str) -> None:
        self._client.publish(self.channel, data)

    @asynccontextmanager
    async def listen(self) -> AsyncIterator[AsyncIterator[str]]:
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(self._url)
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self.channel)
            yield self._messages(pubsub)
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]
            await client.aclose()

    @staticmethod
    async def _messages(pubsub: Any) -> AsyncIterator[str]:
        async for item in pubsub.listen():
            if item.get("type") == "message":
                data = item["data"]
                yield data.decode() if isinstance(data, bytes) else str(data)

    def close(self) -> None:
        self._client.close()
