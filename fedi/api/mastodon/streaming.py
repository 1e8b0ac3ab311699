"""Streaming: the WebSocket at /api/v1/streaming (Phanpy, Elk, Ice Cubes) and the SSE endpoints
/api/v1/streaming/<stream> (Mastodon.py), over the broadcaster (in memory, or Redis so another
process can publish).

Events name ids; each connection renders them for its own viewer, so visibility, blocks and
mutes are applied per viewer. Every stream needs a token with `read:statuses` (or
`read:notifications` for notifications alone): a write-only token gets 403. A stream also
listens on its token's channel and ends as soon as the token is revoked, or when it expires.
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import anyio
from anyio.abc import TaskGroup
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.websockets import WebSocket, WebSocketDisconnect

from fedi.api.auth import Caller, authenticate, bearer_token, require
from fedi.api.context import read, runtime_of
from fedi.api.mastodon.common import urls_of
from fedi.api.responses import JSONResponse
from fedi.convert import to_mastodon
from fedi.errors import FediError, NotFound, Unauthorized, Unprocessable
from fedi.ids import parse_id
from fedi.models.filters import FilterContext
from fedi.services import conversations, lists, views
from fedi.streaming import Message

HEARTBEAT_SECONDS = 15
_REVOKED = "revoked"


@dataclass(frozen=True)
class Stream:
    """One Mastodon stream as a connection subscribed to it."""

    name: list[str]  # what events carry in `stream`: ["user"], ["hashtag", "cats"]
    channels: list[str]
    only_media: bool = False
    notifications: bool = True
    list_id: int | None = None  # a list stream, for its owner only
    context: FilterContext = FilterContext.HOME  # which of the viewer's filters apply


def _argument(stream: str, get: Callable[[str], object]) -> str | None:
    """What a stream is about: `list` for a list stream, `tag` for a hashtag one."""
    value = get("list" if stream == "list" else "tag")
    return value if isinstance(value, str) else None


async def _check_owner(connection: Request | WebSocket, caller: Caller, stream: Stream) -> None:
    """A list streams to its owner only; anyone else is told it does not exist."""
    if stream.list_id is not None:
        list_id, viewer = stream.list_id, caller.viewer
        await read(connection, lambda s: lists.get(s, viewer, list_id))


def resolve(caller: Caller, stream: str, tag: str | None) -> Stream:
    """The channels of a Mastodon stream name, if this caller may read it."""
    only_media = stream.startswith("public") and stream.endswith(":media")
    base = stream.removesuffix(":media") if only_media else stream
    if base == "user:notification":
        require(caller, "read:notifications")
        return Stream([stream], [f"user:notification:{caller.account_id}"])
    require(caller, "read:statuses")
    if base == "user":
        return Stream(
            [stream], [f"user:{caller.account_id}"], notifications=caller.allows("read:notifications")
        )
    if base == "list":
        list_id = parse_id(tag) if tag else None
        if list_id is None:
            raise Unprocessable("list is missing", field="list")
        return Stream([stream, str(list_id)], [f"list:{list_id}"], list_id=list_id)
    if base == "direct":
        return Stream([stream], [f"direct:{caller.account_id}"])
    if base in ("public", "public:local", "public:remote"):
        return Stream([stream], [base], only_media=only_media, context=FilterContext.PUBLIC)
    if base in ("hashtag", "hashtag:local"):
        if not tag:
            raise Unprocessable("tag is missing", field="tag")
        return Stream([stream, tag], [f"{base}:{tag.lower().lstrip('#')}"], context=FilterContext.PUBLIC)
    raise Unprocessable("Unknown stream type", field="stream")


async def render(
    request: Request | WebSocket, caller: Caller, stream: Stream, message: Message
) -> tuple[str, str] | None:
    """(event, payload) for this viewer, or None when the event is not theirs to see."""
    event, viewer = message.get("event"), caller.viewer
    if event in ("update", "status.update"):
        status_id = int(message["status_id"])
        view = await read(
            request,
            lambda s: views.streamed_status(
                s, viewer, status_id, stream.context, only_media=stream.only_media
            ),
        )
        return (
            None
            if view is None
            else (event, json.dumps(to_mastodon.status(view, urls_of(request), viewer.id)))
        )
    if event == "notification" and stream.notifications:
        notification_id = int(message["notification_id"])
        found = await read(request, lambda s: views.streamed_notification(s, viewer, notification_id))
        return (
            None
            if found is None
            else (event, json.dumps(to_mastodon.notification(found, urls_of(request), viewer.id)))
        )
    if event == "conversation":
        conversation_id = int(message["conversation_id"])
        conversation = await read(request, lambda s: conversations.streamed(s, viewer, conversation_id))
        return (
            None
            if conversation is None
            else (event, json.dumps(to_mastodon.conversation(conversation, urls_of(request), viewer.id)))
        )
    if event == "delete":
        return event, str(message["status_id"])
    return None


def _seconds_left(caller: Caller) -> float:
    if caller.expires_at is None:
        return math.inf
    return max((caller.expires_at - datetime.now(UTC)).total_seconds(), 0.0)


def _token_from(connection: Request | WebSocket) -> str | None:
    return (
        bearer_token(connection)
        or connection.headers.get("sec-websocket-protocol")
        or connection.query_params.get("access_token")
    )


# SSE ------------------------------------------------------------------------------------------

SSE_STREAMS = {
    "user": "user",
    "user/notification": "user:notification",
    "public": "public",
    "public/local": "public:local",
    "public/remote": "public:remote",
    "hashtag": "hashtag",
    "hashtag/local": "hashtag:local",
    "direct": "direct",
    "list": "list",
}


async def _stream_caller(connection: Request | WebSocket) -> Caller:
    """A user's valid token that may read something (statuses or notifications)."""
    caller = await authenticate(connection, _token_from(connection))
    if caller is None:
        raise Unauthorized("Missing access token")
    require(caller, "read:statuses", "read:notifications")
    if caller.account is None:
        raise Unprocessable("Streaming requires an authenticated user")
    return caller


async def sse(request: Request) -> Response:
    caller = await _stream_caller(request)
    name = SSE_STREAMS.get(str(request.path_params["stream"]).rstrip("/"))
    if name is None:
        raise NotFound()
    if name.startswith("public") and request.query_params.get("only_media", "").lower() in ("1", "true"):
        name += ":media"
    stream = resolve(caller, name, _argument(name, request.query_params.get))
    await _check_owner(request, caller, stream)
    broadcaster = runtime_of(request).broadcaster

    async def events() -> AsyncIterator[ServerSentEvent]:
        async with broadcaster.subscribe([*stream.channels, f"token:{caller.token_id}"]) as subscription:
            # Mastodon's greeting: the client knows the subscription is live from here on.
            yield ServerSentEvent(comment=")", sep="\n")
            while True:
                # No yield inside the cancel scope: a generator must not suspend within one.
                with anyio.move_on_after(_seconds_left(caller)) as waiting:
                    channel, message = await subscription.get()
                if waiting.cancelled_caught or channel.startswith("token:"):
                    return  # the token expired or was revoked
                rendered = await render(request, caller, stream, message)
                if rendered is not None:
                    yield ServerSentEvent(event=rendered[0], data=rendered[1], sep="\n")

    return EventSourceResponse(
        events(),
        ping=HEARTBEAT_SECONDS,
        ping_message_factory=lambda: ServerSentEvent(comment="thump", sep="\n"),
        headers={"Cache-Control": "no-store"},
        sep="\n",
    )


async def health(request: Request) -> Response:
    return PlainTextResponse("OK")


# WebSocket ------------------------------------------------------------------------------------


async def websocket(ws: WebSocket) -> None:
    try:
        caller = await _stream_caller(ws)
    except FediError as exc:
        if "websocket.http.response" in ws.scope.get("extensions", {}):
            await ws.send_denial_response(JSONResponse({"error": exc.message}, status_code=exc.status))
        else:
            await ws.close(code=1008, reason=exc.message)
        return
    # Browsers pass the token as the subprotocol and insist on seeing it echoed.
    protocol = ws.headers.get("sec-websocket-protocol")
    await ws.accept(subprotocol=protocol if protocol and protocol == _token_from(ws) else None)
    async with anyio.create_task_group() as tasks:
        connection = _Connection(ws, caller, tasks)
        tasks.start_soon(connection.watch_token)
        if initial := ws.query_params.get("stream"):
            await connection.subscribe(initial, _argument(initial, ws.query_params.get))
        await connection.serve()
        tasks.cancel_scope.cancel()


class _Connection:
    """One WebSocket: several streams, each pumped from the broadcaster by its own task."""

    def __init__(self, ws: WebSocket, caller: Caller, tasks: TaskGroup) -> None:
        self.ws, self.caller, self.tasks = ws, caller, tasks
        self.streams: dict[tuple[str, ...], anyio.CancelScope] = {}
        self.broadcaster = runtime_of(ws).broadcaster
        # Streams pump concurrently; one frame at a time goes out.
        self._sending = anyio.Lock()

    async def serve(self) -> None:
        with anyio.move_on_after(_seconds_left(self.caller)):
            try:
                while True:
                    try:
                        command = json.loads(await self.ws.receive_text())
                    except (ValueError, KeyError):  # not JSON, or a binary frame
                        await self._error("Could not parse the message as JSON")
                        continue
                    await self._command(command if isinstance(command, dict) else {})
            except WebSocketDisconnect:
                return
        await self.ws.close(code=1008, reason="token expired")

    async def _command(self, command: dict[str, object]) -> None:
        kind, name = command.get("type"), command.get("stream")
        if not isinstance(name, str) or kind not in ("subscribe", "unsubscribe"):
            await self._error('Unknown message: send {"type": "subscribe", "stream": ...}')
            return
        argument = _argument(name, command.get)
        if kind == "subscribe":
            await self.subscribe(name, argument)
        else:
            scope = self.streams.pop((name, *([argument] if argument is not None else [])), None)
            if scope is not None:
                scope.cancel()

    async def subscribe(self, name: str, tag: str | None) -> None:
        try:
            stream = resolve(self.caller, name, tag)
            await _check_owner(self.ws, self.caller, stream)
        except FediError as exc:
            await self._error(exc.message, exc.status)
            return
        key = tuple(stream.name)
        if key not in self.streams:
            scope = self.streams[key] = anyio.CancelScope()
            await self.tasks.start(self._pump, stream, scope)

    async def _pump(
        self, stream: Stream, scope: anyio.CancelScope, *, task_status: anyio.abc.TaskStatus[None]
    ) -> None:
        with scope:
            async with self.broadcaster.subscribe(stream.channels) as subscription:
                task_status.started()
                while True:
                    _, message = await subscription.get()
                    rendered = await render(self.ws, self.caller, stream, message)
                    if rendered is not None:
                        event, payload = rendered
                        await self._send({"stream": stream.name, "event": event, "payload": payload})

    async def watch_token(self) -> None:
        async with self.broadcaster.subscribe([f"token:{self.caller.token_id}"]) as subscription:
            await subscription.get()
        await self.ws.close(code=1008, reason=_REVOKED)
        self.tasks.cancel_scope.cancel()

    async def _error(self, message: str, status: int = 400) -> None:
        await self._send({"error": message, "status": status})

    async def _send(self, frame: dict[str, object]) -> None:
        async with self._sending:
            await self.ws.send_text(json.dumps(frame))
