"""GET /api/v1/tags/:name: a hashtag's page header (Elk and Phanpy ask before its timeline)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from fedi.api.auth import optional_caller
from fedi.api.context import read
from fedi.api.mastodon.common import urls_of
from fedi.convert import to_mastodon
from fedi.services import search


async def show(request: Request) -> Response:
    await optional_caller(request, "read:statuses")
    name = str(request.path_params["name"])
    found = await read(request, lambda s: search.hashtag(s, name))
    return JSONResponse(to_mastodon.tag(found, urls_of(request)))
