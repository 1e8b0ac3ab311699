"""Reading from starlette's WebSocket test session with a time limit: a missing event fails the
test after a few seconds instead of hanging the suite."""

from __future__ import annotations

import json
from typing import Any

import anyio
from starlette.testclient import WebSocketTestSession

RECEIVE_TIMEOUT_S = 10.0


def receive_json(ws: WebSocketTestSession, timeout: float = RECEIVE_TIMEOUT_S) -> Any:
    """The next message, decoded; AssertionError when none comes within `timeout` seconds."""

    async def next_message() -> Any:
        with anyio.fail_after(timeout):
            # The session's own receive() waits on this stream with no limit.
            return await ws._send_rx.receive()

    try:
        message = ws.portal.call(next_message)
    except TimeoutError:
        raise AssertionError(f"no WebSocket message within {timeout} s") from None
    ws._raise_on_close(message)
    return json.loads(message["text"])
