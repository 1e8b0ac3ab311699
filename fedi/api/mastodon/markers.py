"""/api/v1/markers: the saved reading position in home and notifications."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import authorize
from fedi.api.context import read, write
from fedi.api.params import read_params
from fedi.api.responses import JSONResponse
from fedi.convert import to_mastodon
from fedi.errors import Unprocessable
from fedi.services import markers


async def show(request: Request) -> Response:
    caller = await authorize(request, "read:statuses")
    timelines = (await read_params(request)).texts("timeline")
    found = await read(request, lambda s: markers.get(s, caller.viewer, timelines))
    return JSONResponse({m.timeline: to_mastodon.marker(m) for m in found})


async def save(request: Request) -> Response:
    caller = await authorize(request, "write:statuses")
    params = await read_params(request)
    positions = {}
    for timeline in markers.TIMELINES:
        if params.has(timeline):
            last_read = params.obj(timeline).id("last_read_id")
            if last_read is None:
                raise Unprocessable(f"{timeline}[last_read_id] is missing", field=f"{timeline}[last_read_id]")
            positions[timeline] = last_read
    saved = await write(request, lambda s: markers.save(s, caller.viewer, positions))
    return JSONResponse({m.timeline: to_mastodon.marker(m) for m in saved})
