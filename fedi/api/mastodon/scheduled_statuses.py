"""/api/v1/scheduled_statuses: posts waiting for their time (made by POST /api/v1/statuses)."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from fedi.api.auth import authorize
from fedi.api.context import read, runtime_of, write
from fedi.api.mastodon.common import urls_of
from fedi.api.pagination import page_of, paged
from fedi.api.params import Params, path_id, read_params
from fedi.convert import to_mastodon
from fedi.errors import Unprocessable
from fedi.services import scheduled_statuses
from fedi.urls import Urls


def scheduled_time(params: Params) -> datetime | None:
    """`scheduled_at` as an aware UTC time (ISO 8601; a time without a zone is UTC)."""
    text = params.text("scheduled_at", max_length=64)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Unprocessable("scheduled_at must be an ISO 8601 time", field="scheduled_at") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def entity(found: scheduled_statuses.Scheduled, urls: Urls) -> dict[str, object]:
    return to_mastodon.scheduled_status(found.item, found.media, urls)


async def index(request: Request) -> Response:
    caller = await authorize(request, "read:statuses")
    paging = page_of(await read_params(request))
    found = await read(request, lambda s: scheduled_statuses.page(s, caller.viewer, paging))
    urls = urls_of(request)
    return paged(request, [entity(f, urls) for f in found], [f.item.id for f in found])


async def show(request: Request) -> Response:
    caller = await authorize(request, "read:statuses")
    scheduled_id = path_id(request)
    found = await read(request, lambda s: scheduled_statuses.get(s, caller.viewer, scheduled_id))
    return JSONResponse(entity(found, urls_of(request)))


async def update(request: Request) -> Response:
    caller = await authorize(request, "write:statuses")
    scheduled_id = path_id(request)
    at = scheduled_time(await read_params(request))
    if at is None:
        raise Unprocessable("scheduled_at is required", field="scheduled_at")
    rt = runtime_of(request)
    found = await write(
        request, lambda s: scheduled_statuses.reschedule(s, rt, caller.me(s), scheduled_id, at)
    )
    return JSONResponse(entity(found, urls_of(request)))


async def delete(request: Request) -> Response:
    caller = await authorize(request, "write:statuses")
    scheduled_id = path_id(request)
    await write(request, lambda s: scheduled_statuses.cancel(s, caller.me(s), scheduled_id))
    return JSONResponse({})
