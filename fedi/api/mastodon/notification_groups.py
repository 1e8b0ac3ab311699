"""/api/v2/notifications: grouped notifications, one group, its accounts, dismissal, unread count."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import authorize
from fedi.api.context import read, write
from fedi.api.mastodon.common import accounts_page, urls_of
from fedi.api.pagination import link_header, page_of
from fedi.api.params import read_params
from fedi.api.responses import JSONResponse
from fedi.convert import to_mastodon
from fedi.errors import BadRequest
from fedi.services import notification_groups

EXPAND_ACCOUNTS = ("full", "partial_avatars")
DEFAULT_UNREAD_LIMIT, MAX_UNREAD_LIMIT = 100, 1000


async def index(request: Request) -> Response:
    caller = await authorize(request, "read:notifications")
    params = await read_params(request)
    page = page_of(params, default=40, maximum=80)
    expand = params.text("expand_accounts") or "full"
    if expand not in EXPAND_ACCOUNTS:
        raise BadRequest(f"expand_accounts must be one of {', '.join(EXPAND_ACCOUNTS)}")
    viewer = caller.viewer
    found = await read(
        request,
        lambda s: notification_groups.page(
            s,
            viewer,
            page,
            types=params.texts("types") or None,
            exclude_types=params.texts("exclude_types"),
            from_account_id=params.id("account_id"),
            grouped_types=params.texts("grouped_types") or None,
        ),
    )
    entity = to_mastodon.grouped_notifications(
        found, urls_of(request), viewer.id, paginated=True, partial_accounts=expand == "partial_avatars"
    )
    return JSONResponse(entity, headers=link_header(request, found.paging_ids))


async def show(request: Request) -> Response:
    caller = await authorize(request, "read:notifications")
    key, viewer = _group_key(request), caller.viewer
    found = await read(request, lambda s: notification_groups.group(s, viewer, key))
    return JSONResponse(
        to_mastodon.grouped_notifications(found, urls_of(request), viewer.id, paginated=False)
    )


async def accounts(request: Request) -> Response:
    caller = await authorize(request, "read:notifications")
    page = page_of(await read_params(request), default=40, maximum=80)
    key, viewer = _group_key(request), caller.viewer
    listed = await read(request, lambda s: notification_groups.group_accounts(s, viewer, key, page))
    return accounts_page(request, listed)


async def dismiss(request: Request) -> Response:
    caller = await authorize(request, "write:notifications")
    key = _group_key(request)
    await write(request, lambda s: notification_groups.dismiss(s, caller.viewer, key))
    return JSONResponse({})


async def unread_count(request: Request) -> Response:
    caller = await authorize(request, "read:notifications")
    params = await read_params(request)
    limit = min(max(params.integer("limit", DEFAULT_UNREAD_LIMIT) or 1, 1), MAX_UNREAD_LIMIT)
    count = await read(
        request,
        lambda s: notification_groups.unread_count(
            s,
            caller.viewer,
            limit=limit,
            types=params.texts("types") or None,
            exclude_types=params.texts("exclude_types"),
            from_account_id=params.id("account_id"),
            grouped_types=params.texts("grouped_types") or None,
        ),
    )
    return JSONResponse({"count": count})


def _group_key(request: Request) -> str:
    key = str(request.path_params["group_key"])
    if len(key) > 64:
        raise BadRequest("group_key is too long")
    return key
