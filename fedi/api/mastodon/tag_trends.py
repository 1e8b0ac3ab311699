"""/api/v1/trends/tags (fedi/services/tag_trends.py), and trending links, which are not tracked."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import optional_caller
from fedi.api.context import read
from fedi.api.mastodon.common import urls_of
from fedi.api.params import Params, read_params
from fedi.api.responses import JSONResponse
from fedi.convert import to_mastodon
from fedi.services import tag_trends


def _window(params: Params, default: int, maximum: int) -> tuple[int, int]:
    offset = params.integer("offset", 0, low=0, high=10_000) or 0
    return offset, min(max(params.integer("limit", default) or default, 1), maximum)


async def tags(request: Request) -> Response:
    await optional_caller(request, "read:statuses")
    offset, limit = _window(await read_params(request), 10, 20)
    found = await read(request, lambda s: tag_trends.tags(s, offset=offset, limit=limit))
    urls = urls_of(request)
    return JSONResponse([to_mastodon.tag(t.tag, urls, history=t.history) for t in found])


async def links(request: Request) -> Response:
    await optional_caller(request, "read:statuses")
    return JSONResponse([])
