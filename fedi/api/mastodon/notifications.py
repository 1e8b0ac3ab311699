"""/api/v1/notifications: list (filtered by type), show, dismiss, clear, unread count."""

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
from fedi.services import markers, notifications, views


async def index(request: Request) -> Response:
    caller = await authorize(request, "read:notifications")
    params = await read_params(request)
    page = page_of(params, default=40, maximum=80)
    viewer = caller.viewer
    types, exclude_types = params.texts("types") or None, params.texts("exclude_types")
    # fedi's own types reach stock clients as the Mastodon type they are shown as.
    fedi_types = bool(types) and any(t in to_mastodon.FEDI_TYPES_SHOWN_AS for t in types or [])
    for own, shown_as in to_mastodon.FEDI_TYPES_SHOWN_AS.items():
        if types and shown_as in types and own not in types:
            types = [*types, own]
        if shown_as in exclude_types and own not in (types or []):
            exclude_types = [*exclude_types, own]
    found, paging_ids = await read(
        request,
        lambda s: views.notifications(
            s,
            viewer,
            page,
            types=types,
            exclude_types=exclude_types,
            from_account_id=params.id("account_id"),
        ),
        page=True,
    )
    urls = urls_of(request)
    entities = [to_mastodon.notification(n, urls, viewer.id, fedi_types=fedi_types) for n in found]
    return paged(request, entities, paging_ids)


async def show(request: Request) -> Response:
    caller = await authorize(request, "read:notifications")
    notification_id, viewer = path_id(request), caller.viewer
    found = await read(request, lambda s: views.notification(s, viewer, notification_id))
    return JSONResponse(to_mastodon.notification(found, urls_of(request), viewer.id))


async def dismiss(request: Request) -> Response:
    caller = await authorize(request, "write:notifications")
    # POST /notifications/:id/dismiss, or the older POST /notifications/dismiss with `id`.
    notification_id = (
        path_id(request) if "id" in request.path_params else (await read_params(request)).id("id")
    )
    await write(request, lambda s: notifications.dismiss(s, caller.viewer, notification_id or 0))
    return JSONResponse({})


async def clear(request: Request) -> Response:
    caller = await authorize(request, "write:notifications")
    await write(request, lambda s: notifications.clear(s, caller.viewer))
    return JSONResponse({})


async def unread_count(request: Request) -> Response:
    caller = await authorize(request, "read:notifications")
    count = await read(request, lambda s: markers.unread_notifications(s, caller.viewer))
    return JSONResponse({"count": count})
