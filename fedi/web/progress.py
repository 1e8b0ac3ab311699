"""Live progress of one's own generation over SSE (`/imagine/ID/events`), for the composer page.

Events: `progress` {percent, step, total}, then `done` {url, preview, width, height} or `failed`
{error}. The stream subscribes to `generation:<id>` first and reads the row second, so an image
that finished in between is reported rather than waited for.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import anyio
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.requests import Request
from starlette.responses import Response

from fedi.api.context import read, runtime_of
from fedi.models.accounts import Account
from fedi.models.generations import GenerationState
from fedi.streaming import Message
from fedi.web.composer import Job, job_id_of, load_job
from fedi.web.pages import error_page, page
from fedi.web.session import current_account

HEARTBEAT_SECONDS = 15
# Nobody watches a progress bar for longer; the page falls back to reloading.
LONGEST_SECONDS = 15 * 60


@page
async def events(request: Request) -> Response:
    me = await current_account(request)
    if me is None:
        return error_page(request, 403, "Sign in to follow your images")
    rt = runtime_of(request)
    job_id = job_id_of(request)
    await read(request, lambda s: load_job(s, rt, me, job_id))  # 404 unless it is theirs

    async def stream() -> AsyncIterator[ServerSentEvent]:
        async with rt.broadcaster.subscribe([f"generation:{job_id}"]) as subscription:
            event = await _current(request, me, job_id)
            yield event
            with anyio.move_on_after(LONGEST_SECONDS):
                while event.event == "progress":
                    _, message = await subscription.get()
                    event = await _from_message(request, me, job_id, message)
                    yield event

    return EventSourceResponse(
        stream(),
        ping=HEARTBEAT_SECONDS,
        ping_message_factory=lambda: ServerSentEvent(comment="ping", sep="\n"),
        headers={"Cache-Control": "no-store"},
        sep="\n",
    )


async def _current(request: Request, me: Account, job_id: int) -> ServerSentEvent:
    job = await read(request, lambda s: load_job(s, runtime_of(request), me, job_id))
    return _event_of(job)


async def _from_message(request: Request, me: Account, job_id: int, message: Message) -> ServerSentEvent:
    kind = message.get("event")
    if kind == "fedi.generation.progress":
        step, total = int(message.get("step", 0)), max(int(message.get("total", 1)), 1)
        return _sse("progress", {"percent": round(100 * step / total), "step": step, "total": total})
    if kind == "fedi.generation.done":
        return await _current(request, me, job_id)
    return _sse("failed", {"error": str(message.get("error") or "The image could not be made")})


def _event_of(job: Job) -> ServerSentEvent:
    if job.state == GenerationState.DONE and job.preview is not None:
        picture = job.preview
        return _sse(
            "done",
            {
                "url": picture.url,
                "preview": picture.preview,
                "width": picture.width,
                "height": picture.height,
            },
        )
    if job.finished:
        return _sse("failed", {"error": job.error or "The image could not be made"})
    return _sse("progress", {"percent": job.percent, "state": job.state})


def _sse(event: str, data: dict[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(event=event, data=json.dumps(data), sep="\n")
