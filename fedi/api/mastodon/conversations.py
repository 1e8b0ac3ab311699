"""/api/v1/conversations: direct conversations, marking one read, removing one."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import authorize
from fedi.api.context import read, write
from fedi.api.mastodon.common import urls_of
from fedi.api.pagination import page_of, paged
from fedi.api.params import path_id, read_params
from fedi.api.responses import JSONResponse
from fedi.convert import to_mastodon
from fedi.services import conversations


async def index(request: Request) -> Response:
    caller = await authorize(request, "read:statuses")
    page = page_of(await read_params(request), default=20, maximum=40)
    viewer = caller.viewer
    found, paging_ids = await read(request, lambda s: conversations.page(s, viewer, page))
    urls = urls_of(request)
    return paged(request, [to_mastodon.conversation(v, urls, viewer.id) for v in found], paging_ids)


async def mark_read(request: Request) -> Response:
    caller = await authorize(request, "write:conversations")
    conversation_id, viewer = path_id(request), caller.viewer
    view = await write(request, lambda s: conversations.mark_read(s, viewer, conversation_id))
    return JSONResponse(to_mastodon.conversation(view, urls_of(request), viewer.id))


async def remove(request: Request) -> Response:
    caller = await authorize(request, "write:conversations")
    conversation_id = path_id(request)
    await write(request, lambda s: conversations.remove(s, caller.viewer, conversation_id))
    return JSONResponse({})
