"""fedi's API extension for images: /api/v1/fedi/generations, and prompts in POST /api/v2/media.

Asking answers 202 at once; the image is made by a GPU worker. Poll the generation (or
GET /api/v1/media/:id, 206 until ready) or listen on the `fedi.generation:<id>` stream.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import authorize
from fedi.api.context import fetch_first, read, runtime_of, write
from fedi.api.mastodon.common import urls_of
from fedi.api.params import Params, path_id, read_params
from fedi.api.responses import JSONResponse
from fedi.convert import to_mastodon
from fedi.models.accounts import Account
from fedi.models.generations import Generation
from fedi.services import generations, resolver
from fedi.urls import Urls

# Everything POST /api/v1/fedi/generations reads; anything else is refused, not ignored.
FIELDS = frozenset(
    {"prompt", "negative_prompt", "preset", "width", "height", "steps", "guidance", "seed", "remix_of"}
)


def ask_from(params: Params) -> generations.Ask:
    return generations.Ask(
        prompt=params.text("prompt", "", max_length=20_000) or "",
        negative_prompt=params.text("negative_prompt", "", max_length=20_000) or "",
        preset=params.text("preset"),
        width=params.integer("width"),
        height=params.integer("height"),
        steps=params.integer("steps"),
        guidance=params.number("guidance"),
        seed=params.integer("seed"),
    )


async def create(request: Request) -> Response:
    caller = await authorize(request, "write:media", "write:statuses")
    rt = runtime_of(request)
    params = await read_params(request)
    params.only(FIELDS)
    ask = ask_from(params)
    remix_of = params.text("remix_of", max_length=2048)
    if remix_of:
        fetched = await fetch_first(rt, resolver.start_status, remix_of, timeout=resolver.LOOKUP_WAIT_S)
        remix_of = resolver.found_id(remix_of, fetched)

    def run(session: Session) -> Generation:
        requester = caller.me(session)
        if remix_of:
            return generations.remix(session, rt, requester, remix_of, ask)
        return generations.request(session, rt, requester, ask, kind="api")

    row = await write(request, run)
    return JSONResponse(
        await read(request, lambda s: entity(s, caller.viewer, row.id, urls_of(request))), status_code=202
    )


async def show(request: Request) -> Response:
    caller = await authorize(request, "read", "read:statuses", "write:media")
    generation_id = path_id(request)
    urls = urls_of(request)

    return JSONResponse(await read(request, lambda s: entity(s, caller.viewer, generation_id, urls)))


async def cancel(request: Request) -> Response:
    caller = await authorize(request, "write:media", "write:statuses")
    rt = runtime_of(request)
    generation_id = path_id(request)
    await write(request, lambda s: generations.cancel(s, rt, caller.me(s), generation_id))
    return JSONResponse(
        await read(request, lambda s: entity(s, caller.viewer, generation_id, urls_of(request)))
    )


def entity(session: Session, viewer: Account, generation_id: int, urls: Urls) -> dict[str, Any]:
    row, media = generations.view(session, viewer, generation_id)
    return to_mastodon.generation(row, media, urls)
