"""`GET /api/v1/fedi/statuses/:id/lineage`: the remix chain of a post, up and down."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import optional_viewer
from fedi.api.context import read
from fedi.api.mastodon.common import urls_of
from fedi.api.params import path_id
from fedi.api.responses import JSONResponse
from fedi.convert import to_mastodon
from fedi.services import lineage as service


async def show(request: Request) -> Response:
    viewer = await optional_viewer(request, "read:statuses")
    status_id = path_id(request)
    found = await read(request, lambda s: service.lineage(s, viewer, status_id))
    entity = to_mastodon.lineage(
        [(link.uri, link.view) for link in found.ancestors],
        [(link.uri, link.view) for link in found.descendants],
        urls_of(request),
        viewer.id if viewer else None,
    )
    return JSONResponse(entity)
