"""`GET /api/v1/trends/statuses`: posts ranked by recent interactions (fedi.services.trends)."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import optional_viewer
from fedi.api.context import read
from fedi.api.mastodon.common import urls_of
from fedi.api.params import read_params
from fedi.api.responses import JSONResponse
from fedi.convert import to_mastodon
from fedi.services import trends


async def statuses(request: Request) -> Response:
    viewer = await optional_viewer(request, "read:statuses")
    params = await read_params(request)
    limit = params.integer("limit", 20, low=1, high=40) or 20
    offset = params.integer("offset", 0, low=0, high=10_000) or 0
    found = await read(request, lambda s: trends.trending(s, viewer, limit=limit, offset=offset))
    urls = urls_of(request)
    response = JSONResponse([to_mastodon.status(v, urls, viewer.id if viewer else None) for v in found])
    if len(found) == limit:
        following = (
            f"{urls.base}/api/v1/trends/statuses?{urlencode({'limit': limit, 'offset': offset + limit})}"
        )
        response.headers["Link"] = f'<{following}>; rel="next"'
    return response
