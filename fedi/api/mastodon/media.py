"""Media uploads: POST /api/v1/media and /api/v2/media, GET and PUT /api/v1/media/:id.

Images are processed while the request waits, so uploads answer 200 with the URL; 202 (and
206 on GET) mean "still processing", which is how generated images will be reported.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import authorize
from fedi.api.context import read, run_sync, runtime_of, write
from fedi.api.mastodon import generations as generations_api
from fedi.api.mastodon.common import urls_of
from fedi.api.params import path_id, read_params
from fedi.api.responses import JSONResponse
from fedi.convert import to_mastodon
from fedi.models.media import MediaAttachment
from fedi.services import generations, media


async def upload(request: Request) -> Response:
    caller = await authorize(request, "write:media")
    rt = runtime_of(request)
    params = await read_params(request, max_file_bytes=rt.settings.media.max_upload_bytes)
    file = params.file("file")
    if file is None and params.has("prompt"):
        # fedi's extension: a prompt instead of a file makes an image (202, then 206 until ready).
        ask = generations_api.ask_from(params)
        row = await write(request, lambda s: generations.request(s, rt, caller.me(s), ask, kind="media"))
        item = await read(request, lambda s: media.own(s, caller.viewer, row.media_id or 0))
        return _answer(request, item, processing_status=202)
    item = await run_sync(
        media.upload,
        rt,
        caller.account_id,
        file.data if file else None,
        description=params.text("description", max_length=media.MAX_DESCRIPTION + 1),
        focus=params.text("focus"),
    )
    return _answer(request, item, processing_status=202)


async def show(request: Request) -> Response:
    caller = await authorize(request, "write:media")
    media_id = path_id(request)
    item = await read(request, lambda s: media.own(s, caller.viewer, media_id))
    return _answer(request, item, processing_status=206)


async def update(request: Request) -> Response:
    caller = await authorize(request, "write:media")
    media_id = path_id(request)
    params = await read_params(request)
    description, focus = params.text("description"), params.text("focus")
    item = await write(
        request, lambda s: media.update(s, caller.viewer, media_id, description=description, focus=focus)
    )
    return _answer(request, item, processing_status=206)


async def delete(request: Request) -> Response:
    caller = await authorize(request, "write:media")
    media_id, rt = path_id(request), runtime_of(request)
    await run_sync(media.delete, rt, caller.account_id, media_id)
    return JSONResponse({})


def _answer(request: Request, item: MediaAttachment, *, processing_status: int) -> Response:
    status = processing_status if item.processing else 200
    return JSONResponse(to_mastodon.media(item, urls_of(request)), status_code=status)
