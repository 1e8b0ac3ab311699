"""/api/v1/bookmarks and /api/v1/favourites: the viewer's saved statuses, newest saved first."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import authorize
from fedi.api.context import read
from fedi.api.mastodon.common import statuses_page
from fedi.api.pagination import page_of
from fedi.api.params import read_params
from fedi.services import timelines


async def bookmarks(request: Request) -> Response:
    caller = await authorize(request, "read:bookmarks")
    page, viewer = page_of(await read_params(request)), caller.viewer
    views, paging_ids = await read(request, lambda s: timelines.bookmarks(s, viewer, page))
    return statuses_page(request, views, viewer.id, paging_ids)


async def favourites(request: Request) -> Response:
    caller = await authorize(request, "read:favourites")
    page, viewer = page_of(await read_params(request)), caller.viewer
    views, paging_ids = await read(request, lambda s: timelines.favourites(s, viewer, page))
    return statuses_page(request, views, viewer.id, paging_ids)
