"""No-op inboxes on many loopback ports in one process (asyncio): they answer 202 and count.

    python -m bench.noop_receiver PORT,PORT,... CONTROL_PORT

GET http://127.0.0.1:CONTROL_PORT/ returns {"total": n, "by_inbox": {"port/path": {id: n}}}
and POST to it resets the counts. Minimal HTTP/1.1 with keep-alive: enough for a benchmark.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter, defaultdict

_counts: defaultdict[str, Counter[str]] = defaultdict(Counter)


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, bytes] | None:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    length = 0
    for line in lines[1:]:
        if line.lower().startswith("content-length:"):
            length = int(line.split(":", 1)[1])
    body = await reader.readexactly(length) if length else b""
    return method, path, body


def _activity_id(body: bytes) -> str:
    start = body.find(b'"id":"')
    if start < 0:
        return "?"
    start += 6
    return body[start : body.find(b'"', start)].decode()


async def _inbox(port: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            method, path, body = await _read_request(reader)  # type: ignore[misc]
            if method == "POST":
                _counts[f"{port}{path}"][_activity_id(body)] += 1
            writer.write(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def _control(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        method, _, _ = await _read_request(reader)  # type: ignore[misc]
        if method == "POST":
            _counts.clear()
        body = json.dumps(
            {
                "total": sum(sum(c.values()) for c in _counts.values()),
                "by_inbox": {k: dict(v) for k, v in _counts.items()},
            }
        ).encode()
        writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        await writer.drain()
    finally:
        writer.close()


async def main(ports: list[int], control_port: int) -> None:
    servers = [
        await asyncio.start_server(lambda r, w, p=port: _inbox(p, r, w), "127.0.0.1", port, backlog=512)
        for port in ports
    ]
    servers.append(await asyncio.start_server(_control, "127.0.0.1", control_port))
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    coroutine = main([int(p) for p in sys.argv[1].split(",")], int(sys.argv[2]))
    try:
        import uvloop

        uvloop.run(coroutine)
    except ImportError:
        asyncio.run(coroutine)
